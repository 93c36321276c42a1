/**
 * Test parts for the sync client's unit tests: a hand-driven clock, and a
 * small hub on node:http that speaks the protocol (sync/protocol schemas,
 * real signatures both ways) with hooks to misbehave. The real hub lives in
 * server/; the integration suite (tests/integration/sync-client.test.ts) runs
 * against that one.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keyIdFor } from '../crypto/keys';
import { generateHubKeys } from '../crypto/seal';
import type { HubKeys } from '../crypto/seal';
import { createEd25519Signer } from '../crypto/keys';
import { HEADER_KEY, HEADER_NONCE, signResponse, verifyRequest } from '../crypto/sign';
import type { KeyLookup } from '../crypto/sign';
import { EnrollRequestSchema } from '../protocol/enroll';
import { ERROR_HTTP_STATUS } from '../protocol/errors';
import type { ErrorCode } from '../protocol/errors';
import { HeartbeatRequestSchema } from '../protocol/heartbeat';
import type { HeartbeatRequest } from '../protocol/heartbeat';
import { CATALOG_NAMES, PullQuerySchema } from '../protocol/pull';
import type { Alert, Catalogs, CatalogName, StatusChange } from '../protocol/pull';
import { PushRequestSchema } from '../protocol/push';
import type { PushItemResult } from '../protocol/push';

// ---- clock ----------------------------------------------------------------

export type FakeClock = {
  now: () => number;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  /** Moves time forward, firing every timer that falls due, in order. */
  advance: (ms: number) => void;
  /** Due times of the timers still set. */
  pending: () => number[];
};

export function fakeClock(start: number): FakeClock {
  let t = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => t,
    setTimer(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: t + Math.max(0, ms), fn });
      return id;
    },
    clearTimer(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const end = t + ms;
      for (;;) {
        let due: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
        }
        if (due === undefined) break;
        timers.delete(due[0]);
        t = Math.max(t, due[1].at);
        due[1].fn();
      }
      t = end;
    },
    pending: () => [...timers.values()].map((x) => x.at).sort((a, b) => a - b),
  };
}

// ---- hub --------------------------------------------------------------------

export type Endpoint = 'enroll' | 'push' | 'pull' | 'heartbeat' | 'other';

export type Reply =
  | {
      status: number;
      body?: unknown;
      /** Who signs the answer: the hub (default), nobody, or another key. */
      signer?: 'hub' | 'none' | { sign: (data: Uint8Array) => Uint8Array };
      headers?: Record<string, string>;
    }
  | { hang: true }
  | { destroy: true };

export type HubRequest = {
  endpoint: Endpoint;
  method: string;
  /** The raw request target, query included. */
  url: string;
  body: unknown;
  keyId: string | null;
};

/** Runs before the hub handles a request: a Reply replaces the handling, undefined lets it through. */
export type Before = (request: HubRequest) => Reply | undefined;
/** Runs after the hub handled it (and committed): may replace the answer, e.g. cut it. */
export type After = (request: HubRequest, reply: Reply) => Reply | undefined;

export type FakeHub = {
  url: string;
  keys: HubKeys;
  /** Every request that reached the hub, in order. */
  requests: HubRequest[];
  heartbeats: HeartbeatRequest[];
  /** Stored submissions: id → the first answer. */
  stored: Map<string, PushItemResult>;
  /** Items whose presence makes the whole push a 400 INVALID_REQUEST. */
  invalidIds: Set<string>;
  /** Services the hub's catalog does not have (item rejected UNKNOWN_SERVICE). */
  unknownServices: Set<string>;
  /** Status changes per pull page. */
  pageSize: number;
  /** Added to the hub's clock (for STALE_TIMESTAMP). */
  skewMs: number;
  before: Before[];
  after: After[];
  createCode: (place?: { istat: string; frazione: string }) => string;
  revoke: (kioskKeyId: string) => void;
  addStatusChange: (change: StatusChange) => void;
  publish: (name: CatalogName, document: NonNullable<Catalogs[CatalogName]>) => void;
  setAlerts: (alerts: Alert[]) => void;
  /** Stops listening and ends hanging answers. */
  close: () => Promise<void>;
};

type Kiosk = { kioskId: string; publicKey: string; revoked: boolean; frazione: string };

