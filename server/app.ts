/**
 * The hub's HTTP API (Fastify): the sync endpoints of sync/protocol, the
 * OpenAPI document and a health check.
 *
 * Every sync request is verified over the raw request target and the raw body
 * bytes (sync/crypto/sign), before anything in it is parsed: the body is kept
 * as a Buffer by the only content-type parser registered. Then it is validated
 * with the protocol's schemas; every refusal is a coded ErrorBody with the
 * status of ERROR_HTTP_STATUS, and stores nothing of the request (only the
 * nonce and the rate-limit count of a genuinely signed one). Every answer to a
 * request with well-formed key and nonce headers is signed (`signResponse`).
 *
 * Each request is one database unit (see ./db/open): verification, nonce,
 * rate limit and the endpoint's writes commit together or not at all.
 */
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import { fromBase64url } from '../sync/crypto/base64url';
import { createEd25519Signer, decodeEd25519PublicKey, keyIdFor } from '../sync/crypto/keys';
import { HEADER_KEY, HEADER_NONCE, signResponse, verifyRequest } from '../sync/crypto/sign';
import { CATALOG_NAMES, ENDPOINTS, ERROR_HTTP_STATUS, MAX_BODY_BYTES, RawKeySchema } from '../sync/protocol';
import type {
  AuditResponse,
  CollectResponse,
  EnrollResponse,
  ErrorBody,
  ErrorCode,
  HeartbeatResponse,
  PullResponse,
  PushResponse,
} from '../sync/protocol';
import { INITIAL_CURSOR, decodeCursor, encodeCursor } from './cursor';
import { catalogVersions, currentAlerts, loadCatalogs } from './db/comuni';
import { nonceSeen, takeRateLimit } from './db/guard';
import type { RateLimit } from './db/guard';
import type { LoadedHubKeys } from './db/keys';
import { enrollKiosk, kioskByKeyId, recordHeartbeat } from './db/kiosks';
import type { HubDb } from './db/open';
import { statusChangesSince, storePush } from './db/requests';
import type { HubDatabase, KioskTable } from './db/schema';
import { buildOpenApi } from './openapi';
import { CONSOLE_PREFIX, consolePlugin } from './console-api/plugin';
import type { ConsoleOptions } from './console-api/plugin';
import { DEFAULT_THRESHOLDS } from './fleet/evaluate';
import type { FleetThresholds } from './fleet/evaluate';
import { onHeartbeat } from './fleet/fleet';
import { BACKOFFICE_PREFIX, backofficePlugin } from './backoffice/routes';
import type { Backoffice } from './backoffice/service';
import { registerVerifyRoutes } from './backoffice/verify-page';
import { markDocumentCollected, pickupDocumentsSince } from './db/documents';
import { storeKioskAudit } from './db/kiosk-audit';
import { revokedCardIds } from './fleet/cards';

export type AppOptions = {
  hubDb: HubDb;
  keys: LoadedHubKeys;
  now: () => number;
  log: FastifyBaseLogger;
  /** Requests per kiosk key per window. */
  rateLimit: RateLimit;
  /** Tolerated clock difference of a signed request, either way. */
  signatureWindowMs: number;
  /** Most status changes in one pull answer. */
  pullPageSize: number;
  /** Fleet alert thresholds (default DEFAULT_THRESHOLDS). */
  thresholds?: FleetThresholds;
  /** The console (fleet dashboard) under /console; left out, it is not served. */
  console?: Omit<ConsoleOptions, 'hubDb' | 'now' | 'thresholds' | 'keys'>;
  /** The back office (under /console/api/backoffice, with the console) and the public /verify page. */
  backoffice?: { service: Backoffice; verifyRateLimit?: RateLimit };
  /** Most pickup documents in one pull answer (each up to 64 KiB): default 20. */
  pullDocumentPageSize?: number;
};

