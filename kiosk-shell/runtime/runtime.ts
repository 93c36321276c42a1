import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { EventFrame, EventName, EventPayload, KioskStatus } from '../api/contract';
import { closeStore, openStore } from '../../sync/store/db';
import type { Store } from '../../sync/store/db';
import { seedInfo } from '../../sync/store/info';
import type { Config } from './config';
import { createDeviceManager } from './devices';
import type { DeviceManager } from './devices';
import { createDispatcher } from './dispatch';
import type { Dispatch } from './dispatch';
import { createHandlers } from './handlers';
import { NOT_SYNCING, createSyncManager } from './sync';
import type { SyncManager } from './sync';
import type { Logger } from './log';
import { startBrowserServer } from './server';
import { createRequestService } from './requests';
import type { BrowserServer } from './server';

export type Runtime = {
  config: Config;
  store: Store;
  dispatch: Dispatch;
  status: () => KioskStatus;
  devices: DeviceManager;
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
};

export const STORE_FILE = 'sportello.db';

/** Composition root: store, handlers and (in browser mode) the server. */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { config, log } = opts;
  const now = opts.now ?? (() => new Date());
  const storeLog = log.child({ module: 'store' });

  const store = openStore(join(config.dataDir, STORE_FILE), now);
  let status: KioskStatus = { inService: true, outOfServiceReason: null };
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
    status = { inService: false, outOfServiceReason: 'STORE_INTEGRITY' };
  } else if (seedInfo(store.db, config.info)) {
    storeLog.info({ event: 'store.info-seeded', offices: config.info.offices.length }, 'office information seeded');
  }

  const eventListeners = new Set<(frame: EventFrame) => void>();
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    for (const l of eventListeners) l({ event, payload });
  };
  const onEvent = (listener: (frame: EventFrame) => void) => {
    eventListeners.add(listener);
    return () => eventListeners.delete(listener);
  };

  const devices = createDeviceManager(config.devices, log);
  devices.onStatus((s) => emit('devices.status', s));

  // A kiosk whose store failed its check does not sync: there is nothing trustworthy to send.
  const sync = status.inService
    ? createSyncManager({
        db: store.db,
        dataDir: config.dataDir,
        hubUrl: config.hub.url,
        devices: () => devices.status(),
        log,
        startedAt: now().getTime(),
      })
    : null;
  sync?.onStatus((s) => emit('sync.status', s));

  // Card reads go to the renderer only (they are personal): never to a log, never to the store.
  devices.onRead((read) => emit('reader.read', read));

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

  const handlers = createHandlers({
    config,
    db: store.db,
    devices,
    requests,
    sync: syncState,
    status: () => status,
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
      await sync?.close();
      await devices.close();
      closeStore(store);
      throw err;
    }
    const browserServer = server;
    onEvent((frame) => browserServer.broadcast(frame.event, frame.payload as never));
  }
  log.info({ event: 'runtime.started', inService: status.inService, browser: server !== null }, 'runtime started');

  return {
    config,
    store,
    dispatch,
    status: () => status,
    devices,
    sync,
    onEvent,
    server,
    async close() {
      eventListeners.clear();
      await server?.close();
      await sync?.close();
      await devices.close();
      closeStore(store);
      log.info({ event: 'runtime.stopped' }, 'runtime stopped');
    },
  };
}
