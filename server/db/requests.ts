/**
 * Requests pushed by kiosks: stored once per id with a gapless protocol number,
 * and the status changes the back office makes to them afterwards.
 *
 * Gapless numbers: the comune's counter row for the year is locked first
 * (`SELECT … FOR UPDATE` on PostgreSQL; SQLite has one writer at a time), then
 * each new request is inserted with the next number and the counter moves only
 * past numbers actually inserted, all in one transaction, so a rollback takes
 * back the number with the row. Idempotency: the request id is the primary
 * key, inserted conflict-free (`ON CONFLICT DO NOTHING`); whoever loses a race
 * reads the winner's row and answers with it.
 */
import { createHash } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type {
  ItemRejectionCode,
  PushItem,
  PushItemResult,
  StatusChange,
  SubmissionKind,
  SubmissionStatus,
} from '../../sync/protocol';
import { SubmissionStatusSchema, UuidV7Schema } from '../../sync/protocol';
import { envelopeRecipient } from '../../sync/crypto/seal';
import { HubError } from '../errors';
import { audit } from './comuni';
import { heldRecipientIds } from './keys';
import type { HubDialect } from './migrations';
import type { HubDatabase, KioskTable, RequestStatus, RequestTable } from './schema';

const ROME_YEAR = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Rome', year: 'numeric' });

/** The protocol year of an instant: the calendar year in Italy, not in UTC. */
export function protocolYear(ms: number): number {
  return Number(ROME_YEAR.format(ms));
}

/** `C240-2026-000123`: codice catastale, year, number within the year. */
export function formatProtocolNumber(catastale: string, year: number, n: number): string {
  return `${catastale}-${year}-${String(n).padStart(6, '0')}`;
}

/** What a retry must repeat exactly; a different item under a stored id is an ID_CONFLICT. */
function itemDigest(item: PushItem): string {
  const fields = [item.id, item.kind, item.service, item.locale, item.frazione, item.createdAt, item.sealed];
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url');
}

type StoredAnswer = Pick<
  RequestTable,
  'kiosk_id' | 'item_digest' | 'status' | 'protocol_number' | 'received_at' | 'rejection_code' | 'rejection_reason'
>;

function rejected(id: string, code: ItemRejectionCode, reason: string): PushItemResult {
  return { id, status: 'rejected', code, reason };
}

/** The first answer to an id, as every retry of it gets it. */
function answerFor(id: string, stored: StoredAnswer, kioskId: string, digest: string): PushItemResult {
  if (stored.kiosk_id !== kioskId) return rejected(id, 'ID_CONFLICT', 'id already used by another kiosk');
  if (stored.item_digest !== digest) return rejected(id, 'ID_CONFLICT', 'id already stored with different content');
  if (stored.status === 'rejected') {
    return rejected(
      id,
      (stored.rejection_code ?? 'CONTENT_INVALID') as ItemRejectionCode,
      stored.rejection_reason ?? '',
    );
  }
  return {
    id,
    status: 'accepted',
    protocolNumber: stored.protocol_number ?? '',
    acceptedAt: new Date(stored.received_at).toISOString(),
  };
}

/** Service codes per kind from a published catalog body; null when there is none (then any code goes). */
function knownServices(catalogJson: string | null): Map<SubmissionKind, Set<string>> | null {
  if (catalogJson === null) return null;
  const body = JSON.parse(catalogJson) as {
    services: Array<{ code: string; kind: SubmissionKind }>;
    certificateTypes: Array<{ code: string }>;
  };
  const byKind = new Map<SubmissionKind, Set<string>>();
  const add = (kind: SubmissionKind, code: string) => byKind.set(kind, (byKind.get(kind) ?? new Set()).add(code));
  for (const s of body.services) add(s.kind, s.code);
  for (const c of body.certificateTypes) add('certificate', c.code);
  return byKind;
}

/**
 * Why an item cannot be accepted, checked without opening the envelope (the
 * push path never decrypts); null when it can. A service merely disabled
 * since the kiosk took the request is still accepted: the resident was told so.
 */
function rejectionOf(
  item: PushItem,
  kiosk: KioskTable,
  recipients: Set<string>,
  services: Map<SubmissionKind, Set<string>> | null,
): { code: ItemRejectionCode; reason: string } | null {
  if (item.frazione !== kiosk.frazione_code) {
    return { code: 'FRAZIONE_MISMATCH', reason: `kiosk is enrolled in ${kiosk.frazione_code}` };
  }
  let recipient: string;
  try {
    recipient = envelopeRecipient(Buffer.from(item.sealed, 'base64url'));
  } catch {
    return { code: 'SEAL_INVALID', reason: 'not a sealed envelope of a known version' };
  }
  if (!recipients.has(recipient)) {
    return { code: 'SEAL_INVALID', reason: `sealed to key ${recipient}, which this hub does not hold` };
  }
  if (services !== null && !services.get(item.kind)?.has(item.service)) {
    return { code: 'UNKNOWN_SERVICE', reason: `no ${item.kind} service ${item.service} in the catalog` };
  }
  return null;
}

