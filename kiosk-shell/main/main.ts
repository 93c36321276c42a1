/**
 * Electron main process: one locked-down window, the runtime as a utility
 * process, a MessagePort between them, and bounded restarts of whichever dies.
 * No business logic lives here; the decisions are in `lockdown.ts` and
 * `recovery.ts`, which are pure and unit tested. This file is only type-checked
 * (the Electron binary is not available to tests) and bundled to
 * `dist/main/main.cjs` by `scripts/build-shell.ts`.
 *
 * Port hand-off (the kiosk API transport):
 *   main → runtime   `child.postMessage({ type: 'kiosk-api-port' }, [port1])`
 *   main → preload   `webContents.postMessage('kiosk-api-port', null, [port2])`
 *   preload → page   `window.postMessage('kiosk-api-port', origin, [port2])`
 * A fresh channel is made whenever the runtime has spawned and the app page has
 * finished loading, so after either side restarts both ends get new ports; the
 * runtime and the page must each accept a replacement port at any time.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  app,
  BrowserWindow,
  Menu,
  MessageChannelMain,
  net,
  powerSaveBlocker,
  protocol,
  session,
  utilityProcess,
} from 'electron';
import type { BrowserWindowConstructorOptions, Session, UtilityProcess, WebContents } from 'electron';
import {
  APP_HOST,
  APP_ORIGIN,
  APP_SCHEME,
  blockedInputReason,
  contentSecurityPolicy,
  isAllowedNavigation,
  permissionDecision,
  resolveAppAsset,
  windowOpenDecision,
  windowOptions,
} from './lockdown';
import { RESTART_EXIT_CODE } from '../api/exit-codes';
import { RESTART_REQUESTED, RecoveryPolicy } from './recovery';
import type { RecoveryAction, RecoveryEvent } from './recovery';

const PORT_MESSAGE = 'kiosk-api-port';
const RUNTIME_SERVICE_NAME = 'sportello-runtime';
const RUNTIME_STOP_TIMEOUT_MS = 5_000;
// forcefullyCrashRenderer() reports its own render-process-gone; that one is ours.
const OWN_KILL_GRACE_MS = 5_000;

const dev = process.argv.includes('--dev') || process.env.SPORTELLO_DEV === '1';

// Layout written by scripts/build-shell.ts (this file runs as dist/main/main.cjs).
const distDir = path.resolve(__dirname, '..');
const files = {
  ui: path.join(distDir, 'ui'),
  runtime: path.join(distDir, 'runtime', 'utility.mjs'),
  preload: path.join(__dirname, 'preload.cjs'),
  fallback: path.join(__dirname, 'fallback.html'),
};

const FALLBACK_PATH = '/fallback.html';
const FALLBACK_URL = `${APP_ORIGIN}${FALLBACK_PATH}`;
const { appUrl, appOrigin } = chooseAppUrl();

// Monotonic, so a clock step (NTP after a cold boot without RTC) cannot fake or
// hide a crash loop.
const now = (): number => performance.now();

function log(event: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), module: 'kiosk-shell/main', event, ...fields })}\n`,
  );
}

function chooseAppUrl(): { appUrl: string; appOrigin: string } {
  const devUrl = process.env.SPORTELLO_UI_URL;
  // The dev server is honoured only in dev mode and only on loopback.
  if (dev && devUrl !== undefined && /^http:\/\/127\.0\.0\.1:\d{1,5}(\/|$)/.test(devUrl)) {
    return { appUrl: devUrl, appOrigin: new URL(devUrl).origin };
  }
  return { appUrl: `${APP_ORIGIN}/index.html`, appOrigin: APP_ORIGIN };
}

let win: BrowserWindow | null = null;
let runtime: { child: UtilityProcess; generation: number; spawned: boolean } | null = null;
let runtimeGeneration = 0;
let pageReady = false;
let quitting = false;
let runtimeStopping = false;
let ownKillUntil = -Infinity;
let checkTimer: { handle: NodeJS.Timeout; due: number } | null = null;
const recovery = new RecoveryPolicy();

// ---- process-wide switches, before `ready` --------------------------------

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.commandLine.appendSwitch('disable-pinch');
  app.commandLine.appendSwitch('overscroll-history-navigation', '0');
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      // standard + secure: a real origin with localStorage and module scripts;
      // stream: audio prompts need range requests. No bypassCSP.
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true, stream: true },
    },
  ]);

  app.on('second-instance', () => {
    if (win && !win.isDestroyed()) win.focus();
  });
  app.on('web-contents-created', (_event, contents) => harden(contents));
  app.on('child-process-gone', (_event, details) => {
    log('child.gone', {
      type: details.type,
      reason: details.reason,
      exitCode: details.exitCode,
      serviceName: details.serviceName,
    });
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    quitting = true;
    clearCheck();
    const current = runtime;
    if (current === null || runtimeStopping) return;
    // Let the runtime close its SQLite file before the app goes away.
    event.preventDefault();
    runtimeStopping = true;
    const timeout = setTimeout(() => {
      log('runtime.stop-timeout', { pid: current.child.pid });
      app.exit(0);
    }, RUNTIME_STOP_TIMEOUT_MS);
    current.child.once('exit', () => {
      clearTimeout(timeout);
      app.quit();
    });
    current.child.kill();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      log('signal', { signal });
      app.quit();
    });
  }

  app
    .whenReady()
    .then(onReady)
    .catch((error: unknown) => {
      log('startup.failed', { error: String(error) });
      app.exit(1);
    });
}

function onReady(): void {
  Menu.setApplicationMenu(null);
  powerSaveBlocker.start('prevent-display-sleep');
  lockSession(session.defaultSession);
  registerAppProtocol();
  createWindow();
  startRuntime();
  log('started', { dev, appOrigin });
}

// ---- lockdown ---------------------------------------------------------------

function lockSession(target: Session): void {
  target.setPermissionRequestHandler((_contents, permission, callback) => {
    log('permission.denied', { permission });
    callback(permissionDecision(permission));
  });
  target.setPermissionCheckHandler((_contents, permission) => permissionDecision(permission));
  target.setDevicePermissionHandler(() => false);
  target.on('will-download', (event) => event.preventDefault());
}

function harden(contents: WebContents): void {
  contents.setWindowOpenHandler(() => windowOpenDecision());

  const guard = (event: { url: string; preventDefault(): void }): void => {
    if (isAllowedNavigation(event.url, appOrigin)) return;
    event.preventDefault();
    log('navigation.blocked', { scheme: schemeOf(event.url) });
  };
  contents.on('will-navigate', guard);
  contents.on('will-frame-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());

  contents.on('before-input-event', (event, input) => {
    const reason = blockedInputReason(input);
    if (reason === null) return;
    event.preventDefault();
    // With the application menu removed nothing else opens devtools in dev mode.
    if (reason === 'devtools' && dev && input.type === 'keyDown') contents.toggleDevTools();
  });

  // Visual (pinch) zoom is per page, so it is pinned again after every load.
  contents.on('did-finish-load', () => {
    contents.setVisualZoomLevelLimits(1, 1).catch((error: unknown) => {
      log('zoom-limits.failed', { error: String(error) });
    });
  });
}

function schemeOf(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return 'invalid';
  }
}

function registerAppProtocol(): void {
  const csp = contentSecurityPolicy();
  const routes = { [FALLBACK_PATH]: files.fallback };
  const respond = (body: BodyInit | null, init: ResponseInit = {}): Response => {
    const headers = new Headers(init.headers);
    headers.set('Content-Security-Policy', csp);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(body, { ...init, headers });
  };

  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return respond(null, { status: 405 });
    }
    const file = resolveAppAsset(request.url, files.ui, routes);
    if (file === null) {
      log('asset.refused', { host: APP_HOST });
      return respond(null, { status: 403 });
    }
    try {
      const found = await net.fetch(pathToFileURL(file).toString());
      if (!found.ok) return respond(null, { status: 404 });
      return respond(found.body, {
        status: found.status,
        statusText: found.statusText,
        headers: found.headers,
      });
    } catch {
      return respond(null, { status: 404 });
    }
  });
}

// ---- window -----------------------------------------------------------------

function createWindow(): void {
  // The annotation checks at compile time that the pure policy's shape is what
  // Electron takes (lockdown.ts cannot import Electron's types itself).
  const options: BrowserWindowConstructorOptions = windowOptions({
    preloadPath: files.preload,
    dev,
  });

  const created = new BrowserWindow(options);
  win = created;
  const contents = created.webContents;

  created.once('ready-to-show', () => created.show());
  created.on('closed', () => {
    if (win === created) win = null;
  });

  contents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) pageReady = false;
  });
  contents.on('did-finish-load', () => {
    pageReady = isAppPage(contents.getURL());
    connect();
  });
  contents.on('render-process-gone', (_event, details) => {
    pageReady = false;
    if (now() < ownKillUntil) {
      ownKillUntil = -Infinity;
      return;
    }
    report({ kind: 'renderer-gone', at: now(), reason: details.reason });
  });
  contents.on('unresponsive', () => report({ kind: 'unresponsive', at: now() }));
  contents.on('responsive', () => report({ kind: 'responsive', at: now() }));

  if (!dev && !existsSync(path.join(files.ui, 'index.html'))) {
    // A broken install does not heal by restarting; say so on screen.
    log('ui.missing', { dir: files.ui });
    load(FALLBACK_URL);
    return;
  }
  load(appUrl);
}

function isAppPage(url: string): boolean {
  if (!isAllowedNavigation(url, appOrigin)) return false;
  try {
    return new URL(url).pathname !== FALLBACK_PATH;
  } catch {
    return false;
  }
}

function load(url: string): void {
  const target = win;
  if (target === null || target.isDestroyed()) return;
  pageReady = false;
  target.loadURL(url).catch((error: unknown) => {
    // A newer loadURL (a reload or the fallback) aborts this one; not a failure.
    if ((error as { code?: unknown }).code === 'ERR_ABORTED') return;
    log('page.load-failed', { scheme: schemeOf(url), error: String(error) });
    if (url === appUrl) report({ kind: 'renderer-gone', at: now(), reason: 'load-failed' });
  });
}

function reloadApp(hung: boolean): void {
  const target = win;
  if (target === null || target.isDestroyed()) return;
  if (hung && !target.webContents.isCrashed()) {
    ownKillUntil = now() + OWN_KILL_GRACE_MS;
    target.webContents.forcefullyCrashRenderer();
  }
  load(appUrl);
}

// ---- runtime ------------------------------------------------------------------

function startRuntime(): void {
  if (quitting) return;
  const generation = ++runtimeGeneration;
  const child = utilityProcess.fork(files.runtime, [], {
    serviceName: RUNTIME_SERVICE_NAME,
    stdio: 'inherit',
    // An installed kiosk keeps its store under the app's data folder, never relative to whatever cwd it got.
    env: { ...process.env, SPORTELLO_DATA_DIR: process.env.SPORTELLO_DATA_DIR ?? app.getPath('userData') },
  });
  const entry = { child, generation, spawned: false };
  runtime = entry;

  child.once('spawn', () => {
    if (runtime !== entry) return;
    entry.spawned = true;
    log('runtime.spawned', { pid: child.pid, generation });
    connect();
  });
  child.once('exit', (code) => {
    if (runtime !== entry) return; // an older runtime we already replaced
    runtime = null;
    log('runtime.exited', { code, generation });
    if (quitting) return;
    if (code === 0) {
      // The runtime exits 0 only when told to stop (SIGTERM to the session);
      // follow it so the session supervisor restarts the kiosk as a whole.
      report({ kind: 'runtime-gone', at: now(), reason: 'clean-exit' });
      app.quit();
      return;
    }
    report({
      kind: 'runtime-gone',
      at: now(),
      reason: code === RESTART_EXIT_CODE ? RESTART_REQUESTED : `exit-code-${code}`,
    });
  });
}

/** Gives the runtime and the loaded app page the two ends of a new channel. */
function connect(): void {
  const target = win;
  const current = runtime;
  if (!pageReady || target === null || target.isDestroyed() || current === null) return;
  if (!current.spawned) return;
  const { port1, port2 } = new MessageChannelMain();
  current.child.postMessage({ type: PORT_MESSAGE }, [port1]);
  target.webContents.postMessage(PORT_MESSAGE, null, [port2]);
  log('port.connected', { generation: current.generation });
}

