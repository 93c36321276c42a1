/**
 * Documents the back office issues for a request, and their pickup envelopes
 * queued for the kiosk that took the request.
 *
 * A pickup envelope takes its `seq` from the same locked counter as status
 * changes (`sequences.status_changes`), so one pull cursor position covers
 * both: seq order is commit order, and a pull that pages through status
 * changes and documents together never skips either. The ciphertext is
 * deleted (the row stays, as a record) when the kiosk reports collection or
 * when it expires.
 */
import type { Kysely } from 'kysely';
import type { LocalizedText, PickupDocument } from '../../sync/protocol';
import { audit } from './comuni';
import { insertStatusChange } from './requests';
import type { DocumentDelivery, HubDatabase } from './schema';

/** A pickup envelope waits this long at the kiosk unless the hub is told otherwise. */
export const DEFAULT_PICKUP_TTL_MS = 30 * 24 * 60 * 60_000;

/** Next value of the status-change sequence; its row stays locked until the transaction ends. */
async function nextStatusSeq(db: Kysely<HubDatabase>): Promise<number> {
  await db
    .insertInto('sequences')
    .values({ name: 'status_changes', value: 0 })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .updateTable('sequences')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', 'status_changes')
    .returning('value')
    .executeTakeFirstOrThrow();
  return row.value;
}

export type IssuedDocumentInput = {
  id: string;
  requestId: string;
  verificationCode: string;
  delivery: DocumentDelivery;
  pdf: Buffer | null;
  pdfName: string | null;
  issuedBy: string;
};

export async function insertIssuedDocument(db: Kysely<HubDatabase>, input: IssuedDocumentInput, at: number) {
  await db
    .insertInto('issued_documents')
    .values({
      id: input.id,
      request_id: input.requestId,
      verification_code: input.verificationCode,
      delivery: input.delivery,
      pdf: input.pdf,
      pdf_name: input.pdfName,
      issued_at: at,
      issued_by: input.issuedBy,
    })
    .execute();
}

/** Queues an envelope for `kioskId`'s next pull; returns its seq. */
export async function queuePickupDocument(
  db: Kysely<HubDatabase>,
  input: {
    id: string;
    requestId: string;
    kioskId: string;
    title: LocalizedText;
    envelope: Uint8Array;
    expiresAt: number;
  },
  at: number,
): Promise<number> {
  const seq = await nextStatusSeq(db);
  await db
    .insertInto('pickup_documents')
    .values({
      id: input.id,
      seq,
      request_id: input.requestId,
      kiosk_id: input.kioskId,
      title_json: JSON.stringify(input.title),
      issued_at: at,
      expires_at: input.expiresAt,
      envelope: Buffer.from(input.envelope),
      collected_at: null,
      purged_at: null,
    })
    .execute();
  return seq;
}

/**
 * A kiosk's pickup documents after `afterSeq` that still hold their
 * ciphertext and have not expired, oldest first, at most `limit`.
 */
export async function pickupDocumentsSince(
  db: Kysely<HubDatabase>,
  kioskId: string,
  afterSeq: number,
  limit: number,
  now: number,
): Promise<Array<PickupDocument & { seq: number }>> {
  const rows = await db
    .selectFrom('pickup_documents')
    .select(['id', 'seq', 'request_id', 'title_json', 'issued_at', 'expires_at', 'envelope'])
    .where('kiosk_id', '=', kioskId)
    .where('seq', '>', afterSeq)
    .where('envelope', 'is not', null)
    .where('expires_at', '>', now)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: r.seq,
    id: r.id,
    submissionId: r.request_id,
    title: JSON.parse(r.title_json) as LocalizedText,
    issuedAt: new Date(r.issued_at).toISOString(),
    expiresAt: new Date(r.expires_at).toISOString(),
    envelope: Buffer.from(r.envelope!).toString('base64url'),
  }));
}

export type CollectOutcome = 'collected' | 'already-collected' | 'not-found';

