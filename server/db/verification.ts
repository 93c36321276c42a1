/**
 * Verification records: what the public page at /verify/<code> tells anyone
 * holding a printed document. Type, date, issuer and whether it still holds;
 * nothing about whom it was issued to.
 */
import type { Kysely } from 'kysely';
import type { LocalizedText } from '../../sync/protocol';
import { HubError } from '../errors';
import { audit } from './comuni';
import type { HubDatabase } from './schema';

export type VerificationRecord = {
  code: string;
  documentId: string;
  comune: string;
  documentType: string;
  title: LocalizedText;
  issuer: string;
  issuedAt: string;
  revokedAt: string | null;
};

export async function insertVerificationRecord(
  db: Kysely<HubDatabase>,
  input: {
    code: string;
    documentId: string;
    comune: string;
    documentType: string;
    title: LocalizedText;
    issuer: string;
  },
  at: number,
): Promise<void> {
  await db
    .insertInto('verification_records')
    .values({
      code: input.code,
      document_id: input.documentId,
      comune_istat: input.comune,
      document_type: input.documentType,
      title_json: JSON.stringify(input.title),
      issuer: input.issuer,
      issued_at: at,
      revoked_at: null,
      revoked_by: null,
    })
    .execute();
}

/** The record of a (canonical) code, or undefined. */
export async function verificationByCode(
  db: Kysely<HubDatabase>,
  code: string,
): Promise<VerificationRecord | undefined> {
  const row = await db.selectFrom('verification_records').selectAll().where('code', '=', code).executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    code: row.code,
    documentId: row.document_id,
    comune: row.comune_istat,
    documentType: row.document_type,
    title: JSON.parse(row.title_json) as LocalizedText,
    issuer: row.issuer,
    issuedAt: new Date(row.issued_at).toISOString(),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at).toISOString(),
  };
}

/** Marks a document revoked: the verification page says so from now on. Audit-logged; revoking twice is a no-op. */
export async function revokeVerification(
  db: Kysely<HubDatabase>,
  code: string,
  userId: string,
  at: number,
): Promise<void> {
  const row = await db
    .selectFrom('verification_records')
    .select(['code', 'revoked_at', 'document_id'])
    .where('code', '=', code)
    .executeTakeFirst();
  if (row === undefined) throw new HubError('NOT_FOUND', `no document with verification code ${code}`);
  if (row.revoked_at !== null) return;
  await db
    .updateTable('verification_records')
    .set({ revoked_at: at, revoked_by: userId })
    .where('code', '=', code)
    .execute();
  await audit(db, {
    at,
    actor: `console:${userId}`,
    action: 'document.revoke',
    subject: row.document_id,
    detail: { code },
  });
}
