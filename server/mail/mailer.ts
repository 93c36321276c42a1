/**
 * The hub's mailer: sends what the back office queued in `mail_outbox`. The
 * address is read from the request's sealed envelope at sending time
 * (certificate: the e-mail delivery address; segnalazione: the contact
 * address), so no address is ever stored or logged; a request without one is
 * settled as 'no-address'. Failures are retried with backoff; rows are
 * claimed, so several hubs on one database never send one row together.
 */
import type { Logger } from 'pino';
import { open } from '../../sync/crypto/seal';
import { LocaleSchema, SealedContentSchema } from '../../sync/protocol';
import type { LocalizedText, SealedContent } from '../../sync/protocol';
import { audit } from '../db/comuni';
import type { LoadedHubKeys } from '../db/keys';
import { claimMail, settleMail } from '../db/mail';
import type { HubDb } from '../db/open';
import type { MailOutboxTable } from '../db/schema';
import { composeMail } from './compose';
import { createSmtpSender, MailError, mailErrorCode } from './smtp';
import type { SmtpConfig } from './smtp';

const BATCH = 20;

export type Mailer = {
  /** Sends every due row now; resolves with how many were settled. Calls are serialised. */
  flush(): Promise<number>;
  /** Starts a flush soon, without waiting (after an action queued a mail). */
  kick(): void;
  /** Waits for a running flush, then closes the SMTP transport. */
  close(): Promise<void>;
};

/** The resident's address in a request's content, if they gave one. */
export function addressOf(content: SealedContent): string | null {
  if (content.kind === 'certificate') return content.delivery.kind === 'email' ? content.delivery.address : null;
  return content.contact?.email ?? null;
}

export function createMailer(options: {
  hubDb: HubDb;
  keys: LoadedHubKeys;
  smtp: SmtpConfig;
  now: () => number;
  log: Pick<Logger, 'info' | 'warn'>;
  publicUrl: () => string;
}): Mailer {
  const { hubDb, keys, smtp, now, log } = options;
  const sender = createSmtpSender(smtp);
  let chain: Promise<number> = Promise.resolve(0);

  async function sendOne(row: MailOutboxTable): Promise<void> {
    const request = await hubDb.db
      .selectFrom('requests as r')
      .innerJoin('comuni as c', 'c.istat', 'r.comune_istat')
      .select(['r.id', 'r.sealed', 'r.protocol_number', 'r.public_json', 'c.name as comune'])
      .where('r.id', '=', row.request_id)
      .executeTakeFirst();
    let to: string | null = null;
    if (request?.sealed != null) {
      try {
        const bytes = await open(keys.encryption.privateKey, request.sealed, request.id);
        const parsed = SealedContentSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
        to = parsed.success ? addressOf(parsed.data) : null;
      } catch {
        to = null;
      }
    }
    if (request === undefined || to === null) {
      await hubDb.write((db) => settleMail(db, row.id, { state: 'no-address' }, now()));
      return;
    }
    const locale = LocaleSchema.safeParse((JSON.parse(request.public_json) as { locale?: unknown }).locale);
    const language = locale.success ? locale.data : 'it';
    let document: Parameters<typeof composeMail>[0]['document'];
    if (row.kind === 'document' && row.document_id !== null) {
      const doc = await hubDb.db
        .selectFrom('issued_documents as d')
        .innerJoin('verification_records as v', 'v.document_id', 'd.id')
        .select(['d.pdf', 'd.pdf_name', 'v.code', 'v.title_json'])
        .where('d.id', '=', row.document_id)
        .executeTakeFirst();
      if (doc !== undefined) {
        document = {
          title: (() => {
            const title = JSON.parse(doc.title_json) as LocalizedText;
            return title[language] ?? title.it;
          })(),
          verificationCode: doc.code,
          verificationUrl: `${options.publicUrl().replace(/\/$/, '')}/verify/${doc.code}`,
          pdf: doc.pdf === null ? null : { name: doc.pdf_name ?? 'documento.pdf', content: Buffer.from(doc.pdf) },
        };
      }
    }
    const message = composeMail({
      to,
      language,
      comune: request.comune,
      protocolNumber: request.protocol_number ?? '',
      status: row.status,
      answer: row.answer,
      ...(document === undefined ? {} : { document }),
    });
    try {
      await sender.send(message, new Date(now()));
    } catch (error) {
      const code = error instanceof MailError ? error.code : mailErrorCode(error);
      log.warn({ event: 'mail.failed', mailId: row.id, requestId: row.request_id, code }, 'mail failed');
      await hubDb.write((db) => settleMail(db, row.id, { state: 'error', code, attempts: row.attempts }, now()));
      return;
    }
    await hubDb.write(async (db) => {
      const at = now();
      await settleMail(db, row.id, { state: 'sent' }, at);
      await audit(db, {
        at,
        actor: 'mailer',
        action: 'mail.sent',
        subject: row.request_id,
        detail: { mail: row.id, kind: row.kind, status: row.status },
      });
    });
    log.info({ event: 'mail.sent', mailId: row.id, requestId: row.request_id }, 'mail sent');
  }

  async function run(): Promise<number> {
    let settled = 0;
    for (;;) {
      const rows = await hubDb.write((db) => claimMail(db, now(), BATCH));
      for (const row of rows) await sendOne(row);
      settled += rows.length;
      if (rows.length < BATCH) return settled;
    }
  }

  const mailer: Mailer = {
    flush() {
      chain = chain.then(run, run);
      return chain;
    },
    kick() {
      mailer
        .flush()
        .catch((error: unknown) => log.warn({ event: 'mail.flush-failed', err: error }, 'mail flush failed'));
    },
    async close() {
      await chain.catch(() => 0);
      sender.close();
    },
  };
  return mailer;
}
