/**
 * The e-mail outbox: what the hub's mailer must tell residents. Rows hold ids,
 * the status and the clerk's (non-personal) answer; the address stays inside
 * the request's sealed envelope and is read only when the mail is sent.
 */
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { HubDatabase, MailOutboxTable } from './schema';

export const MAIL_MAX_ATTEMPTS = 8;
/** A claim lasts this long: a mailer that dies mid-send frees its rows for another. */
export const MAIL_CLAIM_MS = 2 * 60_000;
/** Sent and abandoned rows are deleted after this long. */
export const MAIL_KEEP_MS = 30 * 24 * 60 * 60_000;

export async function queueMail(
  db: Kysely<HubDatabase>,
  input: { requestId: string; kind: 'status' | 'document'; status: string; answer: string | null; documentId?: string },
  at: number,
): Promise<string> {
  const id = uuidv7({ msecs: at });
  await db
    .insertInto('mail_outbox')
    .values({
      id,
      request_id: input.requestId,
      kind: input.kind,
      status: input.status,
      answer: input.answer,
      document_id: input.documentId ?? null,
      created_at: at,
      state: 'pending',
      attempts: 0,
      claimed_until: null,
      next_attempt_at: at,
      sent_at: null,
      last_error: null,
    })
    .execute();
  return id;
}

/**
 * Claims up to `limit` pending rows due at `now` for this mailer, oldest
 * first. A row claimed by another mailer whose claim has not run out is
 * skipped; the claim is a conditional update, so two hubs never both win it.
 */
export async function claimMail(db: Kysely<HubDatabase>, now: number, limit: number): Promise<MailOutboxTable[]> {
  const candidates = await db
    .selectFrom('mail_outbox')
    .selectAll()
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  const claimed: MailOutboxTable[] = [];
  for (const row of candidates) {
    const result = await db
      .updateTable('mail_outbox')
      .set({ claimed_until: now + MAIL_CLAIM_MS })
      .where('id', '=', row.id)
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) claimed.push(row);
  }
  return claimed;
}

/** Records the outcome of one attempt: sent, nothing to send to, or a failure retried with backoff. */
export async function settleMail(
  db: Kysely<HubDatabase>,
  id: string,
  outcome: { state: 'sent' | 'no-address' } | { state: 'error'; code: string; attempts: number },
  now: number,
): Promise<void> {
  if (outcome.state !== 'error') {
    await db
      .updateTable('mail_outbox')
      .set({ state: outcome.state, sent_at: outcome.state === 'sent' ? now : null, claimed_until: null })
      .where('id', '=', id)
      .execute();
    return;
  }
  const attempts = outcome.attempts + 1;
  await db
    .updateTable('mail_outbox')
    .set({
      state: attempts >= MAIL_MAX_ATTEMPTS ? 'failed' : 'pending',
      attempts,
      last_error: outcome.code.slice(0, 64),
      claimed_until: null,
      // 1, 2, 4 … minutes, at most an hour.
      next_attempt_at: now + Math.min(60 * 60_000, 60_000 * 2 ** (attempts - 1)),
    })
    .where('id', '=', id)
    .execute();
}

/** Deletes settled rows older than MAIL_KEEP_MS. */
export async function purgeMail(db: Kysely<HubDatabase>, now: number): Promise<number> {
  const result = await db
    .deleteFrom('mail_outbox')
    .where('state', '!=', 'pending')
    .where('created_at', '<', now - MAIL_KEEP_MS)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
