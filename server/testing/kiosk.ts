/**
 * A minimal signed kiosk for tests and benchmarks of the hub, built straight
 * from sync/crypto: it signs requests, pins the hub's keys at enrollment,
 * checks every answer's signature and seals submissions. It is not the
 * kiosk's sync client (sync/client): no queue, no retries, no backoff, and
 * it lets a test break any part of a request on purpose.
 */
import { generateKeyPairSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { createEd25519Signer, keyIdFor } from '../../sync/crypto/keys';
import { seal } from '../../sync/crypto/seal';
import { HEADER_KEY, HEADER_NONCE, signRequest, verifyResponse } from '../../sync/crypto/sign';
import type { RequestSignatureHeaders, RequestSigner } from '../../sync/crypto/sign';
import {
  ENDPOINTS,
  EnrollResponseSchema,
  ErrorBodySchema,
  HeartbeatResponseSchema,
  PullResponseSchema,
  PushResponseSchema,
} from '../../sync/protocol';
import type {
  EnrollResponse,
  ErrorCode,
  HeartbeatRequest,
  HeartbeatResponse,
  PullResponse,
  PushItem,
  PushResponse,
} from '../../sync/protocol';

export type KioskKey = RequestSigner & { publicKey: string };

/** A fresh Ed25519 kiosk key, in memory. */
export function newKioskKey(): KioskKey {
  const signer = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);
  return { kioskKeyId: keyIdFor(signer.publicKey), publicKey: signer.publicKey, sign: signer.sign };
}

export type CallOptions = {
  /** Clock of this request's timestamp (default: the kiosk's). */
  now?: () => number;
  /** Send without signature headers. */
  unsigned?: boolean;
  /** Rewrites the signed headers before sending (to tamper, drop or replay them). */
  headers?: (signed: RequestSignatureHeaders) => Record<string, string>;
  /** Bytes sent instead of the signed body (a tampered body). */
  sendBody?: string | Uint8Array;
  /** Extra headers (content-type, content-length games). */
  extraHeaders?: Record<string, string>;
};

export type CallResult = {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
  /** The headers that were signed and sent, for replaying them. */
  sent: { headers: Record<string, string>; body: string | Uint8Array | undefined; path: string; method: string };
  /** Whether the answer carries a valid hub signature bound to this request (null before enrollment). */
  signedByHub: boolean | null;
};

export class HubCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'HubCallError';
  }
}

export class TestKiosk {
  /** The hub's answer to enrollment, with the keys this kiosk pinned. */
  enrollment: EnrollResponse | null = null;
  readonly key: KioskKey;
  private readonly base: () => string;
  private readonly now: () => number;

  /** `hub` is the base URL, or a function picking one per request (a round-robin over hub processes). */
  constructor(hub: string | (() => string), options: { key?: KioskKey; now?: () => number } = {}) {
    this.base = typeof hub === 'string' ? () => hub : hub;
    this.key = options.key ?? newKioskKey();
    this.now = options.now ?? Date.now;
  }

