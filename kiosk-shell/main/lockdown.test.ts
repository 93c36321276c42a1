import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  blockedInputReason,
  contentSecurityPolicy,
  isAllowedNavigation,
  permissionDecision,
  resolveAppAsset,
  shouldBlockInput,
  webPreferences,
  windowOpenDecision,
  windowOptions,
} from './lockdown';
import type { KeyInput } from './lockdown';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('isAllowedNavigation', () => {
  it.each([
    ['app://sportello/', APP_ORIGIN],
    ['app://sportello/index.html#/services', APP_ORIGIN],
    ['app://sportello/fallback.html?x=1', APP_ORIGIN],
    ['app://SPORTELLO/index.html', APP_ORIGIN],
    ['http://127.0.0.1:5173/', 'http://127.0.0.1:5173'],
    ['http://127.0.0.1:5173/assets/x.js', 'http://127.0.0.1:5173/'],
  ])('allows %s on origin %s', (url, origin) => {
    expect(isAllowedNavigation(url, origin)).toBe(true);
  });

  it.each([
    ['https://www.comune.example.it/', APP_ORIGIN],
    ['app://other/index.html', APP_ORIGIN],
    ['app://sportello.evil/index.html', APP_ORIGIN],
    ['file:///etc/passwd', APP_ORIGIN],
    ['javascript:alert(1)', APP_ORIGIN],
    ['data:text/html,<h1>hi</h1>', APP_ORIGIN],
    ['blob:app://sportello/1234', APP_ORIGIN],
    ['about:blank', APP_ORIGIN],
    ['chrome://gpu', APP_ORIGIN],
    ['devtools://devtools/bundled/inspector.html', APP_ORIGIN],
    ['http://127.0.0.1:5174/', 'http://127.0.0.1:5173'],
    ['http://127.0.0.1/', 'http://127.0.0.1:5173'],
    ['http://localhost:5173/', 'http://127.0.0.1:5173'],
    ['https://127.0.0.1:5173/', 'http://127.0.0.1:5173'],
    ['ws://127.0.0.1:5173/', 'http://127.0.0.1:5173'],
    ['http://user:pw@127.0.0.1:5173/', 'http://127.0.0.1:5173'],
    ['app://sportello/', 'http://127.0.0.1:5173'],
    ['not a url', APP_ORIGIN],
    ['', APP_ORIGIN],
  ])('denies %s on origin %s', (url, origin) => {
    expect(isAllowedNavigation(url, origin)).toBe(false);
  });

  it.each(['', 'not a url', 'file:///', 'data:text/html,x', 'javascript:void 0'])(
    'fails closed when the app origin is %j',
    (origin) => {
      expect(isAllowedNavigation('file:///etc/passwd', origin)).toBe(false);
      expect(isAllowedNavigation('data:text/html,x', origin)).toBe(false);
    },
  );
});

describe('window.open and permissions', () => {
  it('denies every new window', () => {
    expect(windowOpenDecision()).toEqual({ action: 'deny' });
  });

  it.each([
    'media',
    'geolocation',
    'notifications',
    'clipboard-read',
    'clipboard-sanitized-write',
    'fullscreen',
    'openExternal',
    'serial',
    'usb',
    'hid',
    'midi',
    'pointerLock',
    'display-capture',
    'unknown',
  ])('denies the %s permission', (permission) => {
    expect(permissionDecision(permission)).toBe(false);
  });
});

function key(partial: Partial<KeyInput> & Pick<KeyInput, 'key'>): KeyInput {
  return {
    type: 'keyDown',
    code: '',
    control: false,
    meta: false,
    alt: false,
    shift: false,
    ...partial,
  };
}

const ctrl = (k: string, code: string, extra: Partial<KeyInput> = {}): KeyInput =>
  key({ key: k, code, control: true, ...extra });

