/**
 * Technician mode in the runtime: the PIN check with its persisted lockout,
 * in-memory sessions, and the handlers of the contract's Technician section.
 * Every technician action is written to the audit log (actor id, action,
 * codes and counts; never a PIN, a token or anything a resident gave).
 */
import type { Database } from 'better-sqlite3';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LogLevel, LogLine, MethodName, SyncState, TechnicianOverview } from '../api/contract';
import { freeBytes } from '../../sync/store/disk';
import { queueStats } from '../../sync/store/submissions';
import {
  TECH_KEYS,
  appendAudit,
  getTechState,
  integrityCheck,
  recentRejected,
  setTechState,
} from '../../sync/store/technician';
import type { Config } from './config';
import type { DeviceManager } from './devices';
import { ApiFailure } from './dispatch';
import type { Handlers } from './dispatch';
import type { Logger } from './log';
import type { ServiceMonitor } from './status';
import { APP_VERSION } from './sync';
import type { SyncManager } from './sync';
import {
  MAX_TRIES,
  afterWrongPin,
  createSessions,
  isLocked,
  NO_LOCKOUT,
  parseLockout,
  verifyPin,
} from './technician-auth';
import type { LockoutState } from './technician-auth';

export type TechnicianMethod = Extract<MethodName, `technician.${string}`>;
export type TechnicianHandlers = { [M in TechnicianMethod]: Handlers[M] };

export type TechnicianContext = {
  config: Config;
  db: Database;
  devices: DeviceManager;
  sync: SyncManager | null;
  syncState: () => SyncState;
  monitor: ServiceMonitor;
  minFreeBytes: number;
  log: Logger;
  now: () => Date;
  startedAt: number;
};

const LEVELS: Record<number, LogLevel> = { 10: 'debug', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'error' };
const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
/** How much of the end of the log file the technician screen reads. */
const LOG_TAIL_BYTES = 512 * 1024;

/** The last lines of a pino log file, parsed, newest first. Lines that are not pino JSON are skipped. */
export function readLogTail(
  file: string,
  filter: { minLevel?: LogLevel; module?: string; limit?: number } = {},
): LogLine[] {
  let text: string;
  try {
    const size = statSync(file).size;
    const length = Math.min(size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, length, size - length);
    } finally {
      closeSync(fd);
    }
    text = buffer.toString('utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  if (text.length === LOG_TAIL_BYTES) lines.shift(); // the first one is cut
  const out: LogLine[] = [];
  const limit = filter.limit ?? 100;
  for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
    const raw = lines[i]?.trim();
    if (!raw) continue;
    let entry: { level?: unknown; time?: unknown; module?: unknown; event?: unknown; msg?: unknown };
    try {
      entry = JSON.parse(raw) as typeof entry;
    } catch {
      continue;
    }
    const level = typeof entry.level === 'number' ? LEVELS[entry.level] : undefined;
    if (!level) continue;
    if (filter.minLevel && LEVEL_RANK[level] < LEVEL_RANK[filter.minLevel]) continue;
    const module = typeof entry.module === 'string' ? entry.module : null;
    if (filter.module && module !== filter.module) continue;
    out.push({
      time: typeof entry.time === 'string' ? entry.time : new Date(Number(entry.time)).toISOString(),
      level,
      module,
      event: typeof entry.event === 'string' ? entry.event : null,
      msg: typeof entry.msg === 'string' ? entry.msg.slice(0, 500) : '',
    });
  }
  return out;
}