  /** Sends one request, signed unless told otherwise; never throws on an HTTP status. */
  async call(method: 'GET' | 'POST', path: string, body?: unknown, options: CallOptions = {}): Promise<CallResult> {
    const bytes =
      body === undefined
        ? undefined
        : typeof body === 'string' || body instanceof Uint8Array
          ? body
          : JSON.stringify(body);
    const signed = signRequest({ method, path, body: bytes, identity: this.key, now: options.now ?? this.now });
    let headers: Record<string, string> = options.unsigned ? {} : { ...signed };
    if (options.headers) headers = options.headers(signed);
    if (bytes !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, options.extraHeaders);
    const sendBody = options.sendBody ?? bytes;
    const response = await fetch(this.base() + path, {
      method,
      headers,
      ...(sendBody === undefined ? {} : { body: typeof sendBody === 'string' ? sendBody : new Uint8Array(sendBody) }),
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: the test looks at `text`
    }
    let signedByHub: boolean | null = null;
    if (this.enrollment !== null && headers[HEADER_KEY] && headers[HEADER_NONCE]) {
      signedByHub = verifyResponse({
        status: response.status,
        body: text,
        headers: response.headers,
        requestKeyId: headers[HEADER_KEY],
        requestNonce: headers[HEADER_NONCE],
        hubPublicKey: this.enrollment.hubKeys.signing,
      }).ok;
    }
    return {
      status: response.status,
      headers: response.headers,
      text,
      json,
      sent: { headers, body: sendBody, path, method },
      signedByHub,
    };
  }

  /** Replays a request exactly as it was sent before. */
  async replay(sent: CallResult['sent']): Promise<CallResult> {
    return this.call(sent.method as 'GET' | 'POST', sent.path, sent.body, { headers: () => ({ ...sent.headers }) });
  }

  private expectOk<T>(result: CallResult, schema: { parse(value: unknown): T }): T {
    if (result.status !== 200) {
      const error = ErrorBodySchema.safeParse(result.json);
      throw new HubCallError(
        result.status,
        error.success ? error.data.error.code : undefined,
        `hub answered ${result.status}: ${result.text.slice(0, 300)}`,
      );
    }
    if (result.signedByHub === false) throw new Error('hub answer does not carry a valid hub signature');
    return schema.parse(result.json);
  }

  async enroll(code: string, softwareVersion = '0.1.0'): Promise<EnrollResponse> {
    const result = await this.call('POST', ENDPOINTS.enroll.path, {
      code,
      publicKey: this.key.publicKey,
      softwareVersion,
    });
    const enrollment = this.expectOk(result, EnrollResponseSchema);
    this.enrollment = enrollment;
    // Now that the hub key is pinned, the enrollment answer itself must verify.
    const again = verifyResponse({
      status: result.status,
      body: result.text,
      headers: result.headers,
      requestKeyId: result.sent.headers[HEADER_KEY]!,
      requestNonce: result.sent.headers[HEADER_NONCE]!,
      hubPublicKey: enrollment.hubKeys.signing,
    });
    if (!again.ok) throw new Error(`enrollment answer not signed by the hub key it names: ${again.message}`);
    return enrollment;
  }

  async push(items: PushItem[]): Promise<PushResponse> {
    return this.expectOk(await this.call('POST', ENDPOINTS.push.path, { items }), PushResponseSchema);
  }

  async pull(cursor?: string): Promise<PullResponse> {
    const path = cursor === undefined ? ENDPOINTS.pull.path : `${ENDPOINTS.pull.path}?cursor=${cursor}`;
    return this.expectOk(await this.call('GET', path), PullResponseSchema);
  }

  async heartbeat(body: HeartbeatRequest = sampleHeartbeat()): Promise<HeartbeatResponse> {
    return this.expectOk(await this.call('POST', ENDPOINTS.heartbeat.path, body), HeartbeatResponseSchema);
  }

  /** A submission of this kiosk's frazione, its personal data sealed to the pinned hub key. */
  async item(overrides: Partial<PushItem> & { sealTo?: string; plaintext?: string } = {}): Promise<PushItem> {
    if (this.enrollment === null) throw new Error('enroll first');
    const { sealTo, plaintext, ...fields } = overrides;
    const id = fields.id ?? uuidv7();
    const sealed = await seal(
      sealTo ?? this.enrollment.hubKeys.encryption,
      new TextEncoder().encode(plaintext ?? JSON.stringify({ codiceFiscale: 'RSSMRA80A01C240X', nome: 'Mario Rossi' })),
      id,
    );
    return {
      id,
      kind: 'certificate',
      service: 'residenza',
      locale: 'it',
      frazione: this.enrollment.frazione.code,
      createdAt: new Date(this.now()).toISOString(),
      sealed: Buffer.from(sealed).toString('base64url'),
      ...fields,
    };
  }
}

export function sampleHeartbeat(overrides: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return {
    devices: [
      { device: 'printer', state: 'warning', code: 'PAPER_LOW' },
      { device: 'barcode', state: 'ok', code: null },
    ],
    queueDepth: 2,
    oldestQueuedAgeMs: 65_000,
    versions: { app: '0.1.0', catalogs: { catalog: 'sha256-x' } },
    uptimeS: 3600,
    ...overrides,
  };
}