describe('shouldBlockInput', () => {
  it.each<[string, KeyInput, string]>([
    ['F5', key({ key: 'F5', code: 'F5' }), 'reload'],
    ['Shift+F5', key({ key: 'F5', code: 'F5', shift: true }), 'reload'],
    ['Ctrl+R', ctrl('r', 'KeyR'), 'reload'],
    ['Ctrl+Shift+R', ctrl('R', 'KeyR', { shift: true }), 'reload'],
    ['Cmd+R', key({ key: 'r', code: 'KeyR', meta: true }), 'reload'],
    ['browser refresh key', key({ key: 'BrowserRefresh', code: 'BrowserRefresh' }), 'reload'],
    ['Ctrl+=', ctrl('=', 'Equal'), 'zoom'],
    ['Ctrl++', ctrl('+', 'Equal', { shift: true }), 'zoom'],
    ['Ctrl+-', ctrl('-', 'Minus'), 'zoom'],
    ['Ctrl+0', ctrl('0', 'Digit0'), 'zoom'],
    ['Ctrl+numpad +', ctrl('+', 'NumpadAdd'), 'zoom'],
    ['Ctrl++ on a German layout', ctrl('+', 'BracketRight'), 'zoom'],
    ['Ctrl+P', ctrl('p', 'KeyP'), 'print'],
    ['Ctrl+U', ctrl('u', 'KeyU'), 'view-source'],
    ['Ctrl+W', ctrl('w', 'KeyW'), 'close'],
    ['Ctrl+Q', ctrl('q', 'KeyQ'), 'close'],
    ['Alt+F4', key({ key: 'F4', code: 'F4', alt: true }), 'close'],
    ['Ctrl+F4', ctrl('F4', 'F4'), 'close'],
    ['F11', key({ key: 'F11', code: 'F11' }), 'fullscreen'],
    ['Ctrl+F', ctrl('f', 'KeyF'), 'find'],
    ['Ctrl+N', ctrl('n', 'KeyN'), 'new-window'],
    ['Ctrl+T', ctrl('t', 'KeyT'), 'new-window'],
    ['Ctrl+Shift+N', ctrl('N', 'KeyN', { shift: true }), 'new-window'],
    ['Ctrl+S', ctrl('s', 'KeyS'), 'save'],
    ['Ctrl+O', ctrl('o', 'KeyO'), 'open-file'],
    ['Alt+Left', key({ key: 'ArrowLeft', code: 'ArrowLeft', alt: true }), 'history'],
    ['browser back key', key({ key: 'BrowserBack', code: 'BrowserBack' }), 'history'],
    // AZERTY: the key labelled W sits where QWERTY has Z; both must be caught.
    ['Ctrl+W on AZERTY', ctrl('w', 'KeyZ'), 'close'],
    ['Ctrl+R by physical key with another layout', ctrl('к', 'KeyR'), 'reload'],
  ])('blocks %s', (_name, input, reason) => {
    expect(shouldBlockInput(input)).toBe(true);
    expect(shouldBlockInput(input, { dev: true })).toBe(true);
    expect(blockedInputReason(input)).toBe(reason);
  });

  it('blocks on key up as well as key down', () => {
    expect(shouldBlockInput(ctrl('r', 'KeyR', { type: 'keyUp' }))).toBe(true);
  });

  const devtools: [string, KeyInput][] = [
    ['F12', key({ key: 'F12', code: 'F12' })],
    ['Ctrl+Shift+I', ctrl('I', 'KeyI', { shift: true })],
    ['Ctrl+Shift+J', ctrl('J', 'KeyJ', { shift: true })],
    ['Ctrl+Shift+C', ctrl('C', 'KeyC', { shift: true })],
    ['Cmd+Alt+I', key({ key: 'i', code: 'KeyI', meta: true, alt: true })],
  ];

  it.each(devtools)('blocks the devtools shortcut %s outside dev mode', (_name, input) => {
    expect(shouldBlockInput(input)).toBe(true);
    expect(shouldBlockInput(input, { dev: false })).toBe(true);
    expect(blockedInputReason(input)).toBe('devtools');
  });

  it.each(devtools)('lets the devtools shortcut %s through in dev mode', (_name, input) => {
    expect(shouldBlockInput(input, { dev: true })).toBe(false);
  });

  it.each<[string, KeyInput]>([
    ['a letter', key({ key: 'a', code: 'KeyA' })],
    ['a capital letter', key({ key: 'R', code: 'KeyR', shift: true })],
    ['a digit', key({ key: '0', code: 'Digit0' })],
    ['Enter', key({ key: 'Enter', code: 'Enter' })],
    ['Backspace', key({ key: 'Backspace', code: 'Backspace' })],
    ['Tab', key({ key: 'Tab', code: 'Tab' })],
    ['Shift+Tab', key({ key: 'Tab', code: 'Tab', shift: true })],
    ['an arrow key', key({ key: 'ArrowLeft', code: 'ArrowLeft' })],
    ['Escape', key({ key: 'Escape', code: 'Escape' })],
    ['Space', key({ key: ' ', code: 'Space' })],
    ['Ctrl+C', ctrl('c', 'KeyC')],
    ['Ctrl+V', ctrl('v', 'KeyV')],
    ['Ctrl+A', ctrl('a', 'KeyA')],
    ['Ctrl+Z', ctrl('z', 'KeyZ')],
    ['Ctrl+I (no Shift)', ctrl('i', 'KeyI')],
    ['F4 alone', key({ key: 'F4', code: 'F4' })],
    ['an accented letter', key({ key: 'è', code: 'BracketLeft' })],
    ['a numpad digit', key({ key: '0', code: 'Numpad0' })],
  ])('lets %s through', (_name, input) => {
    expect(shouldBlockInput(input)).toBe(false);
    expect(blockedInputReason(input)).toBeNull();
  });
});

