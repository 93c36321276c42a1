/**
 * Lockdown policy for the kiosk window: what the page may load, open, ask for and
 * which keys reach it. Pure decisions with no `electron` import, so they are unit
 * tested under plain Node and the browser-mode server can reuse the CSP.
 * `main.ts` only wires these answers into Electron's hooks.
 */
import path from 'node:path';

/** The privileged scheme the production UI is served from (see `main.ts`). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'sportello';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

// Only these schemes can ever be the app's origin: the custom scheme in
// production and the loopback dev server. Anything else fails closed.
const ORIGIN_PROTOCOLS = new Set([`${APP_SCHEME}:`, 'http:', 'https:']);

/**
 * True only when `url` is on exactly the app's origin (scheme, host and port).
 * `new URL(...).origin` is "null" for custom schemes, so the parts are compared.
 */
export function isAllowedNavigation(url: string, appOrigin: string): boolean {
  const target = parseUrl(url);
  const origin = parseUrl(appOrigin);
  if (!target || !origin) return false;
  if (!ORIGIN_PROTOCOLS.has(origin.protocol) || origin.host === '') return false;
  // Credentials in a URL are never something the kiosk UI produces.
  if (target.username !== '' || target.password !== '') return false;
  return target.protocol === origin.protocol && sameHost(target, origin);
}

// Node leaves the host of a non-special scheme (app:) as written, while Chromium
// lowercases it for a registered standard scheme; hosts are case-insensitive.
function sameHost(a: URL, b: URL): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase();
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** The answer for every `window.open` and `target=_blank`: the kiosk has one window. */
export function windowOpenDecision(): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * Every permission (camera, microphone, geolocation, notifications, clipboard,
 * serial, fullscreen...) is refused: devices belong to the runtime, not the page.
 */
export function permissionDecision(_permission: string): false {
  return false;
}

/** The subset of Electron's `Input` the key policy reads. */
export interface KeyInput {
  type: string;
  key: string;
  code: string;
  control: boolean;
  meta: boolean;
  alt: boolean;
  shift: boolean;
}

export type BlockedInputReason =
  | 'reload'
  | 'devtools'
  | 'zoom'
  | 'print'
  | 'view-source'
  | 'close'
  | 'fullscreen'
  | 'find'
  | 'new-window'
  | 'save'
  | 'open-file'
  | 'history';

export interface InputPolicyOptions {
  /** Developer mode: devtools shortcuts pass so the developer can open them. */
  dev?: boolean;
}

// Chords are matched on the produced key and on the physical code, so a
// shortcut is caught whatever the keyboard layout (Italian, German, AZERTY...).
const PRIMARY_LETTER_REASONS: Readonly<Record<string, BlockedInputReason>> = {
  r: 'reload',
  p: 'print',
  u: 'view-source',
  w: 'close',
  q: 'close',
  f: 'find',
  g: 'find',
  n: 'new-window',
  t: 'new-window',
  s: 'save',
  o: 'open-file',
  h: 'history',
};
const ZOOM_KEYS = new Set(['+', '-', '=', '_', '0']);
const ZOOM_CODES = new Set(['Equal', 'Minus', 'Digit0', 'NumpadAdd', 'NumpadSubtract', 'Numpad0']);
const DEVTOOLS_LETTERS = new Set(['i', 'j', 'c']);
const HISTORY_KEYS = new Set(['BrowserBack', 'BrowserForward', 'BrowserHome']);

/**
 * Why a key event must not reach the page, or null when it may. Both keyDown and
 * keyUp are judged the same way so the page never sees half of a blocked chord.
 */
export function blockedInputReason(input: KeyInput, options: InputPolicyOptions = {}): BlockedInputReason | null {
  const reason = classifyInput(input);
  if (reason === 'devtools' && options.dev === true) return null;
  return reason;
}

/** True when the kiosk swallows this key event (see `blockedInputReason`). */
export function shouldBlockInput(input: KeyInput, options: InputPolicyOptions = {}): boolean {
  return blockedInputReason(input, options) !== null;
}

