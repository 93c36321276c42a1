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
import { frazioneCode, isLocalUrl, startLocalHub } from './local-hub';
import type { LocalHub } from './local-hub';
import { ROOT, UI_DIR, configPath } from './paths';
import { buildUi, uiNeedsBuild } from './ui-build';
import { startRestartableRuntime } from './runtime';

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

/** What a failed start must undo before it exits: virtual devices, the local hub. */
const cleanups: Array<() => Promise<unknown>> = [];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'no-window': { type: 'boolean', default: false },
      kiosk: { type: 'boolean', default: false },
      // Serve dist/ui as it is, without checking it against src/ (tests and benchmarks).
      'no-build': { type: 'boolean', default: false },
      // Use the configured device paths only, without virtual devices.
      'no-sim': { type: 'boolean', default: false },
      // Do not run a local hub even when the configured one is on this machine.
      'no-hub': { type: 'boolean', default: false },
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
    cleanups.push(() => virtual.close().catch(() => undefined));
    const { printer, scanner, magstripe, mrz } = virtual.paths;
    config = { ...config, devices: { printer, barcode: scanner, magstripe, mrz } };
    // Electron's runtime reads its configuration from a file: give it one with these paths.
    file = join(config.dataDir, 'sim', 'config.json');
    writeFileSync(file, JSON.stringify({ ...config, dataDir: config.dataDir }, null, 2));
    out(
      `Virtual devices: ${join(config.dataDir, 'dev')} (receipts in ${join(config.dataDir, 'printer')}); try \`npm run sim -- paper out\``,
    );
  }

  // The configured hub is on this machine (the demo): run it too, as its own process,
  // in parallel with the kiosk so it never delays the kiosk's start.
  const hubStarting: Promise<LocalHub | null> =
    !values['no-hub'] && isLocalUrl(config.hub.url)
      ? startLocalHub(config.hub.url, { ...process.env, SPORTELLO_DATA_DIR: config.dataDir }).then(
          (hub) => {
            out(`Sportello hub: ${hub.url}`);
            out(`Sportello console: ${hub.url}/console/ (users: npm run hub -- user create)`);
            return hub;
          },
          (err: unknown) => {
            out(
              `No local hub (${err instanceof Error ? err.message : String(err)}); requests stay queued on the kiosk.`,
            );
            return null;
          },
        )
      : Promise.resolve(null);
  const enrollmentCode = async () => {
    const hub = await hubStarting;
    return hub ? hub.enrollmentCode(config.comune.istat, frazioneCode(config.frazione)) : null;
  };
  const stopHub = () => hubStarting.then((hub) => hub?.stop());
  cleanups.push(stopHub);

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
    const code = await enrollmentCode().catch(() => null);
    const child = spawn(electron, [join(ROOT, 'dist', 'main', 'main.cjs')], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, SPORTELLO_CONFIG: file, ...(code && { SPORTELLO_ENROLL_CODE: code }) },
    });
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    child.once('exit', (exitCode) => {
      void Promise.all([sims?.close(), stopHub()]).then(() => process.exit(exitCode ?? 0));
    });
    return;
  }

  if (!values['no-build']) ensureUiBuilt();
  const log = createFileLogger(config.dataDir);
  // A technician's "restart the runtime" restarts it in place: same address and token, the window reconnects.
  const host = await startRestartableRuntime({
    config,
    log,
    browser: { uiDir: UI_DIR, ...(values.port !== undefined && { port: Number(values.port) }) },
  });
  host.onRestarted(() => out('Kiosk runtime restarted by a technician.'));
  const runtime = host.current();
  const url = runtime.server?.url ?? '';
  out(`Sportello kiosk: ${url}`);
  const sync = runtime.sync;
  if (sync && !sync.status().enrolled) {
    // First start against the local hub: enroll in the background; requests queue meanwhile.
    void enrollmentCode()
      .then(async (code) => {
        if (!code) return;
        await sync.enroll(code);
        out('Kiosk enrolled with the local hub.');
      })
      .catch((err: unknown) => out(`Enrollment failed: ${err instanceof Error ? err.message : String(err)}`));
  }
  const status = runtime.status();
  if (!status.inService) {
    const why: Record<NonNullable<typeof status.outOfServiceReason>, string> = {
      TECHNICIAN: 'a technician put it out of service',
      STORE_INTEGRITY: 'its database failed the integrity check and was moved aside',
      DISK_LOW: 'its disk is nearly full',
      DEVICES: 'none of its devices answers',
    };
    const reason = status.outOfServiceReason ? why[status.outOfServiceReason] : 'see the log';
    out(`The kiosk is OUT OF SERVICE: ${reason} (see the log).`);
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
    void host
      .close()
      .then(() => Promise.all([sims?.close(), stopHub()]))
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`Sportello cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  await Promise.all(cleanups.map((c) => c()));
  process.exit(err instanceof ConfigError ? 2 : 1);
});
