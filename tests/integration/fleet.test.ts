/**
 * The console API over HTTP: sign-in, sessions, roles and CSRF, and the fleet
 * dashboard's data and alerts driven by signed test kiosks. The hub's clock is
 * moved instead of waiting. SQLite always, PostgreSQL when DATABASE_URL is set.
 */
import type { Kysely } from 'kysely';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeartbeatRequest } from '../../sync/protocol';
import { runCli } from '../../server/cli';
import { TestConsole } from '../../server/console-api/test-client';
import { MIGRATION_NAMES, migrateToLatest } from '../../server/db/migrations';
import { DEFAULT_THRESHOLDS } from '../../server/fleet/evaluate';
import { fleetOverview } from '../../server/fleet/fleet';
import { startHub } from '../../server/hub';
import type { RunningHub } from '../../server/hub';
import { TestKiosk, sampleHeartbeat } from '../../server/testing/kiosk';
import { verifyTechnicianCard } from '../../sync/crypto/technician-card';
import type { TestSchema } from '../../server/testing/postgres';
import {
  BACKENDS,
  ISTAT,
  PASSWORD,
  seedKiosk,
  signedIn as signInConsole,
  startConsoleHub,
  withScratchHubDb,
} from '../helpers/console-hub';
import type { ConsoleHub } from '../helpers/console-hub';

const MINUTE = 60_000;

function healthy(overrides: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return sampleHeartbeat({
    devices: [
      { device: 'printer', state: 'ok', code: null },
      { device: 'barcode', state: 'ok', code: null },
    ],
    queueDepth: 0,
    oldestQueuedAgeMs: null,
    paper: { nearEnd: false, remainingReceipts: 400 },
    lastError: null,
    ...overrides,
  });
}

type Alert = { id: string; kioskId: string; kind: string; acknowledgedBy: string | null; clearedAt: string | null };
type Kiosk = { id: string; online: boolean; paper: string; remainingReceipts: number | null; openAlerts: number };
type Fleet = { kiosks: Kiosk[]; alerts: Alert[] };

