import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { RESTART_EXIT_CODE } from '../api/exit-codes';
import type { EventFrame, EventName, EventPayload, KioskStatus } from '../api/contract';
import { closeStore, openStore } from '../../sync/store/db';
import type { Store } from '../../sync/store/db';
import { seedInfo } from '../../sync/store/info';
import type { Config } from './config';
import type { DeviceManager } from './devices';
import { createDispatcher } from './dispatch';
import type { Dispatch } from './dispatch';
import { createHandlers } from './handlers';
import { NOT_SYNCING, createSyncManager } from './sync';
import type { SyncManager } from './sync';
import type { Logger } from './log';
import { startBrowserServer } from './server';
import { createServiceMonitor } from './status';
import type { ServiceMonitor } from './status';
import { createTechnician } from './technician';
import { TECH_KEYS, getTechState, loadPaperCount, savePaperCount, setTechState } from '../../sync/store/technician';
import { DEVICE_FIELDS, applyOverride } from './config';
import { createPreviewLog, createSwitchableDevices } from './devices';
import { loadOverride } from './technician';
import type { Reconfigure } from './technician';
import { freeBytes as storeFreeBytes } from '../../sync/store/disk';
import { createRequestService } from './requests';
import { createSpeech } from './speech';
import { jackFile, watchJack } from '../../hardware/audio/jack';
import { PICKUP_PURGE_EVERY_MS, createPickupService } from './pickup';
import type { PickupService } from './pickup';
import type { BrowserServer } from './server';

export type Runtime = {
  config: Config;
  store: Store;
  dispatch: Dispatch;
  status: () => KioskStatus;
  /** Whether the kiosk can serve, and why not (kiosk-shell/runtime/status.ts). */
  service: ServiceMonitor;
  devices: DeviceManager;
  /** Ritiro documenti (./pickup): the runtime purges expired documents itself; tests may call `purge`. */
  pickup: PickupService;
  /** Null when the kiosk is out of service at boot. */
  sync: SyncManager | null;
  /** Every event the kiosk API pushes, whatever carries it (WebSocket, MessagePort). */
  onEvent(listener: (frame: EventFrame) => void): () => void;
  /** Present in browser mode only. */
  server: BrowserServer | null;
  close(): Promise<void>;
};

export type RuntimeOptions = {
  config: Config;
  log: Logger;
  /** Browser mode: serve this built UI folder and the API over a WebSocket. */
  browser?: { uiDir: string; port?: number; host?: string; token?: string };
  now?: () => Date;
  /** Refuse new requests below this much free disk (bytes); default the store's. */
  minFreeBytes?: number;
  /** Free bytes on the store's disk; statfs by default (tests fake a full disk here). */
  freeBytes?: () => number | null;
  /**
   * A technician asked for a runtime restart: close this runtime and start it
   * again (startRestartableRuntime does, in place). Without one, the runtime
   * closes and exits with RESTART_EXIT_CODE, and whoever runs it (Electron
   * main's recovery policy) starts it again.
   */
  restart?: () => void;
};

export { RESTART_EXIT_CODE } from '../api/exit-codes';

export const STORE_FILE = 'sportello.db';