export function logFile(dataDir: string): string {
  return join(dataDir, 'logs', 'runtime.log');
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The handlers of the Technician section of the contract. */
export function createTechnician(ctx: TechnicianContext): { handlers: TechnicianHandlers } {
  const { config, db } = ctx;
  const log = ctx.log.child({ module: 'technician' });
  const now = () => ctx.now().getTime();
  const sessions = createSessions({ idleTimeoutMs: config.technician.sessionIdleS * 1000, now });

  const audit = (actor: string, action: string, detail?: Record<string, string | number | boolean | null>) => {
    appendAudit(db, { at: now(), actor, action, ...(detail && { detail }) });
    log.info({ event: 'technician.action', actor, action }, 'technician action');
  };

  const lockout = (): LockoutState => parseLockout(getTechState(db, TECH_KEYS.lockout));
  const saveLockout = (s: LockoutState) =>
    setTechState(db, TECH_KEYS.lockout, s === NO_LOCKOUT ? null : JSON.stringify(s), now());
  /** The PIN set on the kiosk wins over the configuration's. */
  const pinHash = () => getTechState(db, TECH_KEYS.pinHash) ?? config.technician.pinHash;

  /** The actor of the token's session, or UNAUTHORIZED. */
  const authorize = (token: string): string => {
    const actor = sessions.use(token);
    if (actor === null) throw new ApiFailure('UNAUTHORIZED', 'no technician session (log in again)');
    return actor;
  };

  const overview = (): TechnicianOverview => {
    const q = queueStats(db, ctx.now());
    const dbPath = db.name;
    const forced = ctx.monitor.forced();
    return {
      status: ctx.monitor.refresh(),
      forcedOutOfService: forced.forced,
      devices: ctx.devices.status(),
      sync: ctx.syncState(),
      queue: {
        ...q,
        rejectedItems: recentRejected(db, 20).map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
      },
      storage: {
        dbBytes: fileSize(dbPath) + fileSize(`${dbPath}-wal`),
        freeBytes: freeBytes(db),
        minFreeBytes: ctx.minFreeBytes,
      },
      config: { hubUrl: config.hub.url, frazione: config.frazione, devices: config.devices },
      appVersion: APP_VERSION,
      uptimeS: Math.max(0, Math.round((now() - ctx.startedAt) / 1000)),
    };
  };

  const handlers: TechnicianHandlers = {
    'technician.login': ({ pin }) => {
      // The PIN itself goes nowhere from here: not to a log, not to the store, not to the audit.
      const at = now();
      const state = lockout();
      if (isLocked(state, at)) {
        audit('pin', 'login.refused-locked');
        return { ok: false, problem: 'locked', retryAt: new Date(state.lockedUntil!).toISOString() };
      }
      const hash = pinHash();
      if (hash !== null && verifyPin(pin, hash)) {
        saveLockout(NO_LOCKOUT);
        const token = sessions.open('pin');
        audit('pin', 'login');
        return { ok: true, token, idleTimeoutS: config.technician.sessionIdleS };
      }
      const next = afterWrongPin(state, at);
      saveLockout(next);
      if (isLocked(next, at)) {
        audit('pin', 'login.locked-out', { lockouts: next.lockouts });
        log.warn({ event: 'technician.locked-out', lockouts: next.lockouts }, 'technician PIN locked out');
        return { ok: false, problem: 'locked', retryAt: new Date(next.lockedUntil!).toISOString() };
      }
      audit('pin', 'login.wrong-pin', { failures: next.failures });
      return { ok: false, problem: 'wrong', attemptsLeft: MAX_TRIES - next.failures };
    },
    'technician.logout': ({ token }) => {
      const actor = sessions.use(token);
      sessions.close(token);
      if (actor !== null) audit(actor, 'logout');
      return {};
    },
    'technician.overview': ({ token }) => {
      authorize(token);
      return overview();
    },
    'technician.testPrint': async ({ token }) => {
      const actor = authorize(token);
      try {
        const result = await ctx.devices.testPrint(config.comune.name, ctx.now());
        audit(actor, 'test-print', { mm: result.mm });
        return result;
      } catch (err) {
        audit(actor, 'test-print', { error: err instanceof ApiFailure ? err.code : 'INTERNAL' });
        throw err;
      }
    },
    'technician.lastReads': ({ token }) => {
      authorize(token);
      return ctx.devices.lastReads();
    },
    'technician.paperReplaced': ({ token }) => {
      const actor = authorize(token);
      ctx.devices.paperReplaced();
      const printer = ctx.devices.status().printer;
      audit(actor, 'paper-replaced', { remainingReceipts: printer.remainingReceipts });
      return printer;
    },
    'technician.syncNow': async ({ token }) => {
      const actor = authorize(token);
      await ctx.sync?.syncNow();
      const state = ctx.syncState();
      audit(actor, 'sync-now', { online: state.online, queued: state.queued, error: state.lastError });
      return state;
    },
    'technician.checkIntegrity': ({ token }) => {
      const actor = authorize(token);
      const started = now();
      const result = integrityCheck(db);
      const ok = result === 'ok';
      ctx.monitor.setIntegrityFailed(!ok);
      audit(actor, 'integrity-check', { ok });
      if (!ok) log.error({ event: 'store.integrity-failed', detail: result.slice(0, 300) }, 'integrity check failed');
      return { ok, detail: result.slice(0, 500), ms: Math.max(0, now() - started) };
    },
    'technician.logs': ({ token, minLevel, module, limit }) => {
      authorize(token);
      return readLogTail(logFile(config.dataDir), {
        ...(minLevel && { minLevel }),
        ...(module && { module }),
        ...(limit && { limit }),
      });
    },
    'technician.setService': ({ token, inService, message }) => {
      const actor = authorize(token);
      const status = ctx.monitor.setForced(!inService, inService ? null : message?.trim() || null);
      audit(actor, inService ? 'service.in' : 'service.out', { withMessage: !inService && Boolean(message) });
      return status;
    },
  };
  return { handlers };
}