function endpointOf(url: string): Endpoint {
  switch (url.split('?')[0] ?? '') {
    case '/v1/enroll':
      return 'enroll';
    case '/v1/push':
      return 'push';
    case '/v1/pull':
      return 'pull';
    case '/v1/heartbeat':
      return 'heartbeat';
    default:
      return 'other';
  }
}

function errorReply(code: ErrorCode, message = code.toLowerCase()): Reply {
  return { status: ERROR_HTTP_STATUS[code], body: { error: { code, message } } };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts a protocol-speaking hub on 127.0.0.1 and an ephemeral port. `now` is the hub's clock. */
export async function startFakeHub(options: { now?: () => number; port?: number } = {}): Promise<FakeHub> {
  const clock = options.now ?? Date.now;
  const keys = generateHubKeys();
  const hubSigner = createEd25519Signer(keys.signing.privateKey);
  const codes = new Map<string, { istat: string; frazione: string }>();
  const kiosks = new Map<string, Kiosk>();
  const nonces = new Set<string>();
  const statusLog: StatusChange[] = [];
  const catalogs = new Map<CatalogName, { seq: number; document: NonNullable<Catalogs[CatalogName]> }>();
  let catalogSeq = 0;
  let alerts: Alert[] = [];
  let protocolCounter = 0;
  const hanging = new Set<ServerResponse>();

  const hub: FakeHub = {
    url: '',
    keys,
    requests: [],
    heartbeats: [],
    stored: new Map(),
    invalidIds: new Set(),
    unknownServices: new Set(),
    pageSize: 100,
    skewMs: 0,
    before: [],
    after: [],
    createCode(place = { istat: '022205', frazione: 'colombiera' }) {
      const code = `TEST-${randomUUID().slice(0, 8).toUpperCase()}`;
      codes.set(code, place);
      return code;
    },
    revoke(kioskKeyId) {
      const kiosk = kiosks.get(kioskKeyId);
      if (kiosk) kiosk.revoked = true;
    },
    addStatusChange(change) {
      statusLog.push(change);
    },
    publish(name, document) {
      catalogSeq += 1;
      catalogs.set(name, { seq: catalogSeq, document });
    },
    setAlerts(next) {
      alerts = next;
    },
    close: () => Promise.resolve(),
  };
  const hubNow = () => clock() + hub.skewMs;

  async function authenticate(req: IncomingMessage, raw: Buffer, endpoint: Endpoint, body: unknown) {
    const publicKeyFor = (keyId: string): KeyLookup => {
      if (endpoint === 'enroll') {
        const parsed = EnrollRequestSchema.safeParse(body);
        return parsed.success && keyIdFor(parsed.data.publicKey) === keyId ? parsed.data.publicKey : null;
      }
      const kiosk = kiosks.get(keyId);
      if (kiosk === undefined) return null;
      return kiosk.revoked ? 'revoked' : kiosk.publicKey;
    };
    return verifyRequest({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      body: raw,
      headers: req.headers,
      publicKeyFor,
      seenNonce: (keyId, nonce) => {
        const key = `${keyId}/${nonce}`;
        if (nonces.has(key)) return true;
        nonces.add(key);
        return false;
      },
      now: hubNow,
    });
  }

  function handle(request: HubRequest, kiosk: Kiosk | null): Reply {
    switch (request.endpoint) {
      case 'enroll': {
        const parsed = EnrollRequestSchema.safeParse(request.body);
        if (!parsed.success) return errorReply('INVALID_REQUEST');
        const place = codes.get(parsed.data.code);
        if (place === undefined) return errorReply('ENROLLMENT_CODE_INVALID');
        codes.delete(parsed.data.code);
        const kioskId = randomUUID();
        kiosks.set(keyIdFor(parsed.data.publicKey), {
          kioskId,
          publicKey: parsed.data.publicKey,
          revoked: false,
          frazione: place.frazione,
        });
        return {
          status: 200,
          body: {
            kioskId,
            comune: { istat: place.istat, name: 'Pergine Valsugana' },
            frazione: { code: place.frazione, name: 'Colombiera' },
            hubKeys: { signing: keys.signing.publicKey, encryption: keys.encryption.publicKey },
          },
        };
      }
      case 'push': {
        const parsed = PushRequestSchema.safeParse(request.body);
        if (!parsed.success || parsed.data.items.some((i) => hub.invalidIds.has(i.id))) {
          return errorReply('INVALID_REQUEST', 'batch does not match the schema');
        }
        const results = parsed.data.items.map((item): PushItemResult => {
          const first = hub.stored.get(item.id);
          if (first) return first;
          let result: PushItemResult;
          if (hub.unknownServices.has(item.service)) {
            result = { id: item.id, status: 'rejected', code: 'UNKNOWN_SERVICE', reason: 'not in the catalog' };
          } else if (kiosk !== null && item.frazione !== kiosk.frazione) {
            result = { id: item.id, status: 'rejected', code: 'FRAZIONE_MISMATCH', reason: 'other frazione' };
          } else {
            protocolCounter += 1;
            result = {
              id: item.id,
              status: 'accepted',
              protocolNumber: `2026/${String(protocolCounter).padStart(6, '0')}`,
              acceptedAt: new Date(hubNow()).toISOString(),
            };
          }
          hub.stored.set(item.id, result);
          return result;
        });
        return { status: 200, body: { results } };
      }
      case 'pull': {
        const query = Object.fromEntries(new URL(request.url, 'http://hub').searchParams);
        const parsed = PullQuerySchema.safeParse(query);
        if (!parsed.success) return errorReply('INVALID_REQUEST');
        const [from = 0, seenSeq = 0] = (parsed.data.cursor ?? 'c0.0').slice(1).split('.').map(Number);
        const changes = statusLog.slice(from, from + hub.pageSize);
        const next = from + changes.length;
        const changed: Catalogs = {};
        for (const name of CATALOG_NAMES) {
          const entry = catalogs.get(name);
          if (entry && entry.seq > seenSeq) Object.assign(changed, { [name]: entry.document });
        }
        return {
          status: 200,
          body: {
            cursor: `c${next}.${catalogSeq}`,
            hasMore: next < statusLog.length,
            statusChanges: changes,
            ...(Object.keys(changed).length > 0 ? { catalogs: changed } : {}),
            alerts,
          },
        };
      }
      case 'heartbeat': {
        const parsed = HeartbeatRequestSchema.safeParse(request.body);
        if (!parsed.success) return errorReply('INVALID_REQUEST');
        hub.heartbeats.push(parsed.data);
        return { status: 200, body: { ok: true, serverTime: new Date(hubNow()).toISOString() } };
      }
      case 'other':
        return errorReply('NOT_FOUND');
    }
  }

  function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    if ('hang' in reply) {
      hanging.add(res);
      return;
    }
    if ('destroy' in reply) {
      req.socket.destroy();
      return;
    }
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    const keyId = req.headers[HEADER_KEY];
    const nonce = req.headers[HEADER_NONCE];
    const signer = reply.signer ?? 'hub';
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      date: new Date(hubNow()).toUTCString(),
      ...reply.headers,
    };
    if (signer !== 'none' && typeof keyId === 'string' && typeof nonce === 'string') {
      Object.assign(
        headers,
        signResponse({
          status: reply.status,
          body: text,
          requestKeyId: keyId,
          requestNonce: nonce,
          signer: signer === 'hub' ? hubSigner : signer,
        }),
      );
    }
    res.writeHead(reply.status, headers);
    res.end(text);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = req.url ?? '/';
      const endpoint = endpointOf(url);
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        body = undefined;
      }
      const keyIdHeader = req.headers[HEADER_KEY];
      const request: HubRequest = {
        endpoint,
        method: req.method ?? 'GET',
        url,
        body,
        keyId: typeof keyIdHeader === 'string' ? keyIdHeader : null,
      };
      hub.requests.push(request);
      for (const hook of hub.before) {
        const reply = hook(request);
        if (reply !== undefined) return send(req, res, reply);
      }
      const verdict = await authenticate(req, raw, endpoint, body);
      let reply: Reply;
      if (!verdict.ok) {
        reply = errorReply(verdict.code, verdict.message);
      } else {
        reply = handle(request, endpoint === 'enroll' ? null : (kiosks.get(verdict.keyId) ?? null));
      }
      for (const hook of hub.after) reply = hook(request, reply) ?? reply;
      send(req, res, reply);
    })();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hub.close = async () => {
    for (const res of hanging) res.destroy();
    hanging.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return hub;
}

/** A URL where nothing listens: a port that was just free. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
