/**
 * Technician cards and the technician audit log, end to end over the real
 * parts: a hub over HTTP (SQLite, and PostgreSQL when DATABASE_URL is set),
 * its console API, a kiosk runtime on its own SQLite store with the virtual
 * scanner on a PTY, and the runtime's sync client.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDevices } from '../../hardware/sim/devices';
import type { VirtualDevices } from '../../hardware/sim/devices';
import type { EventFrame, ResponseFrame, TechnicianCardEvent } from '../../kiosk-shell/api/contract';
import { parseConfig } from '../../kiosk-shell/runtime/config';
import type { Config } from '../../kiosk-shell/runtime/config';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { DEFAULT_CONFIG } from '../../kiosk-shell/runtime/paths';
import { startRuntime } from '../../kiosk-shell/runtime/runtime';
import type { Runtime } from '../../kiosk-shell/runtime/runtime';
import { TestConsole } from '../../server/console-api/test-client';
import type { RunningHub } from '../../server/hub';
import { createEd25519Signer } from '../../sync/crypto/keys';
import { signTechnicianCard, technicianCardText } from '../../sync/crypto/technician-card';
import { appendAudit, recentAudit } from '../../sync/store/technician';
import { BACKENDS, PASSWORD, signedIn, startConsoleHub } from '../helpers/console-hub';
import type { ConsoleHub } from '../helpers/console-hub';
import { expectStoreHoldsNone } from '../helpers/store-bytes';
import { until } from '../helpers/until';

const DAY = 86_400_000;

type Card = { id: string; login: string; text: string; qrSvg: string; expiresAt: string; revokedAt: string | null };
type Action = {
  id: number;
  actor: string;
  action: string;
  detail: Record<string, unknown> | null;
  holder: string | null;
};

describe.each(BACKENDS)('technician cards and audit on %s', (backend) => {
  let dataDir: string;
  let consoleHub: ConsoleHub;
  let hub: RunningHub;
  let sims: VirtualDevices;
  let base: Config;
  let skewMs = 0;
  let runtime: Runtime | null = null;
  let admin: TestConsole;
  const events: EventFrame[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sportello-card-'));
    consoleHub = await startConsoleHub(backend, 'sportello-card-hub-');
    hub = consoleHub.hub;
    admin = await signedIn(hub.url, 'ada');
    sims = await startVirtualDevices(dataDir);
    base = parseConfig(JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')), 'demo', { SPORTELLO_DATA_DIR: dataDir });
  });
  afterEach(() => {
    skewMs = 0;
  });
  afterAll(async () => {
    await runtime?.close();
    await sims?.close();
    await consoleHub?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function enrolledRuntime(): Promise<Runtime> {
    if (runtime !== null) return runtime;
    runtime = await startRuntime({
      config: { ...base, hub: { url: hub.url }, devices: { ...base.devices, barcode: sims.paths.scanner } },
      log: createLogger({ level: 'silent' }),
      now: () => new Date(Date.now() + skewMs),
    });
    runtime.onEvent((frame) => events.push(frame));
    await until(() => runtime!.devices.status().scanner.connection === 'connected', 'the scanner');
    await runtime.sync!.enroll(await hub.admin.createEnrollmentCode({ istat: '011011', frazione: 'colombiera' }));
    return runtime;
  }

  async function call(method: string, input: unknown): Promise<ResponseFrame['result']> {
    return (await runtime!.dispatch(JSON.stringify({ id: 1, method, input }))).result;
  }

  /** Scans `text` on the virtual scanner and waits for the runtime's verdict. */
  async function scanCard(text: string): Promise<TechnicianCardEvent> {
    const before = events.length;
    await sims.commands.scan([text]);
    const frame = await until(
      () => events.slice(before).find((e) => e.event === 'technician.card'),
      'the technician.card event',
    );
    return frame.payload as TechnicianCardEvent;
  }

  async function issue(login: string, days?: number): Promise<Card> {
    const result = await admin.call('POST', '/console/api/cards', { body: { login, ...(days && { days }) } });
    expect(result.status).toBe(201);
    return (result.json as { card: Card }).card;
  }

  it('issues a card that opens a technician session at the kiosk; revoked, the kiosk refuses it after its pull', async () => {
    const kiosk = await enrolledRuntime();
    const card = await issue('tecnico');
    expect(card.text).toMatch(/^SPORTELLO-TECH:1:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(card.text.length).toBeLessThanOrEqual(480);
    expect(card.qrSvg).toMatch(/^<svg[^>]*>/);
    const token = card.text.split(':')[2]!;

    const good = await scanCard(card.text);
    expect(good).toMatchObject({ ok: true, idleTimeoutS: expect.any(Number) });
    const session = (good as { token: string }).token;
    expect(await call('technician.overview', { token: session })).toMatchObject({ ok: true });
    expect(recentAudit(kiosk.store.db, 5).map((a) => [a.actor, a.action])).toContainEqual([`card:${card.id}`, 'login']);
    // The card is a credential: it never reaches the renderer as a read, and never the store.
    expect(events.some((e) => e.event === 'reader.read')).toBe(false);
    expect(JSON.stringify(events)).not.toContain(token.slice(0, 40));
    expectStoreHoldsNone(dataDir, { 'the card token': token.slice(0, 40) }, `card:${card.id}`);
    expect(await call('technician.lastReads', { token: session })).toMatchObject({
      ok: true,
      value: [{ kind: 'technicianCard', masked: { card: true } }],
    });

    const revoked = await admin.call('POST', `/console/api/cards/${card.id}/revoke`);
    expect(revoked).toMatchObject({ status: 200, json: { card: { id: card.id, revokedAt: expect.any(String) } } });
    // Before the pull the kiosk still knows nothing of it: checked offline.
    expect((await scanCard(card.text)).ok).toBe(true);
    await kiosk.sync!.syncNow();
    expect(await scanCard(card.text)).toEqual({ ok: false, problem: 'revoked', attemptsLeft: 4 });
    const listed = await admin.call('GET', '/console/api/cards');
    expect((listed.json as { cards: Card[] }).cards.find((c) => c.id === card.id)?.revokedAt).toEqual(
      expect.any(String),
    );
    expect(JSON.stringify(listed.json)).not.toContain(token.slice(0, 40));
  });

  it('refuses forged and expired cards with their reason, counting towards the PIN lockout', async () => {
    const kiosk = await enrolledRuntime();
    const forger = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);
    const nowS = Math.floor(Date.now() / 1000);
    const forged = technicianCardText(
      signTechnicianCard(
        {
          v: 1,
          id: '019ac6f0-0000-7000-8000-000000000001',
          sub: '019ac6f0-0000-7000-8000-0000000000aa',
          login: 'intruso',
          comune: '011011',
          iat: nowS,
          exp: nowS + 3600,
        },
        forger,
      ),
    );
    const first = await scanCard(forged);
    expect(first).toMatchObject({ ok: false, problem: 'forged' });
    const short = await issue('ada', 1);
    skewMs = 2 * DAY;
    const expired = await scanCard(short.text);
    expect(expired).toMatchObject({ ok: false, problem: 'expired' });
    expect((expired as { attemptsLeft: number }).attemptsLeft).toBe(
      (first as { attemptsLeft: number }).attemptsLeft - 1,
    );
    // A good PIN clears the count; the refusals are in the audit, with their reasons and no token.
    expect(await call('technician.login', { pin: '1357' })).toMatchObject({ ok: true, value: { ok: true } });
    const audit = recentAudit(kiosk.store.db, 10);
    expect(audit.filter((a) => a.action === 'login.card-refused').map((a) => a.detail?.reason)).toEqual(
      expect.arrayContaining(['forged', 'expired']),
    );
    expect(JSON.stringify(audit)).not.toContain(short.text.split(':')[2]!.slice(0, 40));
  });

  it('sends the audit log to the hub exactly once across a lost answer and a retry; the kiosk page lists it', async () => {
    const kiosk = await enrolledRuntime();
    await kiosk.sync!.syncNow();
    expect((await call('technician.login', { pin: '1357' })).ok).toBe(true);
    // A row the protocol would refuse as it is (a long text, an odd key) is cut to fit, not left behind.
    const odd = appendAudit(kiosk.store.db, {
      at: Date.now(),
      actor: 'pin',
      action: 'config.changed',
      detail: { hubUrl: `https://${'h'.repeat(300)}`, 'odd key': 1 },
    });
    const pending = () => recentAudit(kiosk.store.db, 500).filter((a) => a.pushedAt === null);
    expect(pending().length).toBeGreaterThan(0);

    // The first POST /v1/audit reaches the hub, and its answer is lost on the way back.
    const realFetch = globalThis.fetch;
    let lost = 0;
    globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const response = await realFetch(input, init);
      const url = input instanceof Request ? input.url : input.toString();
      if (url.endsWith('/v1/audit') && lost === 0) {
        lost += 1;
        throw new TypeError('fetch failed: connection reset');
      }
      return response;
    };
    try {
      await kiosk.sync!.syncNow();
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(lost).toBe(1);
    expect(pending().length).toBeGreaterThan(0);
    await kiosk.sync!.syncNow();
    expect(pending()).toEqual([]);

    const technician = new TestConsole(hub.url);
    expect((await technician.login('tecnico', PASSWORD)).status).toBe(200);
    const kioskId = (await hub.admin.listKiosks())[0]!.id;
    const detail = await technician.call('GET', `/console/api/fleet/kiosks/${kioskId}?hours=6`);
    expect(detail.status).toBe(200);
    const actions = (detail.json as { technicianActions: Action[] }).technicianActions;
    const sent = recentAudit(kiosk.store.db, 50);
    expect(actions.map((a) => a.id).sort((x, y) => x - y)).toEqual(sent.map((a) => a.id).sort((x, y) => x - y));
    expect(actions).toContainEqual(expect.objectContaining({ actor: 'pin', action: 'login' }));
    const coerced = actions.find((a) => a.id === odd)!;
    expect(coerced.detail).toEqual({ hubUrl: `https://${'h'.repeat(192)}` });
    // A card's actions name the technician it was issued to.
    expect(actions).toContainEqual(
      expect.objectContaining({ actor: expect.stringMatching(/^card:/), action: 'login', holder: 'tecnico' }),
    );
  });
});