// ---- recovery -----------------------------------------------------------------

function report(event: RecoveryEvent): void {
  if (quitting) return;
  const action = recovery.decide(event);
  if (action.do !== 'nothing' || event.kind !== 'check') {
    log('recovery.decision', {
      kind: event.kind,
      reason: 'reason' in event ? event.reason : undefined,
      action: action.do,
      ...recovery.snapshot(event.at),
    });
  }
  act(action);
}

function act(action: RecoveryAction): void {
  switch (action.do) {
    case 'nothing':
      return;
    case 'wait':
      scheduleCheck(action.ms);
      return;
    case 'reload-renderer':
      reloadApp(action.hung === true);
      return;
    case 'restart-runtime':
      startRuntime();
      return;
    case 'restart-all':
      startRuntime();
      reloadApp(false);
      return;
    case 'show-fallback':
      log('fallback.shown', { reason: action.reason, retryAfterMs: action.retryAfterMs });
      load(FALLBACK_URL);
      scheduleCheck(action.retryAfterMs);
      return;
    default:
      assertNever(action);
  }
}

// One timer is enough: every `check` answers with whatever is still pending,
// so the earliest due time is kept and later needs are rescheduled by it.
function scheduleCheck(ms: number): void {
  const due = now() + ms;
  if (checkTimer !== null && checkTimer.due <= due) return;
  clearCheck();
  checkTimer = {
    due,
    handle: setTimeout(() => {
      checkTimer = null;
      report({ kind: 'check', at: now() });
    }, ms),
  };
}

function clearCheck(): void {
  if (checkTimer === null) return;
  clearTimeout(checkTimer.handle);
  checkTimer = null;
}

function assertNever(value: never): never {
  throw new Error(`unhandled recovery action: ${JSON.stringify(value)}`);
}