describe.each(BACKENDS)('console and fleet on %s', (backend) => {
  let consoleHub: ConsoleHub;
  let dir: string;
  let schema: TestSchema | null = null;
  let hub: RunningHub;
  let skewMs = 0;
  const now = () => Date.now() + skewMs;
  const advance = (ms: number) => {
    skewMs += ms;
  };

  beforeAll(async () => {
    consoleHub = await startConsoleHub(backend, 'sportello-fleet-', {
      now,
      // A short absolute life, to test it without moving the clock half a day.
      sessionPolicy: {
        idleMs: 30 * MINUTE,
        absoluteMs: 60 * MINUTE,
        lockout: { maxFailures: 5, lockMs: 15 * MINUTE },
        attempts: { max: 8, windowMs: 15 * MINUTE },
      },
    });
    ({ hub, dir, schema } = consoleHub);
  });
  afterAll(async () => {
    await consoleHub?.close();
  });

  const signedIn = (login: string) => signInConsole(hub.url, login);

  async function enrolled(frazione = 'colombiera'): Promise<TestKiosk> {
    const kiosk = new TestKiosk(hub.url, { now });
    await kiosk.enroll(await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione }));
    return kiosk;
  }

  async function fleet(consoleClient: TestConsole): Promise<Fleet> {
    const result = await consoleClient.call('GET', '/console/api/fleet');
    expect(result.status).toBe(200);
    return result.json as Fleet;
  }

  describe('sign-in and sessions', () => {
    it('answers 401 to every API route without a session', async () => {
      const anonymous = new TestConsole(hub.url);
      for (const [method, path] of [
        ['GET', '/console/api/session'],
        ['GET', '/console/api/fleet'],
        ['GET', '/console/api/users'],
        ['POST', '/console/api/fleet/alerts/x/ack'],
        ['POST', '/console/api/logout'],
      ] as const) {
        const result = await anonymous.call(method, path);
        expect({ path, status: result.status, json: result.json }).toMatchObject({
          status: 401,
          json: { error: { code: 'UNAUTHENTICATED' } },
        });
      }
      const forged = await anonymous.call('GET', '/console/api/fleet', {
        cookie: `sportello_console=${'A'.repeat(43)}`,
      });
      expect(forged.status).toBe(401);
    });

    it('signs in with a session cookie that is HttpOnly, SameSite=Strict, Path=/ (Secure only over https)', async () => {
      const consoleClient = new TestConsole(hub.url);
      const result = await consoleClient.login('Tecnico', PASSWORD);
      expect(result).toMatchObject({ status: 200, json: { user: { login: 'tecnico', role: 'technician' } } });
      const cookie = result.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^sportello_console=[A-Za-z0-9_-]{43};/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).toMatch(/Path=\//);
      expect(cookie).not.toMatch(/Secure/);
      const session = await consoleClient.call('GET', '/console/api/session');
      expect(session).toMatchObject({
        status: 200,
        json: { user: { login: 'tecnico' }, csrfToken: consoleClient.csrfToken },
      });
    });

    it('refuses a wrong password and an unknown login alike', async () => {
      const consoleClient = new TestConsole(hub.url);
      for (const [login, password] of [
        ['tecnico', 'wrong password!'],
        ['nobody', PASSWORD],
      ]) {
        const result = await consoleClient.login(login!, password!);
        expect(result).toMatchObject({ status: 401, json: { error: { code: 'LOGIN_FAILED' } } });
        expect(result.headers.get('set-cookie')).toBeNull();
      }
    });

    it('stores neither passwords nor session tokens in the clear', async () => {
      const consoleClient = await signedIn('tecnico');
      const token = consoleClient.cookie!.split('=')[1]!;
      const probe = await consoleHub.reader();
      const users = await probe.db.selectFrom('console_users').select(['login', 'password_hash']).execute();
      for (const user of users) {
        expect(user.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
        expect(user.password_hash).not.toContain(PASSWORD);
      }
      // Two users with the same password get different hashes (per-user salt).
      expect(new Set(users.map((u) => u.password_hash)).size).toBe(users.length);
      const sessions = await probe.db.selectFrom('console_sessions').select('token_hash').execute();
      expect(sessions.length).toBeGreaterThan(0);
      expect(sessions.some((s) => s.token_hash.includes(token))).toBe(false);
    });

    it('locks an account after five wrong passwords in a row, and unlocks it after the lock time', async () => {
      await hub.users.create({ login: 'locked-out', role: 'technician', password: PASSWORD });
      const consoleClient = new TestConsole(hub.url);
      for (let i = 0; i < 5; i += 1)
        expect((await consoleClient.login('locked-out', 'not the password')).status).toBe(401);
      expect((await consoleClient.login('locked-out', PASSWORD)).status).toBe(401);
      advance(16 * MINUTE);
      expect((await consoleClient.login('locked-out', PASSWORD)).status).toBe(200);
    });

    it('throttles repeated attempts on one login name with 429 and retry-after', async () => {
      const consoleClient = new TestConsole(hub.url);
      const statuses: number[] = [];
      for (let i = 0; i < 9; i += 1) statuses.push((await consoleClient.login('guessed-name', `guess ${i}`)).status);
      expect(statuses.slice(0, 8).every((s) => s === 401)).toBe(true);
      const last = await consoleClient.login('guessed-name', 'guess 9');
      expect(last).toMatchObject({ status: 429, json: { error: { code: 'LOGIN_THROTTLED' } } });
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
      advance(16 * MINUTE);
    });

    it('ends a session idle for 30 minutes, and any session 60 minutes after sign-in (test policy)', async () => {
      const idle = await signedIn('tecnico');
      advance(31 * MINUTE);
      expect((await idle.call('GET', '/console/api/session')).status).toBe(401);

      const busy = await signedIn('tecnico');
      for (let i = 0; i < 2; i += 1) {
        advance(25 * MINUTE);
        expect((await busy.call('GET', '/console/api/session')).status).toBe(200);
      }
      advance(11 * MINUTE);
      expect((await busy.call('GET', '/console/api/session')).status).toBe(401);
    });

    it('logs out by deleting the session: the old cookie no longer works', async () => {
      const consoleClient = await signedIn('tecnico');
      const cookie = consoleClient.cookie;
      expect((await consoleClient.call('POST', '/console/api/logout')).status).toBe(200);
      const again = await consoleClient.call('GET', '/console/api/session', { cookie });
      expect(again).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHENTICATED' } } });
    });

    it('serves a session on a second hub process on the same database', async () => {
      const other = await startHub({ dataDir: dir, databaseUrl: schema?.url, now, seed: 'none' });
      try {
        const consoleClient = await signedIn('tecnico');
        const there = await consoleClient.call('GET', '/console/api/session', { cookie: consoleClient.cookie });
        const client = new TestConsole(other.url);
        client.cookie = consoleClient.cookie;
        expect((await client.call('GET', '/console/api/session')).status).toBe(200);
        expect(there.status).toBe(200);
      } finally {
        await other.close();
      }
    });

    it('marks the cookie Secure (with the __Host- prefix) when told to', async () => {
      const secureDir = mkdtempSync(join(tmpdir(), 'sportello-fleet-secure-'));
      const secureHub = await startHub({ dataDir: secureDir, consoleSecureCookies: true, seed: 'none' });
      try {
        await secureHub.users.create({ login: 'ada', role: 'admin', password: PASSWORD });
        const result = await new TestConsole(secureHub.url).login('ada', PASSWORD);
        expect(result.headers.get('set-cookie')).toMatch(/^__Host-sportello_console=.*; Secure/);
      } finally {
        await secureHub.close();
        rmSync(secureDir, { recursive: true, force: true });
      }
    });
  });

  describe('roles and CSRF', () => {
    it('keeps a clerk out of the fleet and of user admin (403)', async () => {
      const clerk = await signedIn('sportellista');
      for (const [method, path] of [
        ['GET', '/console/api/fleet'],
        ['GET', '/console/api/fleet/kiosks/x'],
        ['POST', '/console/api/fleet/alerts/x/ack'],
        ['GET', '/console/api/users'],
        ['POST', '/console/api/users'],
      ] as const) {
        const result = await clerk.call(method, path, { body: { login: 'x', role: 'admin', password: 'y' } });
        expect({ path, status: result.status, json: result.json }).toMatchObject({
          status: 403,
          json: { error: { code: 'FORBIDDEN' } },
        });
      }
      expect((await clerk.call('GET', '/console/api/session')).status).toBe(200);
    });

    it('lets a technician see the fleet but not manage users', async () => {
      const technician = await signedIn('tecnico');
      expect((await technician.call('GET', '/console/api/fleet')).status).toBe(200);
      expect((await technician.call('GET', '/console/api/users')).status).toBe(403);
    });

    it('refuses a state-changing request with a missing, forged or other session CSRF token (403)', async () => {
      const admin = await signedIn('ada');
      const other = await signedIn('ada');
      const body = { login: 'nuovo-tecnico', role: 'technician', password: PASSWORD };
      for (const csrf of [false, 'forged-token', other.csrfToken!, `${admin.csrfToken!}x`]) {
        const result = await admin.call('POST', '/console/api/users', { body, csrf });
        expect({ csrf, status: result.status, json: result.json }).toMatchObject({
          status: 403,
          json: { error: { code: 'CSRF_INVALID' } },
        });
      }
      expect((await admin.call('POST', '/console/api/logout', { csrf: 'forged-token' })).status).toBe(403);
      expect((await admin.call('GET', '/console/api/session')).status).toBe(200);
      expect((await admin.call('POST', '/console/api/users', { body })).status).toBe(201);
      expect((await hub.users.list()).find((u) => u.login === 'nuovo-tecnico')).toMatchObject({ role: 'technician' });
    });

    it('keeps technician cards to admins: clerk and technician 403, no session 401, forged CSRF 403', async () => {
      const routes = [
        ['GET', '/console/api/cards'],
        ['POST', '/console/api/cards'],
        ['POST', '/console/api/cards/x/revoke'],
      ] as const;
      for (const login of ['sportellista', 'tecnico']) {
        const client = await signedIn(login);
        for (const [method, path] of routes) {
          const result = await client.call(method, path, { body: { login: 'tecnico' } });
          expect({ login, path, status: result.status, json: result.json }).toMatchObject({
            status: 403,
            json: { error: { code: 'FORBIDDEN' } },
          });
        }
      }
      const anonymous = new TestConsole(hub.url);
      for (const [method, path] of routes) expect((await anonymous.call(method, path)).status).toBe(401);
      const admin = await signedIn('ada');
      for (const csrf of [false, 'forged-token']) {
        const result = await admin.call('POST', '/console/api/cards', { body: { login: 'tecnico' }, csrf });
        expect(result).toMatchObject({ status: 403, json: { error: { code: 'CSRF_INVALID' } } });
      }
      expect((await admin.call('GET', '/console/api/cards')).json).toEqual({ cards: [] });
      // Cards go to technicians and admins only, by their login.
      expect((await admin.call('POST', '/console/api/cards', { body: { login: 'sportellista' } })).status).toBe(400);
      expect((await admin.call('POST', '/console/api/cards', { body: { login: 'nessuno' } })).status).toBe(404);
      expect((await admin.call('POST', '/console/api/cards/nope/revoke')).status).toBe(404);
    });

    it('takes only JSON bodies on the console API', async () => {
      const admin = await signedIn('ada');
      const response = await fetch(`${hub.url}/console/api/users`, {
        method: 'POST',
        headers: { cookie: admin.cookie!, 'x-csrf-token': admin.csrfToken!, 'content-type': 'text/plain' },
        body: 'login=x',
      });
      expect(response.status).toBe(415);
    });
  });

  describe('fleet', () => {
    it('shows a kiosk online, offline after three missed heartbeats, with an alert after 15 minutes, and back', async () => {
      const technician = await signedIn('tecnico');
      const kiosk = await enrolled('canale');
      const id = kiosk.enrollment!.kioskId;
      await kiosk.heartbeat(healthy());
      const seen = (f: Fleet) => f.kiosks.find((k) => k.id === id)!;
      const alertsOf = (f: Fleet, kind: string) => f.alerts.filter((a) => a.kioskId === id && a.kind === kind);

      let view = await fleet(technician);
      expect(seen(view)).toMatchObject({ online: true, paper: 'ok', remainingReceipts: 400, openAlerts: 0 });

      advance(4 * MINUTE);
      view = await fleet(technician);
      expect(seen(view).online).toBe(false);
      expect(alertsOf(view, 'offline')).toHaveLength(0);

      advance(12 * MINUTE);
      view = await fleet(technician);
      expect(alertsOf(view, 'offline')).toMatchObject([{ clearedAt: null }]);
      await fleet(technician);
      expect(alertsOf(await fleet(technician), 'offline')).toHaveLength(1);

      await kiosk.heartbeat(healthy());
      view = await fleet(technician);
      expect(seen(view)).toMatchObject({ online: true, openAlerts: 0 });
      expect(alertsOf(view, 'offline')).toMatchObject([{ clearedAt: expect.any(String) }]);
      const first = alertsOf(view, 'offline')[0]!.id;

      // Gone again: a new alert, not the old one reopened.
      advance(16 * MINUTE);
      view = await fleet(technician);
      const offline = alertsOf(view, 'offline');
      expect(offline).toHaveLength(2);
      expect(offline.find((a) => a.clearedAt === null)!.id).not.toBe(first);
      await kiosk.heartbeat(healthy());
    });

    it('raises a paper alert once, lets a technician acknowledge it, and clears it when the roll is replaced', async () => {
      const technician = await signedIn('tecnico');
      const kiosk = await enrolled('marciano');
      const id = kiosk.enrollment!.kioskId;
      const low = healthy({
        devices: [{ device: 'printer', state: 'warning', code: 'PAPER_LOW' }],
        paper: { nearEnd: true, remainingReceipts: 20 },
      });
      await kiosk.heartbeat(low);
      advance(MINUTE);
      await kiosk.heartbeat(low);
      await hub.evaluateFleet();
      const paper = (f: Fleet) => f.alerts.filter((a) => a.kioskId === id && a.kind === 'paper');
      let view = await fleet(technician);
      expect(paper(view)).toHaveLength(1);
      const alert = paper(view)[0]!;
      expect(alert).toMatchObject({ acknowledgedBy: null, clearedAt: null });

      const ack = await technician.call('POST', `/console/api/fleet/alerts/${alert.id}/ack`);
      expect(ack.status).toBe(200);
      expect(paper(await fleet(technician))).toMatchObject([
        { id: alert.id, acknowledgedBy: 'tecnico', clearedAt: null },
      ]);

      // Still low: still the one acknowledged alert.
      await kiosk.heartbeat(low);
      expect(paper(await fleet(technician))).toHaveLength(1);

      await kiosk.heartbeat(healthy());
      view = await fleet(technician);
      expect(paper(view)).toMatchObject([{ id: alert.id, clearedAt: expect.any(String) }]);
      const again = await technician.call('POST', `/console/api/fleet/alerts/${alert.id}/ack`);
      expect(again).toMatchObject({ status: 409, json: { error: { code: 'CONFLICT' } } });

      const audit = await consoleHub
        .reader()
        .then((probe) =>
          probe.db.selectFrom('audit_log').select(['action', 'subject']).where('subject', '=', alert.id).execute(),
        );
      expect(audit.map((a) => a.action).sort()).toEqual([
        'fleet-alert.acknowledge',
        'fleet-alert.clear',
        'fleet-alert.open',
      ]);
    });

    it('raises backlog and device-error alerts from the heartbeat, and reports readers, queue, version and last error', async () => {
      const technician = await signedIn('tecnico');
      const kiosk = await enrolled('vallecchia');
      const id = kiosk.enrollment!.kioskId;
      await kiosk.heartbeat(
        healthy({
          devices: [
            { device: 'printer', state: 'ok', code: null },
            { device: 'mrz', state: 'error', code: 'DEVICE_TIMEOUT' },
          ],
          queueDepth: 7,
          oldestQueuedAgeMs: 61 * MINUTE,
          versions: { app: '0.2.0', catalogs: {} },
          lastError: 'HUB_UNREACHABLE',
        }),
      );
      const view = await fleet(technician);
      const kinds = view.alerts.filter((a) => a.kioskId === id && a.clearedAt === null).map((a) => a.kind);
      expect(kinds.sort()).toEqual(['backlog', 'device-error']);
      expect(view.kiosks.find((k) => k.id === id)).toMatchObject({
        queueDepth: 7,
        version: '0.2.0',
        lastError: 'HUB_UNREACHABLE',
        devices: [
          { device: 'printer', state: 'ok' },
          { device: 'mrz', state: 'error', code: 'DEVICE_TIMEOUT' },
        ],
      });
      await kiosk.heartbeat(healthy());
      const after = await fleet(technician);
      expect(after.alerts.filter((a) => a.kioskId === id && a.clearedAt === null)).toHaveLength(0);
    });

    it('opens the offline alert on the timer, with no dashboard open', async () => {
      const kiosk = await enrolled('molicciara');
      const id = kiosk.enrollment!.kioskId;
      await kiosk.heartbeat(healthy());
      advance(20 * MINUTE);
      const evaluatedAt = now();
      await hub.evaluateFleet();
      advance(5 * MINUTE);
      const technician = await signedIn('tecnico');
      const alert = (await fleet(technician)).alerts.find((a) => a.kioskId === id && a.kind === 'offline');
      // Opened by the evaluation, not by the dashboard read five minutes later.
      const openedAt = Date.parse((alert as unknown as { openedAt: string }).openedAt);
      expect(openedAt).toBeGreaterThanOrEqual(evaluatedAt);
      expect(openedAt).toBeLessThan(evaluatedAt + MINUTE);
      await kiosk.heartbeat(healthy());
    });

    it("shows each kiosk's out-of-service state and cause, and when it is back in service", async () => {
      const technician = await signedIn('tecnico');
      const kiosk = await enrolled('molicciara');
      const id = kiosk.enrollment!.kioskId;
      await kiosk.heartbeat(healthy({ outOfService: { reason: 'TECHNICIAN', message: 'Cambio carta' } }));
      const seen = async () =>
        (await fleet(technician)).kiosks.find((k) => k.id === id) as unknown as { outOfService: unknown };
      expect((await seen()).outOfService).toEqual({ reason: 'TECHNICIAN', message: 'Cambio carta' });
      const detail = await technician.call('GET', `/console/api/fleet/kiosks/${id}?hours=6`);
      expect(detail.json).toMatchObject({ kiosk: { outOfService: { reason: 'TECHNICIAN' } }, technicianActions: [] });
      await kiosk.heartbeat(healthy({ outOfService: null }));
      expect((await seen()).outOfService).toBeNull();
    });

    it('gives a page per kiosk with samples for the charts, and no personal data anywhere', async () => {
      const technician = await signedIn('tecnico');
      const kiosk = await enrolled('palvotrisia');
      const id = kiosk.enrollment!.kioskId;
      await kiosk.push([await kiosk.item()]);
      for (let i = 0; i < 3; i += 1) {
        await kiosk.heartbeat(
          healthy({ queueDepth: i, uptimeS: 60 * i, paper: { nearEnd: false, remainingReceipts: 300 - i } }),
        );
        advance(MINUTE);
      }
      const detail = await technician.call('GET', `/console/api/fleet/kiosks/${id}?hours=6`);
      expect(detail.status).toBe(200);
      expect(detail.json).toMatchObject({
        hours: 6,
        kiosk: { id, frazione: { code: 'palvotrisia', name: 'Palvotrisia' } },
        samples: [
          { queueDepth: 0, remainingReceipts: 300, uptimeS: 0 },
          { queueDepth: 1, remainingReceipts: 299 },
          { queueDepth: 2, remainingReceipts: 298, uptimeS: 120 },
        ],
      });
      expect((await technician.call('GET', '/console/api/fleet/kiosks/nope')).status).toBe(404);
      const everything = JSON.stringify([detail.json, await fleet(technician)]);
      expect(everything).not.toMatch(/RSSMRA80A01C240X|Mario|Rossi|sealed/);
    });
  });

  describe('console users from the CLI', () => {
    async function cli(argv: string[], extra: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) {
      let out = '';
      let err = '';
      const code = await runCli(argv, {
        env: { SPORTELLO_HUB_DATA_DIR: dir, ...(schema ? { DATABASE_URL: schema.url } : {}), ...extra.env },
        stdout: (text) => (out += text),
        stderr: (text) => (err += text),
        stdin: () => Promise.resolve(extra.stdin ?? ''),
      });
      return { code, out, err };
    }

    it('creates users with the password from the environment or stdin, never from argv', async () => {
      const fromEnv = await cli(['user', 'create', '--role', 'technician', '--name', 'Tecnico-Due'], {
        env: { SPORTELLO_CONSOLE_PASSWORD: PASSWORD },
      });
      expect(fromEnv).toMatchObject({ code: 0, out: 'console user tecnico-due (technician) created\n' });
      expect((await new TestConsole(hub.url).login('tecnico-due', PASSWORD)).status).toBe(200);

      const fromStdin = await cli(['user', 'create', '--role', 'admin', '--name', 'admin-due'], {
        stdin: `${PASSWORD}\n`,
      });
      expect(fromStdin.code).toBe(0);
      expect((await new TestConsole(hub.url).login('admin-due', PASSWORD)).status).toBe(200);

      expect((await cli(['user', 'create', '--role', 'admin', '--name', 'x1', '--password', PASSWORD])).code).toBe(2);
      expect(await cli(['user', 'create', '--role', 'boss', '--name', 'x2'], { stdin: PASSWORD })).toMatchObject({
        code: 2,
      });
      expect(await cli(['user', 'create', '--role', 'clerk', '--name', 'x3'], { stdin: 'short' })).toMatchObject({
        code: 1,
        err: expect.stringContaining('INVALID_INPUT'),
      });
      expect(
        await cli(['user', 'create', '--role', 'clerk', '--name', 'admin-due'], { stdin: PASSWORD }),
      ).toMatchObject({
        code: 1,
        err: expect.stringContaining('ALREADY_EXISTS'),
      });
    });

    it('lists users with their roles and no password hashes', async () => {
      const listed = await cli(['user', 'list']);
      expect(listed.code).toBe(0);
      expect(listed.out).toMatch(/^login\s+role\s+created/);
      expect(listed.out).toMatch(/sportellista\s+clerk/);
      expect(listed.out).not.toContain('scrypt');
      const json = JSON.parse((await cli(['user', 'list', '--json'])).out) as Array<Record<string, unknown>>;
      expect(json.find((u) => u.login === 'ada')).toMatchObject({ role: 'admin' });
      expect(JSON.stringify(json)).not.toContain('scrypt');
    });
  });

  describe('technician cards from the CLI', () => {
    async function cli(argv: string[]) {
      let out = '';
      let err = '';
      const code = await runCli(argv, {
        env: { SPORTELLO_HUB_DATA_DIR: dir, ...(schema ? { DATABASE_URL: schema.url } : {}) },
        stdout: (text) => (out += text),
        stderr: (text) => (err += text),
      });
      return { code, out, err };
    }

    it('issues a card the kiosks verify with the pinned key, lists it without its token, and revokes it for the pull', async () => {
      const kiosk = await enrolled('vallecchia');
      const svg = join(dir, 'card.svg');
      const issued = await cli(['technician-card', 'issue', '--login', 'tecnico', '--json', '--svg', svg]);
      expect(issued.code).toBe(0);
      expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[^>]*viewBox/);
      const card = JSON.parse(issued.out) as { id: string; text: string; expiresAt: string };
      expect(Date.parse(card.expiresAt) - now()).toBeGreaterThan(364 * 24 * 60 * MINUTE);
      const token = card.text.replace(/^SPORTELLO-TECH:1:/, '');
      const check = (revoked: string[]) =>
        verifyTechnicianCard(token, {
          hubPublicKey: kiosk.enrollment!.hubKeys.signing,
          comune: ISTAT,
          now: now(),
          isRevoked: (id) => revoked.includes(id),
        });
      expect(check([])).toMatchObject({ ok: true, card: { id: card.id, login: 'tecnico', comune: ISTAT } });
      expect((await kiosk.pull()).revokedCards).toEqual([]);

      const listed = await cli(['technician-card', 'list']);
      expect(listed.out).toMatch(new RegExp(`${card.id}\\s+tecnico\\s+${ISTAT}`));
      expect(listed.out).not.toContain(token.slice(0, 30));
      expect(await cli(['technician-card', 'issue', '--login', 'sportellista'])).toMatchObject({
        code: 1,
        err: expect.stringContaining('INVALID_INPUT'),
      });

      expect(await cli(['technician-card', 'revoke', card.id])).toMatchObject({ code: 0 });
      const revoked = (await kiosk.pull()).revokedCards ?? [];
      expect(revoked).toContain(card.id);
      expect(check(revoked)).toEqual({ ok: false, reason: 'revoked' });
      expect(await cli(['technician-card', 'revoke', card.id])).toMatchObject({ code: 0 });
    });
  });
});