describe('contentSecurityPolicy', () => {
  const directives = (csp: string): Map<string, string> =>
    new Map(
      csp.split(';').map((part) => {
        const [name = '', ...values] = part.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );

  it('locks every source to the app itself', () => {
    const csp = directives(contentSecurityPolicy());
    expect(Object.fromEntries(csp)).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data:",
      'font-src': "'self'",
      'connect-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
    });
  });

  it('never allows inline or evaluated scripts', () => {
    const script = directives(contentSecurityPolicy({ websocketPort: 4000 })).get('script-src');
    expect(script).not.toMatch(/unsafe-inline|unsafe-eval|data:|\*/);
  });

  it('allows the loopback WebSocket only when a port is given', () => {
    expect(directives(contentSecurityPolicy()).get('connect-src')).not.toContain('ws:');
    expect(directives(contentSecurityPolicy({ websocketPort: 48123 })).get('connect-src')).toBe(
      "'self' ws://127.0.0.1:48123",
    );
  });

  it.each([0, -1, 65536, 1.5, Number.NaN, '80; script-src *' as unknown as number])(
    'refuses %j as a port rather than writing it into the header',
    (port) => {
      expect(() => contentSecurityPolicy({ websocketPort: port })).toThrow(RangeError);
    },
  );
});

describe('window and web preferences', () => {
  it('sandboxes the renderer and isolates its context', () => {
    expect(webPreferences('/app/preload.cjs', false)).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      enableWebSQL: false,
      navigateOnDragDrop: false,
      disableDialogs: true,
      preload: '/app/preload.cjs',
    });
  });

  it('enables devtools only in dev mode', () => {
    expect(webPreferences('/p', false).devTools).toBe(false);
    expect(webPreferences('/p', true).devTools).toBe(true);
  });

  it('opens a hidden, frameless, fullscreen kiosk window', () => {
    const options = windowOptions({ preloadPath: '/p', dev: false, backgroundColor: '#000000' });
    expect(options).toMatchObject({
      fullscreen: true,
      kiosk: true,
      frame: false,
      autoHideMenuBar: true,
      show: false,
      backgroundColor: '#000000',
    });
    expect(options.webPreferences).toEqual(webPreferences('/p', false));
  });

  it('paints a background colour even when none is given', () => {
    expect(windowOptions({ preloadPath: '/p', dev: false }).backgroundColor).toMatch(/^#[0-9a-f]{6}$/i);
  });
});

describe('resolveAppAsset', () => {
  const root = path.resolve('/srv/sportello/dist/ui');
  const fallback = path.resolve('/srv/sportello/dist/main/fallback.html');
  const routes = { '/fallback.html': fallback };

  it('serves index.html for the root', () => {
    expect(resolveAppAsset('app://sportello/', root)).toBe(path.join(root, 'index.html'));
  });

  it('serves files under the UI folder, ignoring query and fragment', () => {
    expect(resolveAppAsset('app://sportello/assets/index-abc.js?v=2#x', root)).toBe(
      path.join(root, 'assets', 'index-abc.js'),
    );
    expect(resolveAppAsset('app://sportello/fonts/Titillium%20Web.woff2', root)).toBe(
      path.join(root, 'fonts', 'Titillium Web.woff2'),
    );
  });

  it('serves a routed page from outside the UI folder', () => {
    expect(resolveAppAsset('app://sportello/fallback.html', root, routes)).toBe(fallback);
  });

  it('keeps dot segments inside the folder after URL normalisation', () => {
    expect(resolveAppAsset('app://sportello/../../etc/passwd', root)).toBe(path.join(root, 'etc', 'passwd'));
    expect(resolveAppAsset('app://sportello/%2e%2e/%2e%2e/etc/passwd', root)).toBe(path.join(root, 'etc', 'passwd'));
  });

  it.each([
    'app://sportello/..%2F..%2Fetc%2Fpasswd',
    'app://sportello/assets/..%2f..%2f..%2fmain%2Fmain.cjs',
    'app://sportello/..%5C..%5Cwindows%5Cwin.ini',
    'app://sportello/index.html%00.png',
    'app://sportello/%E0%A4%A',
    'app://other/index.html',
    'http://sportello/index.html',
    'file:///etc/passwd',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveAppAsset(url, root, routes)).toBeNull();
  });
});

describe('fallback page', () => {
  const html = readFileSync(path.join(here, 'fallback.html'), 'utf8');

  it('has no scripts, so it works with the runtime and the app both down', () => {
    expect(html).not.toMatch(/<script|javascript:|\son[a-z]+\s*=/i);
  });

  it('says out of service in every kiosk language', () => {
    for (const lang of ['it', 'en', 'de', 'fr', 'ar']) {
      expect(html).toMatch(new RegExp(`lang="${lang}"`));
    }
    expect(html).toContain('Fuori servizio');
    expect(html).toContain('Out of service');
    expect(html).toContain('Außer Betrieb');
    expect(html).toContain('Hors service');
    expect(html).toContain('خارج الخدمة');
    expect(html).toMatch(/lang="ar"[^>]*dir="rtl"|dir="rtl"[^>]*lang="ar"/);
  });

  it('loads nothing from outside the page', () => {
    expect(html).not.toMatch(/\s(src|href)\s*=/i);
  });
});