/**
 * The kiosk reports that a resident collected `documentId`: the ciphertext is
 * deleted and the request is closed (a status change its kiosk pulls).
 * Idempotent: a repeated report answers 'already-collected' and changes
 * nothing. 'not-found' for a document of another kiosk, or none.
 */
export async function markDocumentCollected(
  db: Kysely<HubDatabase>,
  kioskId: string,
  documentId: string,
  at: number,
): Promise<CollectOutcome> {
  const row = await db
    .selectFrom('pickup_documents')
    .select(['id', 'request_id', 'collected_at'])
    .where('id', '=', documentId)
    .where('kiosk_id', '=', kioskId)
    .executeTakeFirst();
  if (row === undefined) return 'not-found';
  if (row.collected_at !== null) return 'already-collected';
  await db
    .updateTable('pickup_documents')
    .set({ envelope: null, collected_at: at })
    .where('id', '=', documentId)
    .execute();
  const actor = `kiosk:${kioskId}`;
  await audit(db, {
    at,
    actor,
    action: 'document.collected',
    subject: documentId,
    detail: { request: row.request_id },
  });
  await insertStatusChange(db, { requestId: row.request_id, status: 'closed', answer: null, actor }, at);
  return 'collected';
}

/** Deletes the ciphertext of every pickup document expired at `now`; returns how many. */
export async function purgeExpiredDocuments(db: Kysely<HubDatabase>, now: number): Promise<number> {
  const result = await db
    .updateTable('pickup_documents')
    .set({ envelope: null, purged_at: now })
    .where('envelope', 'is not', null)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export type DocumentSummary = {
  id: string;
  verificationCode: string;
  delivery: DocumentDelivery;
  hasPdf: boolean;
  pdfName: string | null;
  issuedAt: string;
  issuedBy: string;
  pickup: { expiresAt: string; collectedAt: string | null; purgedAt: string | null; waiting: boolean } | null;
  revokedAt: string | null;
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The documents issued for a request, without their content. */
export async function documentsOfRequest(db: Kysely<HubDatabase>, requestId: string): Promise<DocumentSummary[]> {
  const rows = await db
    .selectFrom('issued_documents as d')
    .leftJoin('pickup_documents as p', 'p.id', 'd.id')
    .leftJoin('verification_records as v', 'v.code', 'd.verification_code')
    .leftJoin('console_users as u', 'u.id', 'd.issued_by')
    .select([
      'd.id',
      'd.verification_code',
      'd.delivery',
      'd.pdf_name',
      'd.issued_at',
      'u.login as issued_by',
      'p.expires_at',
      'p.collected_at',
      'p.purged_at',
      'p.seq',
      'v.revoked_at',
    ])
    .select((eb) => eb('d.pdf', 'is not', null).as('has_pdf'))
    .where('d.request_id', '=', requestId)
    .orderBy('d.issued_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    verificationCode: r.verification_code,
    delivery: r.delivery,
    hasPdf: Boolean(r.has_pdf),
    pdfName: r.pdf_name,
    issuedAt: new Date(r.issued_at).toISOString(),
    issuedBy: r.issued_by ?? '',
    pickup:
      r.seq === null || r.expires_at === null
        ? null
        : {
            expiresAt: new Date(r.expires_at).toISOString(),
            collectedAt: iso(r.collected_at),
            purgedAt: iso(r.purged_at),
            waiting: r.collected_at === null && r.purged_at === null,
          },
    revokedAt: iso(r.revoked_at),
  }));
}

/** The stored PDF of a document, or undefined. */
export async function documentPdf(
  db: Kysely<HubDatabase>,
  documentId: string,
): Promise<{ requestId: string; pdf: Buffer; name: string } | undefined> {
  const row = await db
    .selectFrom('issued_documents')
    .select(['request_id', 'pdf', 'pdf_name'])
    .where('id', '=', documentId)
    .executeTakeFirst();
  if (row?.pdf == null) return undefined;
  return { requestId: row.request_id, pdf: Buffer.from(row.pdf), name: row.pdf_name ?? 'documento.pdf' };
}
