/**
 * `npm start`: the runtime with the demo configuration, and the kiosk on
 * screen — in Electron when its binary is present, otherwise in Chromium's
 * app mode, otherwise (no display, or --no-window) only served. Ctrl+C stops
 * everything it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { simSocketPath, startSimControl } from '../../hardware/sim/control';
import { startVirtualDevices } from '../../hardware/sim/devices';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config';
import { createFileLogger } from './logfile';
import { ROOT, UI_DIR, configPath } from './paths';
import { buildUi, uiNeedsBuild } from './ui-build';
import { startRuntime } from './runtime';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Builds the UI when it is missing or stale. */
function ensureUiBuilt(): void {
  if (!uiNeedsBuild()) return;
  out('Building the kiosk UI…');
  buildUi();
}

/** The Electron binary, when the electron package downloaded it (it cannot on every machine). */
function electronBinary(): string | null {
  const pkg = join(ROOT, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

function hasDisplay(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'no-window': { type: 'boolean', default: false },
      kiosk: { type: 'boolean', default: false },
      // Serve dist/ui as it is, without checking it against src/ (tests and benchmarks).
      'no-build': { type: 'boolean', default: false },
      // Use the configured device paths only, without virtual devices.
      'no-sim': { type: 'boolean', default: false },
      port: { type: 'string' },
    },
  });
  let file = configPath();
  let config = loadConfig(file);

  // No real device configured (the demo): virtual twins on socat PTYs, driven by `npm run sim`.
  let sims: { close(): Promise<void> } | null = null;
  if (!values['no-sim'] && Object.values(config.devices).every((p) => p === null)) {
    const virtual = await startVirtualDevices(config.dataDir);
    const control = await startSimControl(simSocketPath(config.dataDir), virtual.commands);
    sims = { close: () => control.close().then(() => virtual.close()) };
    const { printer, scanner, magstripe, mrz } = virtual.paths;
    config = { ...config, devices: { printer, barcode: scanner, magstripe, mrz } };
    // Electron's runtime reads its configuration from a file: give it one with these paths.
    file = join(config.dataDir, 'sim', 'config.json');
    writeFileSync(file, JSON.stringify({ ...config, dataDir: config.dataDir }, null, 2));
    out(
      `Virtual devices: ${join(config.dataDir, 'dev')} (receipts in ${join(config.dataDir, 'printer')}); try \`npm run sim -- paper out\``,
    );
  }

  const electron = values['no-window'] ? null : electronBinary();
  if (electron && hasDisplay(process.env)) {
    const build = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'scripts', 'build-shell.ts')],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
    if (build.status !== 0) throw new Error('the Electron shell build failed (see above)');
    ensureUiBuilt();
    out('Sportello kiosk: Electron window (the runtime runs inside Electron)');
    const child = spawn(electron, [join(ROOT, 'dist', 'main', 'main.cjs')], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, SPORTELLO_CONFIG: file },
    });
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    child.once('exit', (code) => {
      void (sims?.close() ?? Promise.resolve()).then(() => process.exit(code ?? 0));
    });
    return;
  }

  if (!values['no-build']) ensureUiBuilt();
  const log = createFileLogger(config.dataDir);
  const runtime = await startRuntime({
    config,
    log,
    browser: { uiDir: UI_DIR, ...(values.port !== undefined && { port: Number(values.port) }) },
  });
  const url = runtime.server?.url ?? '';
  out(`Sportello kiosk: ${url}`);
  if (!runtime.status().inService) {
    out('The kiosk is OUT OF SERVICE: its database failed the integrity check and was moved aside (see the log).');
  }

  let browser: ChildProcess | null = null;
  const chromium = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (values['no-window']) {
    out('Serving only (--no-window). Press Ctrl+C to stop.');
  } else if (!hasDisplay(process.env)) {
    out('No display found: open the address above in a browser. Press Ctrl+C to stop.');
  } else if (!chromium) {
    out('No Electron binary and no Chromium found (apt-get install -y chromium): open the address above in a browser.');
  } else {
    browser = spawn(
      chromium,
      [
        `--app=${url}`,
        ...(values.kiosk ? ['--kiosk'] : []),
        `--user-data-dir=${join(config.dataDir, 'chromium-profile')}`,
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-pinch',
        '--overscroll-history-navigation=0',
      ],
      { stdio: 'ignore' },
    );
    browser.once('exit', () => {
      browser = null;
    });
    out('Kiosk window opened in Chromium app mode. Press Ctrl+C to stop.');
  }

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    browser?.kill('SIGTERM');
    void runtime
      .close()
      .then(() => sims?.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`Sportello cannot start: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`Sportello cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
