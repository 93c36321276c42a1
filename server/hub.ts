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
import { DEFAULT_SESSION_POLICY } from './auth/sessions';
import type { SessionPolicy } from './auth/sessions';
import { consoleUsers } from './auth/users';
import type { ConsoleUsers } from './auth/users';
import { DEFAULT_CONSOLE_DIR } from './console-api/plugin';
import { purgeSessions } from './db/users';
import { DEFAULT_THRESHOLDS } from './fleet/evaluate';
import type { FleetThresholds } from './fleet/evaluate';
import { evaluateFleet } from './fleet/fleet';
import type { RateLimit } from './db/guard';
import { ensureHubKeys } from './db/keys';
import type { LoadedHubKeys } from './db/keys';
import { openHubDb } from './db/open';
import type { HubDb } from './db/open';
import { seedDemo } from './db/seed';
import { createBackoffice } from './backoffice/service';
import type { RateLimit as VerifyRateLimit } from './db/guard';
import { purgeExpiredDocuments } from './db/documents';
import { purgeMail } from './db/mail';
import { createMailer } from './mail/mailer';
import type { Mailer } from './mail/mailer';
import { smtpConfig } from './mail/smtp';
import type { SmtpSettings } from './mail/smtp';

/**
 * Per kiosk key: a heartbeat a minute and pulls are a few requests; draining
 * a long offline queue is MAX_BATCH items a request. 50 a second is far above
 * a healthy kiosk and far below what would hurt the hub.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = { max: 3000, windowMs: 60_000 };
export const DEFAULT_PULL_PAGE_SIZE = 200;
const PURGE_EVERY_MS = 60_000;
/** Fleet alerts are re-evaluated this often, so an offline kiosk raises its alert with no dashboard open. */
export const FLEET_EVALUATE_EVERY_MS = 60_000;
/** Queued e-mails are retried this often (they are also sent right after the action that queued them). */
const MAIL_EVERY_MS = 30_000;

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
  /** Console users, acting as `actor` for the audit log. */
  users(actor: string): ConsoleUsers;
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
      users: (actor) => consoleUsers(hubDb, { now, actor }),
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
  /** Fleet alert thresholds (tests shorten them). */
  thresholds?: FleetThresholds;
  sessionPolicy?: SessionPolicy;
  /**
   * Mark the console's session cookie Secure: 'auto' (default) when the request came over https.
   * Behind a TLS-terminating proxy that speaks http to the hub, set true.
   */
  consoleSecureCookies?: boolean | 'auto';
  /** The built console (default dist/console). */
  consoleDir?: string;
  /**
   * The hub's address as residents reach it, for the verification URL printed
   * on documents (default: the address it listens on).
   */
  publicUrl?: string;
  /**
   * E-mail to residents through the comune's mail server (nodemailer: `smtps://` or `smtp://` with
   * STARTTLS required unless `startTls` says otherwise, AUTH with `user`/`password`); without it no
   * mail is queued or sent.
   */
  mail?: SmtpSettings;
  /** How long a pickup document waits at the kiosk (default 30 days). */
  pickupTtlMs?: number;
  /** Requests per client address per window on the public /verify page. */
  verifyRateLimit?: VerifyRateLimit;
};

export type RunningHub = {
  url: string;
  port: number;
  /** The hub's public keys, as enrollment hands them to kiosks. */
  keys: { signing: string; encryption: string };
  /** Where the data lives (file path, or PostgreSQL host/database/schema). */
  location: string;
  admin: HubAdmin;
  /** The console's users (as `admin-api`). */
  users: ConsoleUsers;
  /** Re-evaluates every kiosk's fleet alerts now (the hub also does it every minute and on each dashboard read). */
  evaluateFleet(): Promise<void>;
  /** Deletes expired pickup ciphertexts now (the hub also does it every minute); resolves with how many. */
  purgeExpiredDocuments(): Promise<number>;
  /** Sends the queued e-mails now (the hub also does it after each action and every 30 s); 0 without mail. */
  flushMail(): Promise<number>;
  close(): Promise<void>;
};