/** Locks the comune's counter for `year` (creating it at 0) and returns its last number. */
async function lockCounter(db: Kysely<HubDatabase>, dialect: HubDialect, istat: string, year: number): Promise<number> {
  const select = () => {
    const query = db
      .selectFrom('protocol_counters')
      .select('last')
      .where('comune_istat', '=', istat)
      .where('year', '=', year);
    return (dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
  };
  const existing = await select();
  if (existing !== undefined) return existing.last;
  // First request of the year: two hubs may get here at once; the insert is conflict-free.
  await db
    .insertInto('protocol_counters')
    .values({ comune_istat: istat, year, last: 0 })
    .onConflict((oc) => oc.columns(['comune_istat', 'year']).doNothing())
    .execute();
  return (await select())!.last;
}

/** Thrown when an id was stored by a concurrent transaction between our check and our insert. */
export class PushRaceError extends Error {
  /** The write path runs the unit again; the second run answers the id with ID_CONFLICT. */
  readonly retryable = true;
  constructor() {
    super("a pushed id was stored concurrently by another comune's kiosk; retry");
    this.name = 'PushRaceError';
  }
}

/**
 * Stores a batch from `kiosk` and answers one result per item, in order. Run
 * inside one write unit: the numbers it allocates commit with the rows. A
 * constant number of statements per batch, whatever its size.
 */
export async function storePush(
  db: Kysely<HubDatabase>,
  dialect: HubDialect,
  kiosk: KioskTable,
  items: readonly PushItem[],
  now: number,
): Promise<PushItemResult[]> {
  const year = protocolYear(now);
  // The lock comes first: every read below then sees all that earlier holders committed.
  const first = await lockCounter(db, dialect, kiosk.comune_istat, year);
  const comune = await db
    .selectFrom('comuni')
    .leftJoin('catalogs', (join) =>
      join.onRef('catalogs.comune_istat', '=', 'comuni.istat').on('catalogs.name', '=', 'catalog'),
    )
    .select(['comuni.catastale', 'catalogs.body as catalog'])
    .where('comuni.istat', '=', kiosk.comune_istat)
    .executeTakeFirstOrThrow();
  const services = knownServices(comune.catalog);
  const recipients = await heldRecipientIds(db);
  const stored = new Map(
    (
      await db
        .selectFrom('requests')
        .select([
          'id',
          'kiosk_id',
          'item_digest',
          'status',
          'protocol_number',
          'received_at',
          'rejection_code',
          'rejection_reason',
        ])
        .where(
          'id',
          'in',
          items.map((i) => i.id),
        )
        .execute()
    ).map((row) => [row.id, row]),
  );

  let last = first;
  const rows: Insertable<RequestTable>[] = [];
  const results = items.map((item): PushItemResult => {
    const digest = itemDigest(item);
    const previous = stored.get(item.id);
    if (previous !== undefined) return answerFor(item.id, previous, kiosk.id, digest);
    const rejection = rejectionOf(item, kiosk, recipients, services);
    const base = {
      id: item.id,
      kiosk_id: kiosk.id,
      comune_istat: kiosk.comune_istat,
      kind: item.kind,
      service: item.service,
      public_json: JSON.stringify({ locale: item.locale, frazione: item.frazione, createdAt: item.createdAt }),
      item_digest: digest,
      received_at: now,
      answer: null,
      status_at: now,
    };
    // A rejection is stored too (without the envelope), so a retry gets the same answer.
    const row =
      rejection === null
        ? {
            ...base,
            sealed: Buffer.from(item.sealed, 'base64url'),
            protocol_number: formatProtocolNumber(comune.catastale, year, (last += 1)),
            status: 'accepted' as const,
            rejection_code: null,
            rejection_reason: null,
          }
        : {
            ...base,
            sealed: null,
            protocol_number: null,
            status: 'rejected' as const,
            rejection_code: rejection.code,
            rejection_reason: rejection.reason,
          };
    rows.push(row);
    return answerFor(item.id, row, kiosk.id, digest);
  });

  if (rows.length > 0) {
    const inserted = await db
      .insertInto('requests')
      .values(rows)
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute();
    // Only a kiosk of another comune (not behind our lock) can have taken an id
    // since we looked; roll everything back rather than leave a numbering gap.
    if (inserted.length !== rows.length) throw new PushRaceError();
  }
  if (last !== first) {
    await db
      .updateTable('protocol_counters')
      .set({ last })
      .where('comune_istat', '=', kiosk.comune_istat)
      .where('year', '=', year)
      .execute();
  }
  return results;
}

/** Next value of a named gapless counter; the row stays locked until the transaction ends. */
async function nextSequence(db: Kysely<HubDatabase>, name: string): Promise<number> {
  await db
    .insertInto('sequences')
    .values({ name, value: 0 })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .updateTable('sequences')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', name)
    .returning('value')
    .executeTakeFirstOrThrow();
  return row.value;
}

/**
 * Records a back-office status change of an accepted request; the kiosk that
 * sent it sees it on its next pull. `answer` is shown at the kiosk to whoever
 * has the receipt code: no personal data.
 */
export async function insertStatusChange(
  db: Kysely<HubDatabase>,
  input: { requestId: string; status: SubmissionStatus; answer?: string | null; actor: string },
  now: number,
): Promise<{ seq: number }> {
  const requestId = UuidV7Schema.safeParse(input.requestId);
  const status = SubmissionStatusSchema.safeParse(input.status);
  if (!requestId.success) throw new HubError('INVALID_INPUT', 'request id is not a UUIDv7');
  if (!status.success) throw new HubError('INVALID_INPUT', `unknown status ${String(input.status)}`);
  const answer = input.answer ?? null;
  if (answer !== null && answer.length > 4000) throw new HubError('INVALID_INPUT', 'answer is over 4000 characters');
  const request = await db
    .selectFrom('requests')
    .select(['id', 'kiosk_id', 'status'])
    .where('id', '=', requestId.data)
    .executeTakeFirst();
  if (request === undefined) throw new HubError('NOT_FOUND', `no request ${requestId.data}`);
  if (request.status === 'rejected') throw new HubError('INVALID_STATE', `request ${request.id} was rejected`);
  // The sequence is allocated under a row lock held until commit, so seq
  // order is commit order and a pull cursor never steps over a late commit.
  const seq = await nextSequence(db, 'status_changes');
  await db
    .insertInto('status_changes')
    .values({ seq, request_id: request.id, kiosk_id: request.kiosk_id, status: status.data, answer, at: now })
    .execute();
  await db
    .updateTable('requests')
    .set({ status: status.data, answer, status_at: now })
    .where('id', '=', request.id)
    .execute();
  await audit(db, {
    at: now,
    actor: input.actor,
    action: 'request.status',
    subject: request.id,
    detail: { status: status.data, seq },
  });
  return { seq };
}

/** A kiosk's status changes after `afterSeq`, oldest first, at most `limit`. */
export async function statusChangesSince(
  db: Kysely<HubDatabase>,
  kioskId: string,
  afterSeq: number,
  limit: number,
): Promise<Array<StatusChange & { seq: number }>> {
  const rows = await db
    .selectFrom('status_changes')
    .select(['seq', 'request_id', 'status', 'answer', 'at'])
    .where('kiosk_id', '=', kioskId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: r.seq,
    submissionId: r.request_id,
    status: r.status as SubmissionStatus,
    answer: r.answer,
    at: new Date(r.at).toISOString(),
  }));
}