describe('migration 0004_technician_cards_audit', () => {
  it('upgrades a 0003 database holding a kiosk and console users, which then takes cards and audit rows', async () => {
    await withScratchHubDb('sportello-cards-migrate-', async (db) => {
      expect(MIGRATION_NAMES.slice(2, 4)).toEqual(['0003_backoffice', '0004_technician_cards_audit']);
      await migrateToLatest(db as Kysely<unknown>, 'sqlite', { upTo: '0003_backoffice' });
      const at = Date.parse('2026-03-10T08:00:00Z');
      await seedKiosk(db, at);
      await db
        .insertInto('console_users')
        .values({
          id: 'u-1',
          login: 'tecnico',
          role: 'technician',
          password_hash: 'x',
          created_at: at,
          updated_at: at,
          disabled_at: null,
          failed_logins: 0,
          locked_until: null,
        })
        .execute();
      await migrateToLatest(db as Kysely<unknown>, 'sqlite');
      await db
        .insertInto('technician_cards')
        .values({
          id: 'c-1',
          user_id: 'u-1',
          comune_istat: ISTAT,
          issued_at: at,
          expires_at: at + 1000,
          issued_by: 'cli',
          revoked_at: null,
          revoked_by: null,
        })
        .execute();
      const row = {
        kiosk_id: 'k-1',
        kiosk_row_id: 1,
        at,
        actor: 'pin',
        action: 'login',
        detail: null,
        received_at: at,
      };
      await db.insertInto('kiosk_audit').values(row).execute();
      await expect(db.insertInto('kiosk_audit').values(row).execute()).rejects.toThrow();
    });
  });
});

describe('migration 0002_console_fleet', () => {
  it('upgrades a 0001 database holding kiosks with heartbeats, which the dashboard then shows', async () => {
    await withScratchHubDb('sportello-fleet-migrate-', async (db) => {
      // Later migrations may follow; this one upgrades from the one before it.
      expect(MIGRATION_NAMES.slice(0, 2)).toEqual(['0001_initial', '0002_console_fleet']);
      await migrateToLatest(db as Kysely<unknown>, 'sqlite', { upTo: '0001_initial' });
      const at = Date.parse('2026-03-10T08:00:00Z');
      await seedKiosk(db, at, { json: JSON.stringify(sampleHeartbeat()), at });
      await migrateToLatest(db as Kysely<unknown>, 'sqlite');
      const [kiosk] = await fleetOverview(db, at + MINUTE, DEFAULT_THRESHOLDS);
      expect(kiosk).toMatchObject({ id: 'k-1', online: true, paper: 'near-end', queueDepth: 2, openAlerts: 0 });
    });
  });
});