/** Starts a hub listening on `host:port`; `close()` stops it and closes the database. */
export async function startHub(options: StartHubOptions): Promise<RunningHub> {
  const now = options.now ?? Date.now;
  const log = options.log ?? pino({ level: 'warn', name: 'hub' }, pino.destination(2));
  const signatureWindowMs = options.signatureWindowMs ?? DEFAULT_WINDOW_MS;
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  // A mail configuration that is unusable or unsafe stops the start before the database opens.
  const smtp = options.mail === undefined ? null : smtpConfig(options.mail);
  const opened = await openHub({ ...options, now });
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  const sessionPolicy = options.sessionPolicy ?? DEFAULT_SESSION_POLICY;
  let listening: string | null = null;
  const publicUrl = () => options.publicUrl ?? listening ?? 'http://127.0.0.1';
  const mailer: Mailer | null =
    smtp === null ? null : createMailer({ hubDb: opened.hubDb, keys: opened.keys, smtp, now, log, publicUrl });
  const backoffice = createBackoffice({
    hubDb: opened.hubDb,
    keys: opened.keys,
    now,
    publicUrl,
    mailEnabled: mailer !== null,
    ...(mailer === null ? {} : { onMailQueued: () => mailer.kick() }),
    ...(options.pickupTtlMs === undefined ? {} : { pickupTtlMs: options.pickupTtlMs }),
  });
  const app = buildApp({
    hubDb: opened.hubDb,
    keys: opened.keys,
    now,
    log,
    rateLimit,
    signatureWindowMs,
    pullPageSize: options.pullPageSize ?? DEFAULT_PULL_PAGE_SIZE,
    thresholds,
    console: {
      policy: sessionPolicy,
      secureCookies: options.consoleSecureCookies ?? 'auto',
      staticDir: options.consoleDir ?? DEFAULT_CONSOLE_DIR,
    },
    backoffice: {
      service: backoffice,
      ...(options.verifyRateLimit === undefined ? {} : { verifyRateLimit: options.verifyRateLimit }),
    },
  });
  const admin = opened.admin('admin-api');
  let address: string;
  try {
    address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  } catch (error) {
    await opened.close();
    throw error;
  }
  listening = address;
  const purge = setInterval(() => {
    opened.hubDb
      .write(async (db) => ({ documents: await purgeExpiredDocuments(db, now()), mails: await purgeMail(db, now()) }))
      .then(
        (purged) => log.debug({ event: 'documents.purged', ...purged }, 'expired pickup documents purged'),
        (error: unknown) => log.warn({ event: 'documents.purge-failed', err: error }, 'document purge failed'),
      );
    admin.purgeExpired().then(
      (purged) => log.debug({ event: 'guards.purged', ...purged }, 'expired nonces purged'),
      (error: unknown) => log.warn({ event: 'guards.purge-failed', err: error }, 'purge failed'),
    );
    opened.hubDb
      .write((db) => purgeSessions(db, sessionPolicy.idleMs, now()))
      .then(
        (sessions) => log.debug({ event: 'sessions.purged', sessions }, 'expired console sessions purged'),
        (error: unknown) => log.warn({ event: 'sessions.purge-failed', err: error }, 'session purge failed'),
      );
  }, PURGE_EVERY_MS);
  purge.unref();
  const evaluate = () => evaluateFleet(opened.hubDb, now, thresholds);
  const fleetTimer = setInterval(() => {
    evaluate().catch((error: unknown) => log.warn({ event: 'fleet.evaluate-failed', err: error }, 'fleet failed'));
  }, FLEET_EVALUATE_EVERY_MS);
  fleetTimer.unref();
  const mailTimer = mailer === null ? null : setInterval(() => mailer.kick(), MAIL_EVERY_MS);
  mailTimer?.unref();

  const port = Number(new URL(address).port);
  log.info({ event: 'hub.started', url: address, db: opened.hubDb.location }, 'hub started');
  let closing: Promise<void> | null = null;
  return {
    url: address,
    port,
    keys: { signing: opened.keys.signing.publicKey, encryption: opened.keys.encryption.publicKey },
    location: opened.hubDb.location,
    admin,
    users: opened.users('admin-api'),
    evaluateFleet: evaluate,
    purgeExpiredDocuments: () => backoffice.purgeExpired(),
    flushMail: () => mailer?.flush() ?? Promise.resolve(0),
    close() {
      closing ??= (async () => {
        clearInterval(purge);
        clearInterval(fleetTimer);
        if (mailTimer !== null) clearInterval(mailTimer);
        await mailer?.close();
        await app.close();
        await opened.close();
      })();
      return closing;
    },
  };
}