/** Composition root: store, handlers and (in browser mode) the server. */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { log } = opts;
  let config = opts.config;
  const now = opts.now ?? (() => new Date());
  const storeLog = log.child({ module: 'store' });

  const store = openStore(join(config.dataDir, STORE_FILE), now);
  if (store.integrityFailure) {
    // Never serve silently empty: the old file is kept aside for a technician.
    storeLog.error(
      {
        event: 'store.integrity-failed',
        movedTo: store.integrityFailure.movedTo,
        detail: store.integrityFailure.detail,
      },
      'store failed its integrity check and was moved aside',
    );
  } else if (seedInfo(store.db, config.info)) {
    storeLog.info({ event: 'store.info-seeded', offices: config.info.offices.length }, 'office information seeded');
  }
  // What a technician changed on the screen wins over the configuration file.
  if (!store.integrityFailure) config = applyOverride(config, loadOverride(store.db, storeLog));

  const eventListeners = new Set<(frame: EventFrame) => void>();
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    for (const l of eventListeners) l({ event, payload });
  };
  const onEvent = (listener: (frame: EventFrame) => void) => {
    eventListeners.add(listener);
    return () => eventListeners.delete(listener);
  };

  const devices = createSwitchableDevices(config.devices, log, {
    previews: createPreviewLog(now),
    ...(!store.integrityFailure && {
      paper: {
        load: () => loadPaperCount(store.db),
        save: (usage, replaced) => savePaperCount(store.db, usage, now().getTime(), { replaced }),
      },
    }),
  });
  devices.onStatus((s) => emit('devices.status', s));

  const serviceLog = log.child({ module: 'service' });
  const service = createServiceMonitor({
    store: {
      load() {
        const text = getTechState(store.db, TECH_KEYS.service);
        const saved = text === null ? null : (JSON.parse(text) as { message?: unknown });
        return { forced: saved !== null, message: typeof saved?.message === 'string' ? saved.message : null };
      },
      save({ forced, message }) {
        setTechState(store.db, TECH_KEYS.service, forced ? JSON.stringify({ message }) : null, now().getTime());
      },
    },
    integrityFailed: store.integrityFailure !== null,
    devices: () => devices.status(),
    freeBytes: opts.freeBytes ?? (() => storeFreeBytes(store.db)),
    minFreeBytes: config.service.minFreeMb * 1024 * 1024,
    deviceGraceMs: config.service.deviceGraceS * 1000,
    checkIntervalMs: config.service.checkIntervalS * 1000,
    now: () => now().getTime(),
    onChange: (s, causes) => {
      serviceLog[s.inService ? 'info' : 'warn'](
        { event: 'service.changed', inService: s.inService, causes },
        'service status changed',
      );
      emit('kiosk.status', s);
    },
  });
  devices.onStatus(() => service.refresh());
  const status = () => service.status();

  const startedAt = now().getTime();
  /** A sync manager for `hubUrl`, its status pushed to the UI; technician.configure makes a new one. */
  const makeSync = (hubUrl: string): SyncManager => {
    const manager = createSyncManager({
      db: store.db,
      dataDir: config.dataDir,
      hubUrl,
      devices: () => devices.status(),
      service: status,
      log,
      startedAt,
    });
    manager.onStatus((s) => emit('sync.status', s));
    return manager;
  };
  // A kiosk whose store failed its check does not sync: there is nothing trustworthy to send.
  let sync: SyncManager | null = !store.integrityFailure ? makeSync(config.hub.url) : null;

  /** Applies a validated configuration change: a new sync manager (enrolled first when a code came), reopened devices. */
  const reconfigure: Reconfigure = async (next, enrollmentCode) => {
    const reopened = DEVICE_FIELDS.filter((f) => next.devices[f] !== config.devices[f]);
    const restartSync = sync !== null && (next.hub.url !== config.hub.url || enrollmentCode !== null);
    if (restartSync && sync) {
      await sync.close();
      const candidate = makeSync(next.hub.url);
      if (enrollmentCode !== null) {
        try {
          await candidate.enroll(enrollmentCode);
        } catch (err) {
          // Nothing changes: the sync manager of the old configuration comes back.
          await candidate.close();
          sync = makeSync(config.hub.url);
          emit('sync.status', sync.status());
          throw err;
        }
      }
      sync = candidate;
      emit('sync.status', sync.status());
    }
    if (reopened.length > 0) await devices.reopen(next.devices);
    config = next;
    return { reopened, syncRestarted: restartSync };
  };

  // Card reads go to the renderer only (they are personal): never to a log, never to the store.
  devices.onRead((read) => emit('reader.read', read));

  // Speech through the headphone jack; the UI turns speech mode on when headphones go in.
  const speech = createSpeech({ output: process.env.SPORTELLO_SPEECH === 'silent' ? 'silent' : 'play' });
  const jack = watchJack(jackFile(config.dataDir), (headphones) => {
    if (!headphones) speech.stop();
    emit('audio.status', { headphones, volume: speech.volume() });
  });

  const syncState = () => sync?.status() ?? NOT_SYNCING;
  const requests = createRequestService({
    config,
    db: store.db,
    devices,
    sync: syncState,
    onQueued: () => sync?.notifyQueued(),
    now,
    log,
    ...(opts.minFreeBytes !== undefined && { minFreeBytes: opts.minFreeBytes }),
  });

  const technician = createTechnician({
    get config() {
      return config;
    },
    db: store.db,
    devices,
    get sync() {
      return sync;
    },
    reconfigure,
    // After the answer is on its way: the caller hears "restarting" before the socket closes.
    restart: () =>
      setTimeout(() => {
        if (opts.restart) opts.restart();
        else void runtime.close().then(() => process.exit(RESTART_EXIT_CODE));
      }, 100),
    syncState,
    monitor: service,
    progress: (p) => emit('technician.progress', p),
    minFreeBytes: config.service.minFreeMb * 1024 * 1024,
    log,
    now,
    startedAt: now().getTime(),
  });
  // A technician card is checked here and only the outcome (a session token or a reason) reaches the UI.
  devices.onTechnicianCard((cardToken) => emit('technician.card', technician.cardLogin(cardToken)));
  const pickup = createPickupService({
    db: store.db,
    devices,
    comune: config.comune.name,
    now,
    log,
    onCollected: () => sync?.notifyQueued(),
  });
  // Envelopes past their expiry go at boot and every hour after (secure_delete zeroes them).
  const purgePickups = () => {
    if (store.integrityFailure) return;
    try {
      pickup.purge();
    } catch (err) {
      storeLog.error({ event: 'pickup.purgeFailed', err }, 'could not purge expired pickup documents');
    }
  };
  purgePickups();
  const pickupPurgeTimer = setInterval(purgePickups, PICKUP_PURGE_EVERY_MS);
  pickupPurgeTimer.unref();

  const handlers = createHandlers({
    config,
    db: store.db,
    devices,
    requests,
    speech,
    headphones: () => jack.connected(),
    pickup,
    sync: syncState,
    status,
    technician: technician.handlers,
    now,
  });
  const dispatch = createDispatcher(handlers, log.child({ module: 'api' }));

  let server: BrowserServer | null = null;
  if (opts.browser) {
    try {
      server = await startBrowserServer({
        dispatch,
        uiDir: opts.browser.uiDir,
        token: opts.browser.token ?? randomBytes(32).toString('base64url'),
        log: log.child({ module: 'server' }),
        ...(opts.browser.host !== undefined && { host: opts.browser.host }),
        ...(opts.browser.port !== undefined && { port: opts.browser.port }),
      });
    } catch (err) {
      clearInterval(pickupPurgeTimer);
      service.close();
      jack.close();
      speech.close();
      await sync?.close();
      await devices.close();
      closeStore(store);
      throw err;
    }
    const browserServer = server;
    onEvent((frame) => browserServer.broadcast(frame.event, frame.payload as never));
  }
  log.info({ event: 'runtime.started', inService: status().inService, browser: server !== null }, 'runtime started');

  const runtime: Runtime = {
    get config() {
      return config;
    },
    store,
    dispatch,
    status,
    service,
    devices,
    pickup,
    get sync() {
      return sync;
    },
    onEvent,
    server,
    async close() {
      eventListeners.clear();
      clearInterval(pickupPurgeTimer);
      service.close();
      await server?.close();
      jack.close();
      speech.close();
      await sync?.close();
      await devices.close();
      closeStore(store);
      log.info({ event: 'runtime.stopped' }, 'runtime stopped');
    },
  };
  return runtime;
}

