/**
 * Enrollment (issue 4, item 3, the kiosk's side): the technician types the
 * one-time code made at the hub; the kiosk sends its public key signed with
 * its own identity, and pins the hub keys from the answer in the kiosk store.
 *
 * Trust: the answer is checked against the signing key it carries. That
 * proves only that whoever answered holds that key; the reason to believe it
 * is the hub's is that the code came out of band and the channel is TLS (see
 * sync/protocol/enroll). From then on the pinned key is the only one the
 * client believes (HUB_KEY_MISMATCH otherwise).
 */
import type { Database } from 'better-sqlite3';
import type { RequestSigner } from '../crypto/sign';
import { verifyResponse } from '../crypto/sign';
import { ENDPOINTS } from '../protocol/endpoints';
import { EnrollRequestSchema, EnrollmentCodeSchema } from '../protocol/enroll';
import { loadEnrollment, saveEnrollment } from './enrollment';
import type { Enrollment } from './enrollment';
import { SyncError } from './errors';
import { DEFAULT_REQUEST_TIMEOUT_MS, errorFromAnswer, exchange, parseJson } from './http';
import type { Answer, FetchLike, Timers } from './http';
import type { SyncLogger } from './log';
import { silentLogger } from './log';

export type EnrollOptions = {
  hubUrl: string;
  /** The one-time code as the technician typed it. */
  code: string;
  /** The kiosk identity (sync/crypto/identity `loadOrCreateIdentity`). */
  identity: RequestSigner & { publicKey: string };
  softwareVersion: string;
  /** The kiosk store: the enrollment and the hub keys are pinned there. */
  db: Database;
  fetch?: FetchLike;
  now?: () => number;
  timers?: Timers;
  timeoutMs?: number;
  log?: SyncLogger;
};

const systemTimers: Timers = {
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Enrolls this kiosk at the hub with a one-time code and pins the hub's keys
 * in the store. Throws SyncError: ENROLLMENT_CODE_INVALID (unknown, used or
 * expired code, or not shaped like one), HUB_UNREACHABLE / HUB_TIMEOUT,
 * HUB_KEY_MISMATCH (the answer is not signed by the key it names),
 * BAD_RESPONSE, or another protocol code.
 */
export async function enroll(options: EnrollOptions): Promise<Enrollment> {
  const now = options.now ?? Date.now;
  const log = options.log ?? silentLogger;
  if (!EnrollmentCodeSchema.safeParse(options.code).success) {
    throw new SyncError('ENROLLMENT_CODE_INVALID', 'the enrollment code is not shaped like one');
  }
  const request = EnrollRequestSchema.safeParse({
    code: options.code,
    publicKey: options.identity.publicKey,
    softwareVersion: options.softwareVersion,
  });
  if (!request.success) {
    const where = request.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new SyncError('INVALID_REQUEST', `enrollment request is invalid at ${where}`);
  }
  const body = JSON.stringify(request.data);
  const { method, path, response: schema } = ENDPOINTS.enroll;
  // A kiosk's clock may be far off when it is first set up: a STALE_TIMESTAMP
  // answer is retried once with the clock of its Date header.
  let offsetMs = 0;
  let answer: Answer;
  let json: unknown;
  for (let attempt = 0; ; attempt += 1) {
    answer = await exchange(
      {
        hubUrl: options.hubUrl,
        identity: options.identity,
        fetch: options.fetch ?? ((input, init) => fetch(input, init)),
        now: () => now() + offsetMs,
        timers: options.timers ?? systemTimers,
        timeoutMs: options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      },
      { method, path, body },
    );
    json = parseJson(answer.body);
    if (answer.status === 200) break;
    // Nothing to pin and nothing to believe beyond "it did not work".
    const error = errorFromAnswer(answer.status, json, { status: answer.status });
    const serverTime = Date.parse(answer.headers.get('date') ?? '');
    if (attempt === 0 && error.code === 'STALE_TIMESTAMP' && Number.isFinite(serverTime)) {
      offsetMs = serverTime - now();
      log.warn({ event: 'enroll.clockCorrected', offsetMs }, 'kiosk clock is off the hub clock');
      continue;
    }
    log.warn({ event: 'enroll.refused', code: error.code, status: answer.status }, 'enrollment refused');
    throw error;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new SyncError('BAD_RESPONSE', 'enrollment answer does not match the protocol');
  const { kioskId, comune, frazione, hubKeys } = parsed.data;
  const verdict = verifyResponse({
    status: answer.status,
    body: answer.body,
    headers: answer.headers,
    requestKeyId: answer.keyId,
    requestNonce: answer.nonce,
    hubPublicKey: hubKeys.signing,
  });
  if (!verdict.ok) {
    throw new SyncError(
      'HUB_KEY_MISMATCH',
      `enrollment answer is not signed by the hub key it names: ${verdict.message}`,
    );
  }

  const enrollment: Enrollment = {
    kioskId,
    comune: { istat: comune.istat, name: comune.name },
    frazione: { code: frazione.code, name: frazione.name },
    hubSigningKey: hubKeys.signing,
    hubEncryptionKey: hubKeys.encryption,
  };
  const previous = loadEnrollment(options.db);
  if (previous !== null && previous.hubSigningKey !== enrollment.hubSigningKey) {
    log.warn({ event: 'enroll.hubKeyChanged', kioskId }, 're-enrolled with a different hub signing key');
  }
  saveEnrollment(options.db, enrollment, { kioskKeyId: options.identity.kioskKeyId, now: new Date(now()) });
  log.info(
    { event: 'enroll.done', kioskId, comune: comune.istat, frazione: frazione.code },
    'kiosk enrolled, hub keys pinned',
  );
  return enrollment;
}