/** What a handler answers: a status, a JSON body, maybe extra headers. */
type Answer = { status: number; body: unknown; headers?: Record<string, string> };

function refusal(code: ErrorCode, message: string, headers?: Record<string, string>): Answer {
  const body: ErrorBody = { error: { code, message: message.slice(0, 1000) } };
  return { status: ERROR_HTTP_STATUS[code], body, ...(headers === undefined ? {} : { headers }) };
}

function ok<T>(body: T): Answer {
  return { status: 200, body };
}

/** Zod issues as one line for a technician: paths and messages, never values. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses the raw body as JSON against `schema`; a refusal when it is not valid UTF-8 JSON of that shape. */
function parseBody<T>(raw: unknown, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; answer: Answer } {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(raw instanceof Uint8Array ? raw : new Uint8Array(0)));
  } catch {
    return { ok: false, answer: refusal('INVALID_REQUEST', 'body is not UTF-8 JSON') };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, answer: refusal('INVALID_REQUEST', describeIssues(parsed.error)) };
  return { ok: true, value: parsed.data };
}

/** A signature header that is a well-formed 16-byte base64url value (key id, nonce). */
function wellFormedHeader(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  if (typeof value !== 'string') return null;
  try {
    fromBase64url(value, 16);
    return value;
  } catch {
    return null;
  }
}

function rawBody(request: FastifyRequest): Uint8Array | undefined {
  return request.body instanceof Uint8Array ? request.body : undefined;
}

/**
 * Parsed kiosk public keys by their raw text: parsing one costs about as much
 * as the verification. Derived from the text alone, so no hub ever needs
 * another's copy; bounded, and simply emptied when full.
 */
const publicKeys = new Map<string, KeyObject>();
const PUBLIC_KEY_CACHE = 10_000;

function publicKeyObject(raw: string): KeyObject {
  let key = publicKeys.get(raw);
  if (key === undefined) {
    key = decodeEd25519PublicKey(raw);
    if (publicKeys.size >= PUBLIC_KEY_CACHE) publicKeys.clear();
    publicKeys.set(raw, key);
  }
  return key;
}

