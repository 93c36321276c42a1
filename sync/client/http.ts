/**
 * One signed call to the hub: sign (sync/crypto/sign), send with a timeout,
 * verify the answer's signature against the pinned hub key, then parse it
 * with the protocol's schema. Every failure comes out as a `SyncError` whose
 * code says what the caller should do (errors.ts).
 */
import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import type { RequestSigner } from '../crypto/sign';
import { signRequest, verifyResponse } from '../crypto/sign';
import { ERROR_HTTP_STATUS, ErrorBodySchema } from '../protocol/errors';
import { SyncError } from './errors';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;
export type TimerHandle = unknown;
/** Injected timers (STYLE.md 14): the fetch timeout and the client's schedule run on them. */
export type Timers = {
  setTimer: (fn: () => void, ms: number) => TimerHandle;
  clearTimer: (handle: TimerHandle) => void;
};

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export type Transport = {
  /** Base URL of the hub; a path prefix (`https://host/sportello`) is kept and signed. */
  hubUrl: string;
  identity: RequestSigner;
  fetch: FetchLike;
  /** Epoch ms for request timestamps: the kiosk's clock corrected by the hub's. */
  now: () => number;
  timers: Timers;
  timeoutMs: number;
  /** Nonce bytes; node:crypto when absent. */
  randomBytes?: (size: number) => Uint8Array;
};

export type Call = {
  method: 'GET' | 'POST';
  /** Endpoint path with its query, as in ENDPOINTS (`/v1/pull?cursor=…`). */
  path: string;
  /** The exact JSON text sent (and signed). */
  body?: string;
  /** Aborts the call (the client is stopping): fails with STOPPED. */
  signal?: AbortSignal;
};

/** A raw answer, before anything in it is trusted. */
export type Answer = {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** Key id and nonce of the request, which the answer's signature is bound to. */
  keyId: string;
  nonce: string;
};

function basePath(hubUrl: string): { origin: string; prefix: string } {
  const url = new URL(hubUrl);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

/** Sends one signed request and reads the whole answer, within `timeoutMs`. */
export async function exchange(transport: Transport, call: Call): Promise<Answer> {
  const { origin, prefix } = basePath(transport.hubUrl);
  const path = prefix + call.path;
  const signature = signRequest({
    method: call.method,
    path,
    body: call.body,
    identity: transport.identity,
    now: transport.now,
    ...(transport.randomBytes ? { random: transport.randomBytes } : {}),
  });

  const controller = new AbortController();
  let why: 'timeout' | 'stopped' | null = null;
  const timer = transport.timers.setTimer(() => {
    why = 'timeout';
    controller.abort();
  }, transport.timeoutMs);
  const onStop = () => {
    why ??= 'stopped';
    controller.abort();
  };
  if (call.signal?.aborted) onStop();
  call.signal?.addEventListener('abort', onStop);
  try {
    const headers: Record<string, string> = { ...signature, accept: 'application/json' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const response = await transport.fetch(origin + path, {
      method: call.method,
      headers,
      ...(call.body !== undefined ? { body: call.body } : {}),
      signal: controller.signal,
      redirect: 'error', // a redirect would change the signed path
    });
    const body = new Uint8Array(await response.arrayBuffer());
    return {
      status: response.status,
      headers: response.headers,
      body,
      keyId: signature['x-sportello-key'],
      nonce: signature['x-sportello-nonce'],
    };
  } catch (cause) {
    if (why === 'timeout') {
      throw new SyncError('HUB_TIMEOUT', `no answer from the hub within ${transport.timeoutMs} ms`, { cause });
    }
    if (why === 'stopped') throw new SyncError('STOPPED', 'the sync client was stopped', { cause });
    throw new SyncError('HUB_UNREACHABLE', `hub unreachable: ${describe(cause)}`, { cause });
  } finally {
    transport.timers.clearTimer(timer);
    call.signal?.removeEventListener('abort', onStop);
  }
}

/** Error text without anything of the request in it: the cause's code and message. */
function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause;
  if (inner instanceof Error) {
    const code = 'code' in inner && typeof inner.code === 'string' ? `${inner.code} ` : '';
    return `${code}${inner.message}`.slice(0, 200);
  }
  return cause.message.slice(0, 200);
}

/** The body as JSON, or undefined when it is not JSON. */
export function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function retryAfterMs(headers: Headers, now: number): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function serverTimeMs(headers: Headers): number | undefined {
  const value = headers.get('date');
  const at = value === null ? NaN : Date.parse(value);
  return Number.isFinite(at) ? at : undefined;
}

/**
 * Checks the answer's signature against `hubSigningKey` and returns the body
 * parsed by `schema`, or throws the SyncError the answer amounts to.
 *
 * An unsigned 5xx/429 is taken as what it says, a transient failure (a proxy
 * in front of the hub answers those without our signature); nothing else of
 * an answer is believed unless the pinned key signed it.
 */
export function interpret<S extends z.ZodType>(
  answer: Answer,
  hubSigningKey: string | KeyObject,
  schema: S,
  now: () => number,
): z.infer<S> {
  const { status, headers, body } = answer;
  const timing = {
    status,
    ...optional('retryAfterMs', retryAfterMs(headers, now())),
    ...optional('serverTimeMs', serverTimeMs(headers)),
  };
  const verdict = verifyResponse({
    status,
    body,
    headers,
    requestKeyId: answer.keyId,
    requestNonce: answer.nonce,
    hubPublicKey: hubSigningKey,
  });
  if (!verdict.ok) {
    const transient = status >= 500 || status === 429;
    if (verdict.code === 'UNSIGNED' && transient) {
      throw new SyncError(status === 429 ? 'RATE_LIMITED' : 'HUB_ERROR', `hub answered ${status} (unsigned)`, timing);
    }
    if (verdict.code === 'BAD_DIGEST') {
      throw new SyncError('BAD_RESPONSE', `answer ${status}: ${verdict.message}`, timing);
    }
    throw new SyncError('HUB_KEY_MISMATCH', `answer ${status} refused: ${verdict.message}`, timing);
  }

  const json = parseJson(body);
  if (status >= 200 && status < 300) {
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
      throw new SyncError('BAD_RESPONSE', `answer ${status} does not match the protocol at ${where}`, timing);
    }
    return parsed.data;
  }
  throw errorFromAnswer(status, json, timing);
}

/** The SyncError for a non-2xx answer (its signature already checked, or unsignable). */
export function errorFromAnswer(status: number, json: unknown, details: { status: number }): SyncError {
  const parsed = ErrorBodySchema.safeParse(json);
  if (parsed.success) {
    const { code, message } = parsed.data.error;
    return new SyncError(code, `hub refused (${status} ${code}): ${message.slice(0, 300)}`, details);
  }
  if (status === ERROR_HTTP_STATUS.RATE_LIMITED) return new SyncError('RATE_LIMITED', 'hub answered 429', details);
  if (status >= 500) return new SyncError('HUB_ERROR', `hub answered ${status}`, details);
  return new SyncError('BAD_RESPONSE', `hub answered ${status} without a protocol error body`, details);
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
