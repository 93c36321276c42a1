/**
 * hub.heartbeats-per-s: one hub process on its default SQLite file
 * (WAL, synchronous=FULL), started as an operator does (`npm run hub -- start`),
 * answering signed heartbeats over loopback from a few concurrent kiosks.
 *
 * Every heartbeat is the whole thing: the client signs it (Ed25519), the hub
 * verifies the signature, records the nonce, counts the rate limit, stores the
 * heartbeat durably and signs its answer, and the client checks that
 * signature and parses the answer. The clients run in this process, the hub
 * in its own; both share the machine's cores.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openHub } from '../server/hub';
import { decodeEd25519PublicKey } from '../sync/crypto/keys';
import { HEADER_KEY, HEADER_NONCE, signRequest, verifyResponse } from '../sync/crypto/sign';
import { ENDPOINTS, HeartbeatResponseSchema } from '../sync/protocol';
import { TestKiosk, sampleHeartbeat } from '../server/testing/kiosk';
import { spawnHubProcess } from '../server/testing/process';
import type { Figure } from './report';
import { median, round } from './report';
import type { FigureGroup } from './ui';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ID = 'hub.heartbeats-per-s';
const CLIENTS = 8;
const WARMUP_MS = 1500;
const RUN_MS = 3000;
const RUNS = 3;
const TARGET = 2000;

/**
 * One kiosk's connection: node:http with a keep-alive socket of its own
 * (undici's fetch costs more client CPU than the hub spends per request, and
 * the clients share the machine with the hub). The protocol work is the real
 * kiosk's: sign each request, check the hub's signature on each answer.
 */
function heartbeatSender(kiosk: TestKiosk, hubUrl: string): () => Promise<void> {
  const url = new URL(ENDPOINTS.heartbeat.path, hubUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const hubKey = decodeEd25519PublicKey(kiosk.enrollment!.hubKeys.signing);
  const body = JSON.stringify(sampleHeartbeat());
  return () =>
    new Promise<void>((done, fail) => {
      const headers = signRequest({ method: 'POST', path: url.pathname, body, identity: kiosk.key });
      const req = request(url, {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const checked = verifyResponse({
            status: res.statusCode ?? 0,
            body: text,
            headers: res.headers,
            requestKeyId: headers[HEADER_KEY],
            requestNonce: headers[HEADER_NONCE],
            hubPublicKey: hubKey,
          });
          if (res.statusCode !== 200 || !checked.ok || !HeartbeatResponseSchema.safeParse(JSON.parse(text)).success) {
            fail(new Error(`heartbeat answered ${res.statusCode} (${checked.ok ? 'signed' : checked.code}): ${text}`));
          } else {
            done();
          }
        });
      });
      req.end(body);
    });
}

/** Heartbeats answered (signed 200) by the senders looping concurrently for `ms`. */
async function drive(senders: Array<() => Promise<void>>, ms: number): Promise<{ count: number; elapsedMs: number }> {
  let count = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    senders.map(async (send) => {
      while (performance.now() < deadline) {
        await send();
        count += 1;
      }
    }),
  );
  return { count, elapsedMs: performance.now() - start };
}

export const hubFigures: FigureGroup = {
  ids: [ID],
  async run(ctx) {
    if (!ctx.wants(ID)) return [];
    // On the repository's disk (var/), as `npm start` keeps its data, not in a tmpfs /tmp.
    mkdirSync(join(ROOT, 'var'), { recursive: true });
    const dataDir = mkdtempSync(join(ROOT, 'var', 'bench-hub-'));
    ctx.cleanup.add(() => rmSync(dataDir, { recursive: true, force: true }));

    // Codes made on the database before the hub starts (the CLI's path); the hub then enrolls the kiosks.
    const setup = await openHub({ dataDir });
    let codes: string[];
    try {
      const admin = setup.admin('bench');
      codes = await Promise.all(
        Array.from({ length: CLIENTS }, () => admin.createEnrollmentCode({ istat: '011011', frazione: 'colombiera' })),
      );
    } finally {
      await setup.close();
    }
    // The rate limit is lifted: this measures the hub's work, not its refusals.
    const hub = await spawnHubProcess({ dataDir, args: ['--rate-limit', '100000000'] });
    ctx.cleanup.add(async () => {
      await hub.stop();
    });
    const kiosks = codes.map(() => new TestKiosk(hub.url));
    await Promise.all(kiosks.map((kiosk, i) => kiosk.enroll(codes[i]!)));
    const senders = kiosks.map((kiosk) => heartbeatSender(kiosk, hub.url));

    await drive(senders, WARMUP_MS);
    const rates: number[] = [];
    let total = 0;
    for (let run = 0; run < RUNS; run += 1) {
      const { count, elapsedMs } = await drive(senders, RUN_MS);
      total += count;
      rates.push((count * 1000) / elapsedMs);
    }
    const value = median(rates);
    const figure: Figure = {
      id: ID,
      value: round(value, 0),
      unit: 'heartbeats/s',
      target: `>= ${TARGET}`,
      ok: value >= TARGET,
      runs: RUNS,
      note:
        `median of ${RUNS} runs of ${RUN_MS / 1000} s after a ${WARMUP_MS / 1000} s warm-up (${total} heartbeats timed, all signed 200s): ` +
        `one hub process (\`server/cli.ts start\`, SQLite WAL synchronous=FULL under var/, group commit) and ${CLIENTS} kiosks ` +
        `in the bench process (the two share this machine's ${cpus().length} CPUs), each sending its next heartbeat when the last is answered, ` +
        'over loopback HTTP/1.1, one keep-alive socket per kiosk (node:http). ' +
        'Client-side work is included in the loop: Ed25519 request signing, hub-signature verification and zod parsing of each answer. ' +
        `Hub side per heartbeat: signature check, nonce insert, rate-limit count, heartbeat row update, response signature. ` +
        `runs/s: ${rates.map((r) => Math.round(r)).join(', ')}`,
    };
    return [figure];
  },
};