export function buildApp(options: AppOptions): FastifyInstance {
  const { hubDb, keys, now, log, rateLimit, signatureWindowMs, pullPageSize } = options;
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  const documentPageSize = options.pullDocumentPageSize ?? 20;
  const signer = createEd25519Signer(keys.signing.privateKey);
  const openApi = JSON.stringify(buildOpenApi());

  const app = Fastify({
    loggerInstance: log,
    // Refusals and stored pushes are logged by the handlers, by id; no per-request lines.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    // On close, idle keep-alive sockets go at once; requests in flight finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // A client that trickles its request is cut off rather than holding a socket.
    requestTimeout: 30_000,
    exposeHeadRoutes: false,
  });

  // Keep every body as raw bytes: the signature covers exactly these.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('date', new Date(now()).toUTCString());
    const keyId = wellFormedHeader(request, HEADER_KEY);
    const nonce = wellFormedHeader(request, HEADER_NONCE);
    if (keyId !== null && nonce !== null && (typeof payload === 'string' || payload instanceof Uint8Array)) {
      reply.headers(
        signResponse({ status: reply.statusCode, body: payload, requestKeyId: keyId, requestNonce: nonce, signer }),
      );
    }
    done(null, payload);
  });

  function send(reply: FastifyReply, answer: Answer): FastifyReply {
    return reply
      .code(answer.status)
      .headers(answer.headers ?? {})
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(answer.body));
  }

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) return send(reply, refusal('PAYLOAD_TOO_LARGE', `body is over ${MAX_BODY_BYTES} bytes`));
    if (status >= 400 && status < 500) return send(reply, refusal('INVALID_REQUEST', error.code ?? error.message));
    request.log.error({ event: 'request.failed', err: error, route: request.routeOptions.url }, 'request failed');
    return send(reply, refusal('INTERNAL', 'the hub failed; retry later'));
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, refusal('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );

  /** Logs a refusal by code and key id (never a body), then answers it. */
  function answer(request: FastifyRequest, reply: FastifyReply, result: Answer): FastifyReply {
    if (result.status >= 400) {
      const code = (result.body as ErrorBody).error.code;
      request.log.info(
        {
          event: 'request.refused',
          code,
          route: request.routeOptions.url,
          keyId: wellFormedHeader(request, HEADER_KEY),
        },
        'request refused',
      );
    }
    return send(reply, result);
  }

  /**
   * Verifies a kiosk request (signature, key, nonce) and counts it against the
   * kiosk's rate limit, inside the request's unit.
   */
  async function authenticate(
    db: Kysely<HubDatabase>,
    request: FastifyRequest,
    at: number,
  ): Promise<{ ok: true; kiosk: KioskTable } | { ok: false; answer: Answer }> {
    let kiosk: KioskTable | undefined;
    const verified = await verifyRequest({
      method: request.method,
      path: request.raw.url ?? '',
      body: rawBody(request),
      headers: request.headers,
      now: () => at,
      windowMs: signatureWindowMs,
      publicKeyFor: async (keyId) => {
        kiosk = await kioskByKeyId(db, keyId);
        if (kiosk === undefined) return null;
        return kiosk.revoked_at === null ? publicKeyObject(kiosk.public_key) : 'revoked';
      },
      seenNonce: (keyId, nonce) => nonceSeen(db, keyId, nonce, at),
    });
    if (!verified.ok) return { ok: false, answer: refusal(verified.code, verified.message) };
    const limited = await limit(db, `kiosk:${kiosk!.id}`, at);
    return limited === null ? { ok: true, kiosk: kiosk! } : { ok: false, answer: limited };
  }

  async function limit(db: Kysely<HubDatabase>, key: string, at: number): Promise<Answer | null> {
    const taken = await takeRateLimit(db, key, rateLimit, at);
    if (taken.ok) return null;
    const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
    return refusal('RATE_LIMITED', `over ${rateLimit.max} requests per ${rateLimit.windowMs} ms`, {
      'retry-after': String(seconds),
    });
  }

  app.post(ENDPOINTS.enroll.path, async (request, reply) => {
    const result = await hubDb.write(async (db): Promise<Answer> => {
      const at = now();
      // The key to verify against comes from the body, so it is read (not trusted) first.
      const claimed = RawKeySchema.safeParse(peekJsonField(rawBody(request), 'publicKey'));
      const bodyKey = claimed.success ? claimed.data : null;
      const verified = await verifyRequest({
        method: request.method,
        path: request.raw.url ?? '',
        body: rawBody(request),
        headers: request.headers,
        now: () => at,
        windowMs: signatureWindowMs,
        publicKeyFor: async (keyId) => {
          const existing = await kioskByKeyId(db, keyId);
          if (existing !== undefined && existing.revoked_at !== null) return 'revoked';
          return bodyKey !== null && keyIdFor(bodyKey) === keyId ? bodyKey : null;
        },
        seenNonce: (keyId, nonce) => nonceSeen(db, keyId, nonce, at),
      });
      if (!verified.ok) return refusal(verified.code, verified.message);
      const limited = await limit(db, `enroll:${verified.keyId}`, at);
      if (limited !== null) return limited;
      const input = parseBody(rawBody(request), ENDPOINTS.enroll.body);
      if (!input.ok) return input.answer;
      const outcome = await enrollKiosk(
        db,
        {
          code: input.value.code,
          publicKey: input.value.publicKey,
          keyId: verified.keyId,
          softwareVersion: input.value.softwareVersion,
        },
        at,
      );
      if (!outcome.ok) return refusal(outcome.code, outcome.message);
      request.log.info({ event: 'kiosk.enrolled', kioskId: outcome.kioskId }, 'kiosk enrolled');
      return ok<EnrollResponse>({
        kioskId: outcome.kioskId,
        comune: outcome.comune,
        frazione: outcome.frazione,
        hubKeys: { signing: keys.signing.publicKey, encryption: keys.encryption.publicKey },
      });
    });
    return answer(request, reply, result);
  });

  app.post(ENDPOINTS.push.path, async (request, reply) => {
    const result = await hubDb.write(async (db): Promise<Answer> => {
      const at = now();
      const auth = await authenticate(db, request, at);
      if (!auth.ok) return auth.answer;
      const input = parseBody(rawBody(request), ENDPOINTS.push.body);
      if (!input.ok) return input.answer;
      const results = await storePush(db, hubDb.dialect, auth.kiosk, input.value.items, at);
      request.log.info(
        {
          event: 'push.stored',
          kioskId: auth.kiosk.id,
          items: results.length,
          rejected: results.filter((r) => r.status === 'rejected').length,
        },
        'push stored',
      );
      return ok<PushResponse>({ results });
    });
    return answer(request, reply, result);
  });

  app.get(ENDPOINTS.pull.path, async (request, reply) => {
    const result = await hubDb.write(async (db): Promise<Answer> => {
      const at = now();
      const auth = await authenticate(db, request, at);
      if (!auth.ok) return auth.answer;
      const query = ENDPOINTS.pull.query.safeParse({ ...(request.query as object) });
      if (!query.success) return refusal('INVALID_REQUEST', describeIssues(query.error));
      const state = query.data.cursor === undefined ? INITIAL_CURSOR : decodeCursor(query.data.cursor);
      if (state === null) return refusal('INVALID_REQUEST', 'cursor: not a cursor of this hub');
      const { kiosk } = auth;

      // Status changes and pickup documents share one seq counter: walk both in
      // seq order and stop at either page limit, so the cursor (the last seq
      // given) never steps over an item of the other list.
      const changes = await statusChangesSince(db, kiosk.id, state.seq, pullPageSize + 1);
      const documents = await pickupDocumentsSince(db, kiosk.id, state.seq, documentPageSize + 1, at);
      const page: typeof changes = [];
      const pageDocuments: typeof documents = [];
      let lastSeq = state.seq;
      let ci = 0;
      let di = 0;
      while (page.length + pageDocuments.length < pullPageSize) {
        const change = changes[ci];
        const document = documents[di];
        if (document !== undefined && (change === undefined || document.seq < change.seq)) {
          if (pageDocuments.length === documentPageSize) break;
          pageDocuments.push(document);
          lastSeq = document.seq;
          di += 1;
        } else if (change !== undefined) {
          page.push(change);
          lastSeq = change.seq;
          ci += 1;
        } else break;
      }
      const hasMore = ci < changes.length || di < documents.length;
      const versions = await catalogVersions(db, kiosk.comune_istat);
      const changed = CATALOG_NAMES.filter(
        (name) => versions[name] !== undefined && versions[name] !== state.versions[name],
      );
      const catalogs = await loadCatalogs(db, kiosk.comune_istat, changed);
      const alerts = await currentAlerts(db, kiosk.comune_istat, kiosk.frazione_code, at);
      const revokedCards = await revokedCardIds(db, kiosk.comune_istat, at);
      const cursor = encodeCursor({ seq: lastSeq, versions });
      return ok<PullResponse>({
        cursor,
        hasMore,
        statusChanges: page.map(({ seq: _seq, ...change }) => change),
        ...(changed.length > 0 ? { catalogs } : {}),
        alerts,
        documents: pageDocuments.map(({ seq: _seq, ...document }) => document),
        revokedCards,
      });
    });
    return answer(request, reply, result);
  });

  app.post(ENDPOINTS.heartbeat.path, async (request, reply) => {
    const result = await hubDb.write(async (db): Promise<Answer> => {
      const at = now();
      const auth = await authenticate(db, request, at);
      if (!auth.ok) return auth.answer;
      const input = parseBody(rawBody(request), ENDPOINTS.heartbeat.body);
      if (!input.ok) return input.answer;
      await recordHeartbeat(
        db,
        auth.kiosk.id,
        { json: JSON.stringify(input.value), appVersion: input.value.versions.app },
        at,
      );
      await onHeartbeat(db, auth.kiosk.id, input.value, at, thresholds);
      return ok<HeartbeatResponse>({ ok: true, serverTime: new Date(at).toISOString() });
    });
    return answer(request, reply, result);
  });

  // ---- pickup: collections reported by kiosks -------------------------------
  app.post(ENDPOINTS.collect.path, async (request, reply) => {
    const result = await hubDb.write(async (db): Promise<Answer> => {
      const at = now();
      const auth = await authenticate(db, request, at);
      if (!auth.ok) return auth.answer;
      const input = parseBody(rawBody(request), ENDPOINTS.collect.body);
      if (!input.ok) return input.answer;
      const results: CollectResponse['results'] = [];
      for (const item of input.value.items) {
        const outcome = await markDocumentCollected(db, auth.kiosk.id, item.documentId, Date.parse(item.collectedAt));
        results.push({ documentId: item.documentId, status: outcome === 'not-found' ? 'unknown' : 'recorded' });
      }
      request.log.info(
        {
          event: 'collect.stored',
          kioskId: auth.kiosk.id,
          items: results.length,
          unknown: results.filter((r) => r.status === 'unknown').length,
        },
        'collections stored',
      );
      return ok<CollectResponse>({ results });
    });
    return answer(request, reply, result);
  });

  // ---- technician audit logs sent by kiosks ----------------------------------
  app.post(ENDPOINTS.audit.path, async (request, reply) => {
    const result = await hubDb.write(async (db): Promise<Answer> => {
      const at = now();
      const auth = await authenticate(db, request, at);
      if (!auth.ok) return auth.answer;
      const input = parseBody(rawBody(request), ENDPOINTS.audit.body);
      if (!input.ok) return input.answer;
      const { stored, inserted } = await storeKioskAudit(db, auth.kiosk.id, input.value.items, at);
      request.log.info(
        { event: 'audit.stored', kioskId: auth.kiosk.id, items: stored.length, inserted },
        'kiosk audit stored',
      );
      return ok<AuditResponse>({ stored });
    });
    return answer(request, reply, result);
  });

  if (options.console !== undefined) {
    // Encapsulated: its own JSON parser, cookies, errors; the raw-bytes parser above stays the sync API's.
    void app.register(consolePlugin({ ...options.console, hubDb, now, thresholds, keys }), { prefix: CONSOLE_PREFIX });
  }

  if (options.backoffice !== undefined) {
    if (options.console !== undefined) {
      void app.register(
        backofficePlugin({ hubDb, now, policy: options.console.policy, backoffice: options.backoffice.service }),
        { prefix: BACKOFFICE_PREFIX },
      );
    }
    registerVerifyRoutes(app, {
      hubDb,
      now,
      ...(options.backoffice.verifyRateLimit ? { rateLimit: options.backoffice.verifyRateLimit } : {}),
    });
  }

  app.get('/openapi.json', (_request, reply) => reply.type('application/json; charset=utf-8').send(openApi));

  app.get('/healthz', async (_request, reply) => {
    await hubDb.db.selectFrom('comuni').select('istat').limit(1).execute();
    return send(reply, ok({ ok: true }));
  });

  return app;
}

/** One top-level field of a JSON body, or undefined; for choosing the key to verify an enrollment with. */
function peekJsonField(raw: Uint8Array | undefined, field: string): unknown {
  if (raw === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(utf8.decode(raw));
    return typeof json === 'object' && json !== null && Object.hasOwn(json, field)
      ? (json as Record<string, unknown>)[field]
      : undefined;
  } catch {
    return undefined;
  }
}