/** A stored request without its sealed personal data. */
export type RequestSummary = {
  id: string;
  kioskId: string;
  comune: string;
  frazione: string;
  kind: string;
  service: string;
  locale: string;
  createdAt: string;
  receivedAt: string;
  status: RequestStatus;
  protocolNumber: string | null;
  rejection: { code: string; reason: string } | null;
  answer: string | null;
  statusAt: string;
};

/** Every stored request, oldest first, without sealed data. */
export async function listRequests(db: Kysely<HubDatabase>): Promise<RequestSummary[]> {
  const rows = await db
    .selectFrom('requests')
    .select([
      'id',
      'kiosk_id',
      'comune_istat',
      'kind',
      'service',
      'public_json',
      'received_at',
      'status',
      'protocol_number',
      'rejection_code',
      'rejection_reason',
      'answer',
      'status_at',
    ])
    .orderBy('received_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => {
    const pub = JSON.parse(r.public_json) as { locale: string; frazione: string; createdAt: string };
    return {
      id: r.id,
      kioskId: r.kiosk_id,
      comune: r.comune_istat,
      frazione: pub.frazione,
      kind: r.kind,
      service: r.service,
      locale: pub.locale,
      createdAt: pub.createdAt,
      receivedAt: new Date(r.received_at).toISOString(),
      status: r.status,
      protocolNumber: r.protocol_number,
      rejection: r.rejection_code === null ? null : { code: r.rejection_code, reason: r.rejection_reason ?? '' },
      answer: r.answer,
      statusAt: new Date(r.status_at).toISOString(),
    };
  });
}
