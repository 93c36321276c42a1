/**
 * Technician mode in the runtime: the PIN check with its persisted lockout,
 * in-memory sessions, and the handlers of the contract's Technician section.
 * Every technician action is written to the audit log (actor id, action,
 * codes and counts; never a PIN, a token or anything a resident gave).
 */
import type { Database } from 'better-sqlite3';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ConfigProblem,
  LogLevel,
  LogLine,
  MethodName,
  SyncState,
  TechnicianCardEvent,
  TechnicianOverview,
  TechnicianProgress,
} from '../api/contract';
import { checkTechnicianCard } from './technician-card';
import { freeBytes } from '../../sync/store/disk';
import { queueStats } from '../../sync/store/submissions';
import {
  TECH_KEYS,
  appendAudit,
  getTechState,
  integrityCheckInSteps,
  recentRejected,
  setTechState,
} from '../../sync/store/technician';
import { ConfigOverrideSchema, DEVICE_FIELDS, applyOverride, devicePathProblem, mergeOverrides } from './config';
import type { Config, ConfigOverride, DeviceField } from './config';
import { SyncError } from '../../sync/client';
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

/** What technician.configure changed once applied. */
export type ConfigChangeApplied = { reopened: DeviceField[]; syncRestarted: boolean };
/**
 * Applies a validated configuration (the runtime's part): reopens the devices
 * whose path changed and restarts sync for a new hub URL or an enrollment code
 * (enrolling first). Throws the SyncError of a failed enrollment, having put
 * everything back as it was.
 */
export type Reconfigure = (next: Config, enrollmentCode: string | null) => Promise<ConfigChangeApplied>;