function classifyInput(input: KeyInput): BlockedInputReason | null {
  const key = input.key.length === 1 ? input.key.toLowerCase() : input.key;
  const codeLetter = /^Key[A-Z]$/.test(input.code) ? input.code.slice(3).toLowerCase() : null;
  const primary = input.control || input.meta;
  const isKey = (name: string): boolean => input.key === name || input.code === name;

  // Function keys act with any modifier held (Shift+F5, Ctrl+F5, Alt+F4...).
  if (isKey('F5') || isKey('BrowserRefresh')) return 'reload';
  if (isKey('F12')) return 'devtools';
  if (isKey('F11')) return 'fullscreen';
  if (isKey('F4') && (input.alt || primary)) return 'close';
  if (HISTORY_KEYS.has(input.key) || HISTORY_KEYS.has(input.code)) return 'history';
  if (input.alt && (isKey('ArrowLeft') || isKey('ArrowRight'))) return 'history';

  if (!primary) return null;

  const letters = [key, codeLetter].filter((value): value is string => value !== null);
  if ((input.shift || input.alt) && letters.some((letter) => DEVTOOLS_LETTERS.has(letter))) {
    return 'devtools';
  }
  if (ZOOM_KEYS.has(key) || ZOOM_CODES.has(input.code)) return 'zoom';
  if (input.meta && (key === '[' || key === ']')) return 'history';
  for (const letter of letters) {
    const reason = PRIMARY_LETTER_REASONS[letter];
    if (reason) return reason;
  }
  return null;
}

/** One policy for both modes: Electron's app:// responses and the browser-mode server. */
export { contentSecurityPolicy } from '../api/csp';
export type { CspOptions } from '../api/csp';

/** The `webPreferences` of the kiosk window; `main.ts` type-checks it against Electron's. */
export interface KioskWebPreferences {
  sandbox: true;
  contextIsolation: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  experimentalFeatures: false;
  webviewTag: false;
  devTools: boolean;
  spellcheck: false;
  enableWebSQL: false;
  navigateOnDragDrop: false;
  disableDialogs: true;
  preload: string;
}

export function webPreferences(preloadPath: string, dev: boolean): KioskWebPreferences {
  return {
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    devTools: dev,
    spellcheck: false,
    enableWebSQL: false,
    navigateOnDragDrop: false,
    // alert/confirm would block an unattended screen with nobody to dismiss them.
    disableDialogs: true,
    preload: preloadPath,
  };
}

export interface KioskWindowOptions {
  fullscreen: true;
  kiosk: true;
  frame: false;
  autoHideMenuBar: true;
  backgroundColor: string;
  show: false;
  title: string;
  webPreferences: KioskWebPreferences;
}

export interface WindowOptionsInput {
  preloadPath: string;
  dev: boolean;
  /** Painted before the first frame, so a restart shows no white flash. */
  backgroundColor?: string;
}

export const DEFAULT_BACKGROUND_COLOR = '#0b3d66';

/** The one kiosk window; it stays hidden until `ready-to-show` to avoid a blank flash. */
export function windowOptions(input: WindowOptionsInput): KioskWindowOptions {
  return {
    fullscreen: true,
    kiosk: true,
    frame: false,
    autoHideMenuBar: true,
    backgroundColor: input.backgroundColor ?? DEFAULT_BACKGROUND_COLOR,
    show: false,
    title: 'Sportello',
    webPreferences: webPreferences(input.preloadPath, input.dev),
  };
}

/**
 * Maps an `app://sportello/...` request to a file under one of the served roots,
 * or null when the request is for another host or would leave its root.
 * `routes` maps exact pathnames to files outside `uiRoot` (the fallback page).
 */
export function resolveAppAsset(
  requestUrl: string,
  uiRoot: string,
  routes: Readonly<Record<string, string>> = {},
): string | null {
  const url = parseUrl(requestUrl);
  if (!url || url.protocol !== `${APP_SCHEME}:` || url.host.toLowerCase() !== APP_HOST) return null;

  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  // The URL parser already folds "..", so these only appear when smuggled in
  // encoded form (%2F, %5C, %00) and are refused rather than interpreted.
  if (pathname.includes('\0') || pathname.includes('\\') || pathname.split('/').includes('..')) {
    return null;
  }

  const routed = routes[pathname];
  if (routed !== undefined) return routed;

  const relative = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
  const root = path.resolve(uiRoot);
  const file = path.resolve(root, relative);
  const fromRoot = path.relative(root, file);
  if (fromRoot === '' || fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) return null;
  return file;
}