/** A runtime that a technician can restart in place (browser mode, tests): same address, same boot token. */
export type RuntimeHost = {
  /** The runtime in use: a new one after each restart. */
  current(): Runtime;
  /** Called with each new runtime once it runs. */
  onRestarted(listener: (runtime: Runtime) => void): () => void;
  /** Closes the runtime (devices, sync, server, store) and starts it again from the same options. */
  restart(): Promise<Runtime>;
  close(): Promise<void>;
};

/**
 * Starts the runtime so that `technician.restart` restarts it inside this
 * process: the browser server comes back on the same port with the same boot
 * token, so the UI's API client reconnects by itself.
 */
export async function startRestartableRuntime(opts: RuntimeOptions): Promise<RuntimeHost> {
  const log = opts.log.child({ module: 'runtime' });
  const listeners = new Set<(runtime: Runtime) => void>();
  let closed = false;
  let restarting: Promise<Runtime> | null = null;
  let options: RuntimeOptions = {
    ...opts,
    ...(opts.browser && {
      browser: { ...opts.browser, token: opts.browser.token ?? randomBytes(32).toString('base64url') },
    }),
    restart: () => {
      void host
        .restart()
        .catch((err: unknown) => log.error({ event: 'runtime.restart-failed', err }, 'restart failed'));
    },
  };
  let current = await startRuntime(options);
  if (options.browser && current.server)
    options = { ...options, browser: { ...options.browser, port: current.server.port } };

  const host: RuntimeHost = {
    current: () => current,
    onRestarted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    restart() {
      if (closed) return Promise.reject(new Error('the runtime was closed'));
      restarting ??= (async () => {
        log.info({ event: 'runtime.restarting' }, 'runtime restarting');
        await current.close();
        current = await startRuntime(options);
        for (const l of listeners) l(current);
        return current;
      })().finally(() => {
        restarting = null;
      });
      return restarting;
    },
    async close() {
      closed = true;
      await restarting?.catch(() => undefined);
      await current.close();
    },
  };
  return host;
}