export type TechnicianContext = {
  /** The configuration in use (it changes with technician.configure). */
  readonly config: Config;
  db: Database;
  devices: DeviceManager;
  /** The sync manager in use (a new one after a change of hub or an enrollment). */
  readonly sync: SyncManager | null;
  reconfigure: Reconfigure;
  /** Restarts the runtime shortly after the current answer has gone out. */
  restart: () => void;
  syncState: () => SyncState;
  monitor: ServiceMonitor;
  /** Pushes how far a running sync or integrity check is (the `technician.progress` event). */
  progress?: (progress: TechnicianProgress) => void;
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

function configView(config: Config): TechnicianOverview['config'] {
  return { hubUrl: config.hub.url, frazione: config.frazione, devices: config.devices };
}

/** The technician's configuration override saved in the store, or null (an unreadable one is ignored and logged). */
export function loadOverride(db: Database, log?: Logger): ConfigOverride | null {
  const text = getTechState(db, TECH_KEYS.configOverride);
  if (text === null) return null;
  try {
    return ConfigOverrideSchema.parse(JSON.parse(text));
  } catch {
    log?.error({ event: 'config.override-invalid' }, 'the saved configuration override is invalid: ignored');
    return null;
  }
}

/** What a refused configuration change answers. */
function configProblem(err: SyncError): ConfigProblem {
  // Any other code is the hub's refusal of this code (unknown, used, expired) or of this kiosk.
  return err.code === 'HUB_UNREACHABLE' || err.code === 'HUB_TIMEOUT' ? 'hub-unreachable' : 'enroll-refused';
}

/** The handlers of the Technician section of the contract. */
export function createTechnician(ctx: TechnicianContext): {
  handlers: TechnicianHandlers;
  /** A technician card was scanned: checked offline; a good one opens a session like a good PIN. */
  cardLogin(token: string): TechnicianCardEvent;
} {
  const { config, db } = ctx;
  const log = ctx.log.child({ module: 'technician' });
  const now = () => ctx.now().getTime();
  const sessions = createSessions({ idleTimeoutMs: config.technician.sessionIdleS * 1000, now });

  const audit = (actor: string, action: string, detail?: Record<string, string | number | boolean | null>) => {
    appendAudit(db, { at: now(), actor, action, ...(detail && { detail }) });
    log.info({ event: 'technician.action', actor, action }, 'technician action');
  };

  const progress = (p: TechnicianProgress) => ctx.progress?.(p);
  let running: Promise<string> | null = null;

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
      config: configView(ctx.config),
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
      const sync = ctx.sync;
      // Progress counts what left the queue (delivered or refused by the hub) of what was queued at the
      // start; it never goes back, even when a resident queues a new request meanwhile.
      const queuedNow = () => {
        const q = queueStats(db, ctx.now());
        return q.queued + q.sending;
      };
      const total = queuedNow();
      let done = 0;
      const report = (left: number, last = false) => {
        const next = Math.min(total, Math.max(done, total - left));
        if (next === done && !last) return;
        done = next;
        progress({ action: 'syncNow', done, total });
      };
      progress({ action: 'syncNow', done, total });
      // The sync status changes after every pushed batch.
      const off = sync?.onStatus((s) => report(s.queued));
      try {
        await sync?.syncNow();
      } finally {
        off?.();
      }
      const state = ctx.syncState();
      report(queuedNow(), true);
      audit(actor, 'sync-now', { online: state.online, queued: state.queued, error: state.lastError });
      return state;
    },
    'technician.checkIntegrity': async ({ token }) => {
      const actor = authorize(token);
      const started = now();
      // One check at a time: a second request waits for the running one and gets its verdict.
      running ??= integrityCheckInSteps(db, (p) => progress({ action: 'checkIntegrity', ...p })).finally(() => {
        running = null;
      });
      const result = await running;
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
    'technician.printPreviews': ({ token }) => {
      authorize(token);
      return ctx.devices.previews();
    },
    'technician.configure': async ({ token, hubUrl, enrollmentCode, devices }) => {
      const actor = authorize(token);
      // The enrollment code goes to the hub only: never to the audit, a log or the store.
      const refuse = (problem: ConfigProblem, field: string) => {
        audit(actor, 'config.refused', { field, problem });
        return { ok: false as const, problem, field };
      };
      const parsed = ConfigOverrideSchema.safeParse({
        ...(hubUrl !== undefined && { hubUrl }),
        ...(devices && { devices }),
      });
      if (!parsed.success) return refuse('invalid', parsed.error.issues[0]?.path.join('.') || 'config');
      const change = parsed.data;
      for (const field of DEVICE_FIELDS) {
        const path = change.devices?.[field];
        const problem = path ? devicePathProblem(path) : null;
        if (problem) return refuse(problem, `devices.${field}`);
      }
      if (enrollmentCode !== undefined && !ctx.sync) {
        throw new ApiFailure('OUT_OF_SERVICE', 'this kiosk does not sync (its store failed the integrity check)');
      }
      let applied: ConfigChangeApplied;
      try {
        applied = await ctx.reconfigure(applyOverride(ctx.config, change), enrollmentCode ?? null);
      } catch (err) {
        if (err instanceof SyncError) return refuse(configProblem(err), 'enrollmentCode');
        throw err;
      }
      setTechState(db, TECH_KEYS.configOverride, JSON.stringify(mergeOverrides(loadOverride(db, log), change)), now());
      const paths: Record<string, string | null> = {};
      for (const field of DEVICE_FIELDS) {
        const path = change.devices?.[field];
        if (path !== undefined) paths[field] = path;
      }
      audit(actor, 'config.changed', {
        ...(change.hubUrl !== undefined && { hubUrl: change.hubUrl }),
        ...paths,
        enrolled: enrollmentCode !== undefined,
        reopened: applied.reopened.join(','),
        syncRestarted: applied.syncRestarted,
      });
      return { ok: true as const, config: configView(ctx.config), ...applied };
    },
    'technician.restart': ({ token, target }) => {
      const actor = authorize(token);
      audit(actor, target === 'ui' ? 'restart.ui' : 'restart.runtime');
      if (target === 'runtime') {
        log.warn({ event: 'runtime.restart-requested', actor }, 'runtime restart requested by a technician');
        ctx.restart();
      }
      return {};
    },
    'technician.setService': ({ token, inService, message }) => {
      const actor = authorize(token);
      const status = ctx.monitor.setForced(!inService, inService ? null : message?.trim() || null);
      audit(actor, inService ? 'service.in' : 'service.out', { withMessage: !inService && Boolean(message) });
      return status;
    },
  };
  // A card shares the PIN's lockout: a bad card is a wrong try, and a locked kiosk checks no card.
  const cardLogin = (cardToken: string): TechnicianCardEvent => {
    const at = now();
    const state = lockout();
    if (isLocked(state, at)) {
      audit('card', 'login.refused-locked');
      return { ok: false, problem: 'locked', retryAt: new Date(state.lockedUntil!).toISOString() };
    }
    const checked = checkTechnicianCard(db, cardToken, at);
    if (checked.ok) {
      saveLockout(NO_LOCKOUT);
      const actor = `card:${checked.card.id}`;
      const token = sessions.open(actor);
      audit(actor, 'login');
      return { ok: true, token, idleTimeoutS: config.technician.sessionIdleS };
    }
    const next = afterWrongPin(state, at);
    saveLockout(next);
    log.warn({ event: 'technician.card-refused', reason: checked.reason }, 'technician card refused');
    if (isLocked(next, at)) {
      audit('card', 'login.locked-out', { reason: checked.reason, lockouts: next.lockouts });
      return { ok: false, problem: 'locked', retryAt: new Date(next.lockedUntil!).toISOString() };
    }
    audit('card', 'login.card-refused', { reason: checked.reason, failures: next.failures });
    return { ok: false, problem: checked.reason, attemptsLeft: MAX_TRIES - next.failures };
  };

  return { handlers, cardLogin };
}
