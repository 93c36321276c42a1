/**
 * Starting the hub: open (and migrate) the database, make the hub keys at the
 * first start, seed the demo comune, and serve the sync API.
 *
 * Everything a request needs lives in the database (kiosks, nonces, rate-limit
 * counters, cursors' targets), so several hub processes on one PostgreSQL
 * database serve the same kiosks behind a load balancer.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import { DEFAULT_WINDOW_MS } from '../sync/crypto/sign';
import { createAdmin } from './admin';
import type { HubAdmin } from './admin';
import { buildApp } from './app';
import type { RateLimit } from './db/guard';
import { ensureHubKeys } from './db/keys';
import type { LoadedHubKeys } from './db/keys';
import { openHubDb } from './db/open';
import type { HubDb } from './db/open';
import { seedDemo } from './db/seed';

/**
 * Per kiosk key: a heartbeat a minute and pulls are a few requests; draining
 * a long offline queue is MAX_BATCH items a request. 50 a second is far above
 * a healthy kiosk and far below what would hurt the hub.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = { max: 3000, windowMs: 60_000 };
export const DEFAULT_PULL_PAGE_SIZE = 200;
const PURGE_EVERY_MS = 60_000;

export type OpenHubOptions = {
  /** The hub's data directory: the SQLite file lives here unless `databaseUrl` is set. */
  dataDir: string;
  /** PostgreSQL URL; `?options=-c%20search_path%3D<schema>` picks a schema. */
  databaseUrl?: string;
  now?: () => number;
  /** 'demo' (default) writes the demo comune when it is missing; 'none' leaves the database empty. */
  seed?: 'demo' | 'none';
  /** Tolerated clock difference of signed requests (default 5 minutes). */
  signatureWindowMs?: number;
  rateLimit?: RateLimit;
};

export type OpenedHub = {
  hubDb: HubDb;
  keys: LoadedHubKeys;
  admin(actor: string): HubAdmin;
  close(): Promise<void>;
};

/** Opens the hub's database ready for use (migrated, keys made, seeded) without serving anything: for the CLI. */
export async function openHub(options: OpenHubOptions): Promise<OpenedHub> {
  const now = options.now ?? Date.now;
  const signatureWindowMs = options.signatureWindowMs ?? DEFAULT_WINDOW_MS;
  const rateWindowMs = (options.rateLimit ?? DEFAULT_RATE_LIMIT).windowMs;
  const hubDb = await openHubDb({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  });
  try {
    const keys = await hubDb.write((db) => ensureHubKeys(db, now()));
    if ((options.seed ?? 'demo') === 'demo') await hubDb.write((db) => seedDemo(db, now()));
    return {
      hubDb,
      keys,
      admin: (actor) => createAdmin(hubDb, { now, actor, signatureWindowMs, rateWindowMs }),
      close: () => hubDb.close(),
    };
  } catch (error) {
    await hubDb.close();
    throw error;
  }
}

export type StartHubOptions = OpenHubOptions & {
  host?: string;
  /** 0 (default): an ephemeral port. */
  port?: number;
  /** Default: warnings and errors as JSON lines on stderr. */
  log?: Logger;
  pullPageSize?: number;
};

export type RunningHub = {
  url: string;
  port: number;
  /** The hub's public keys, as enrollment hands them to kiosks. */
  keys: { signing: string; encryption: string };
  /** Where the data lives (file path, or PostgreSQL host/database/schema). */
  location: string;
  admin: HubAdmin;
  close(): Promise<void>;
};

/** Starts a hub listening on `host:port`; `close()` stops it and closes the database. */
export async function startHub(options: StartHubOptions): Promise<RunningHub> {
  const now = options.now ?? Date.now;
  const log = options.log ?? pino({ level: 'warn', name: 'hub' }, pino.destination(2));
  const signatureWindowMs = options.signatureWindowMs ?? DEFAULT_WINDOW_MS;
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const opened = await openHub({ ...options, now });
  const app = buildApp({
    hubDb: opened.hubDb,
    keys: opened.keys,
    now,
    log,
    rateLimit,
    signatureWindowMs,
    pullPageSize: options.pullPageSize ?? DEFAULT_PULL_PAGE_SIZE,
  });
  const admin = opened.admin('admin-api');
  let address: string;
  try {
    address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  } catch (error) {
    await opened.close();
    throw error;
  }
  const purge = setInterval(() => {
    admin.purgeExpired().then(
      (purged) => log.debug({ event: 'guards.purged', ...purged }, 'expired nonces purged'),
      (error: unknown) => log.warn({ event: 'guards.purge-failed', err: error }, 'purge failed'),
    );
  }, PURGE_EVERY_MS);
  purge.unref();

  const port = Number(new URL(address).port);
  log.info({ event: 'hub.started', url: address, db: opened.hubDb.location }, 'hub started');
  let closing: Promise<void> | null = null;
  return {
    url: address,
    port,
    keys: { signing: opened.keys.signing.publicKey, encryption: opened.keys.encryption.publicKey },
    location: opened.hubDb.location,
    admin,
    close() {
      closing ??= (async () => {
        clearInterval(purge);
        await app.close();
        await opened.close();
      })();
      return closing;
    },
  };
}
