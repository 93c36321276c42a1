/**
 * The back office: what a clerk does to the requests of every kiosk. Reads
 * never touch personal data; `openRequest` is the one way to see it, and
 * writes its audit row before the envelope is opened, every time. Each action
 * is a status change the request's kiosk pulls (and, when the resident gave
 * an address, an e-mail queued for the mailer), audit-logged with the clerk.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { sealForPickup } from '../../sync/crypto/pickup';
import { open } from '../../sync/crypto/seal';
import {
  LocaleSchema,
  MAX_PICKUP_ENVELOPE_BYTES,
  PickupContentSchema,
  SealedContentSchema,
  SUBMISSION_KINDS,
} from '../../sync/protocol';
import type { Locale, LocalizedText, PickupContent, SealedContent, SubmissionStatus } from '../../sync/protocol';
import type { ConsoleUser } from '../auth/sessions';
import {
  assignOffice,
  findRequestId,
  inbox,
  MAX_PAGE_SIZE,
  requestAudit,
  requestDetail,
  requestForAction,
} from '../db/backoffice';
import type { AuditEntry, InboxFilter, InboxItem, Page, RequestDetail } from '../db/backoffice';
import { audit, loadCatalogs, requireComune } from '../db/comuni';
import {
  DEFAULT_PICKUP_TTL_MS,
  documentPdf,
  documentsOfRequest,
  insertIssuedDocument,
  purgeExpiredDocuments,
  queuePickupDocument,
} from '../db/documents';
import type { DocumentSummary } from '../db/documents';
import type { LoadedHubKeys } from '../db/keys';
import { queueMail } from '../db/mail';
import type { HubDb } from '../db/open';
import { insertStatusChange } from '../db/requests';
import type { RequestStatus } from '../db/schema';
import { insertVerificationRecord, revokeVerification, verificationByCode } from '../db/verification';
import type { VerificationRecord } from '../db/verification';
import { HubError } from '../errors';
import { makeVerificationCode } from './verification-code';

/** What a clerk can do to a request, and the status each one sets. */
export const ACTIONS = {
  take: 'in-progress', // taken in charge
  ask: 'answered', // a question for the resident, in `answer`
  reply: 'answered', // the office's answer
  complete: 'closed', // done
  reject: 'declined', // turned down; `answer` says why
} as const satisfies Record<string, SubmissionStatus>;
export type Action = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as Action[];
/** Actions that make no sense without a text for the resident. */
const NEEDS_ANSWER: ReadonlySet<Action> = new Set(['ask', 'reply', 'reject']);
/** After these the request is finished: no further action (a new request starts a new one). */
const FINAL: ReadonlySet<RequestStatus> = new Set(['closed', 'declined']);

export const MAX_PDF_BYTES = 5 * 1024 * 1024;

export type OpenedRequest = {
  /** The sealed content when it is one of the protocol's versions; otherwise null and `raw` holds what opened. */
  content: SealedContent | null;
  raw: unknown;
};

export type IssueInput = {
  /** The document's text, one printed line per line; what the kiosk prints at pickup. */
  text: string;
  /** Printed title; default: the certificate type's Italian name. */
  title?: string;
  issuer?: string;
  /** The issued PDF, kept for town-hall pickup and e-mail delivery. */
  pdf?: { bytes: Buffer; name: string };
  /** Shown at the kiosk's "Stato pratica"; a default per delivery and language otherwise. */
  answer?: string;
};

export type IssuedDocument = {
  documentId: string;
  verificationCode: string;
  verificationUrl: string;
  delivery: 'kiosk' | 'townHall' | 'email';
  status: SubmissionStatus;
};

export type BackofficeOptions = {
  hubDb: HubDb;
  keys: LoadedHubKeys;
  now: () => number;
  /** The hub's public base URL, as printed under a document's verification QR. */
  publicUrl: () => string;
  pickupTtlMs?: number;
  /** Whether the hub can send e-mail (SMTP configured): only then are mails queued. */
  mailEnabled: boolean;
  /** Called after a mail was queued (the mailer sends at once rather than at its next tick). */
  onMailQueued?: () => void;
  randomBytes?: (n: number) => Uint8Array;
};

/** The answer shown at the kiosk's "Stato pratica" (and e-mailed) when the clerk wrote none, in the resident's language. */
const DEFAULT_ANSWERS: Record<'kiosk' | 'townHall' | 'email', Record<Locale, string>> = {
  kiosk: {
    it: 'Il documento è pronto: ritiralo a questo sportello con la ricevuta e la stessa tessera.',
    en: 'Your document is ready: collect it at this kiosk with the receipt and the same card.',
    de: 'Ihr Dokument ist fertig: Holen Sie es an diesem Terminal mit der Quittung und derselben Karte ab.',
    fr: 'Votre document est prêt : retirez-le à cette borne avec le reçu et la même carte.',
    ar: 'مستندك جاهز: استلمه من هذا الكشك بالإيصال ونفس البطاقة.',
  },
  townHall: {
    it: 'Il documento è pronto: ritiralo allo sportello del municipio negli orari di apertura.',
    en: 'Your document is ready: collect it at the town hall counter during opening hours.',
    de: 'Ihr Dokument ist fertig: Holen Sie es während der Öffnungszeiten am Schalter des Rathauses ab.',
    fr: 'Votre document est prêt : retirez-le au guichet de la mairie pendant les heures d’ouverture.',
    ar: 'مستندك جاهز: استلمه من شباك البلدية خلال ساعات العمل.',
  },
  email: {
    it: 'Il documento è stato inviato all’indirizzo e-mail indicato.',
    en: 'Your document was sent to the e-mail address you gave.',
    de: 'Ihr Dokument wurde an die angegebene E-Mail-Adresse gesendet.',
    fr: 'Votre document a été envoyé à l’adresse e-mail indiquée.',
    ar: 'تم إرسال مستندك إلى عنوان البريد الإلكتروني الذي قدمته.',
  },
};

const actorOf = (user: ConsoleUser) => `console:${user.id}`;

export function createBackoffice(options: BackofficeOptions) {
  const { hubDb, keys, now } = options;
  const ttl = options.pickupTtlMs ?? DEFAULT_PICKUP_TTL_MS;
  const random = options.randomBytes ?? ((n: number) => cryptoRandomBytes(n));

  async function decrypt(id: string, sealed: Buffer): Promise<OpenedRequest> {
    const bytes = await open(keys.encryption.privateKey, sealed, id);
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return { content: null, raw: null };
    }
    const parsed = SealedContentSchema.safeParse(raw);
    return parsed.success ? { content: parsed.data, raw: null } : { content: null, raw };
  }

  function mailQueued() {
    options.onMailQueued?.();
  }

  return {
    /** One page of the inbox (keyset: stable while requests arrive). */
    inbox: (
      filter: InboxFilter,
      page: { limit?: number; after?: string } = {},
    ): Promise<Page<InboxItem> & { total: number }> => inbox(hubDb.db, filter, now(), page),

    /**
     * One page of the audit log about requests, newest first, for an admin.
     * `request` is a request's id or protocol number; an unknown one matches nothing.
     */
    async audit(
      filter: { request?: string; userId?: string },
      page: { limit?: number; after?: string } = {},
    ): Promise<Page<AuditEntry> & { users: Array<{ id: string; login: string; role: string }> }> {
      const users = await hubDb.db
        .selectFrom('console_users')
        .select(['id', 'login', 'role'])
        .orderBy('login')
        .execute();
      let requestId: string | undefined;
      if (filter.request !== undefined) {
        requestId = await findRequestId(hubDb.db, filter.request.trim());
        if (requestId === undefined) return { items: [], next: null, users };
      }
      const entries = await requestAudit(
        hubDb.db,
        {
          ...(requestId === undefined ? {} : { requestId }),
          ...(filter.userId === undefined ? {} : { userId: filter.userId }),
        },
        page,
      );
      return { ...entries, users };
    },

    async detail(id: string): Promise<RequestDetail & { documents: DocumentSummary[] }> {
      const detail = await requestDetail(hubDb.db, id, now());
      return { ...detail, documents: await documentsOfRequest(hubDb.db, id) };
    },

    /** Frazioni, services, certificate types and offices, to label and filter the inbox. */
    async meta(istat: string) {
      const frazioni = await hubDb.db
        .selectFrom('frazioni')
        .select(['code', 'name'])
        .where('comune_istat', '=', istat)
        .orderBy('name')
        .execute();
      const catalogs = await loadCatalogs(hubDb.db, istat, ['catalog', 'offices']);
      return {
        frazioni,
        services: (catalogs.catalog?.services ?? []).map((s) => ({ code: s.code, kind: s.kind, title: s.title })),
        certificateTypes: (catalogs.catalog?.certificateTypes ?? []).map((c) => ({ code: c.code, name: c.name })),
        offices: (catalogs.offices?.offices ?? []).map((o) => ({ id: o.id, name: o.name })),
      };
    },

    /**
     * Opens a request's personal data for `user`. The audit row (who, when,
     * which request) commits before the envelope is opened, so no opening is
     * ever missing from the log, even one that then fails.
     */
    async openRequest(user: ConsoleUser, id: string): Promise<OpenedRequest> {
      const request = await requestForAction(hubDb.db, id);
      await hubDb.write((db) => audit(db, { at: now(), actor: actorOf(user), action: 'request.open', subject: id }));
      return decrypt(id, request.sealed);
    },

    /** A clerk's action: one status change the kiosk pulls, audit-logged, and an e-mail queued when mail is on. */
    async act(
      user: ConsoleUser,
      id: string,
      action: Action,
      answer: string | null,
    ): Promise<{ status: SubmissionStatus }> {
      const text = answer?.trim() || null;
      if (NEEDS_ANSWER.has(action) && text === null) {
        throw new HubError('INVALID_INPUT', `${action} needs a text for the resident`);
      }
      const status = ACTIONS[action];
      await hubDb.write(async (db) => {
        const at = now();
        const request = await requestForAction(db, id);
        if (FINAL.has(request.status)) throw new HubError('INVALID_STATE', `request ${id} is ${request.status}`);
        await insertStatusChange(db, { requestId: id, status, answer: text, actor: actorOf(user) }, at);
        await audit(db, { at, actor: actorOf(user), action: `backoffice.${action}`, subject: id });
        if (options.mailEnabled) await queueMail(db, { requestId: id, kind: 'status', status, answer: text }, at);
      });
      if (options.mailEnabled) mailQueued();
      return { status };
    },

    /** Assigns a segnalazione to one of the comune's offices (its offices catalog). */
    async assignOffice(user: ConsoleUser, id: string, officeId: string): Promise<void> {
      await hubDb.write(async (db) => {
        const request = await requestForAction(db, id);
        if (request.kind !== 'report') throw new HubError('INVALID_STATE', 'only a segnalazione goes to an office');
        const { offices } = await loadCatalogs(db, request.comune_istat, ['offices']);
        if (!offices?.offices.some((o) => o.id === officeId)) {
          throw new HubError('INVALID_INPUT', `no office ${officeId} in the comune's catalog`);
        }
        await assignOffice(db, { requestId: id, officeId, userId: user.id }, now());
      });
    },

    /**
     * Issues the document a certificate request asked for: a verification
     * record, the PDF kept on the hub, and by the delivery the resident chose
     * a pickup envelope for the kiosk (sealed with the receipt's secret), the
     * town-hall counter, or an e-mail.
     */
    async issueDocument(user: ConsoleUser, id: string, input: IssueInput): Promise<IssuedDocument> {
      const request = await requestForAction(hubDb.db, id);
      if (request.kind !== 'certificate') throw new HubError('INVALID_STATE', 'only a certificate request is issued');
      if (FINAL.has(request.status)) throw new HubError('INVALID_STATE', `request ${id} is ${request.status}`);
      // The hub reads the envelope to learn delivery, secret and applicant: an opening like any other.
      await hubDb.write((db) =>
        audit(db, {
          at: now(),
          actor: actorOf(user),
          action: 'request.open',
          subject: id,
          detail: { purpose: 'issue' },
        }),
      );
      const { content } = await decrypt(id, request.sealed);
      if (content === null || content.kind !== 'certificate') {
        throw new HubError('INVALID_STATE', 'the sealed content is not a certificate request');
      }
      if (input.pdf !== undefined) {
        if (input.pdf.bytes.length > MAX_PDF_BYTES) throw new HubError('INVALID_INPUT', 'the PDF is over 5 MB');
        if (!input.pdf.bytes.subarray(0, 5).equals(Buffer.from('%PDF-'))) {
          throw new HubError('INVALID_INPUT', 'the attachment is not a PDF');
        }
      }
      const delivery = content.delivery.kind;
      if (delivery === 'kiosk' && content.pickupSecret === null) {
        throw new HubError('INVALID_STATE', 'the request holds no pickup secret for the kiosk');
      }
      if (delivery === 'email' && !options.mailEnabled) {
        throw new HubError('INVALID_STATE', 'this hub has no SMTP sender configured: the document cannot be e-mailed');
      }
      if (delivery === 'email' && input.pdf === undefined) {
        throw new HubError('INVALID_INPUT', 'attach the PDF: the resident asked for the document by e-mail');
      }

      const at = now();
      const comune = await requireComune(hubDb.db, request.comune_istat);
      const { catalog } = await loadCatalogs(hubDb.db, request.comune_istat, ['catalog']);
      const type = catalog?.certificateTypes.find((c) => c.code === content.certificateType);
      const typeTitle: LocalizedText = type?.name ?? { it: input.title?.trim() || content.certificateType };
      const title = input.title?.trim() || typeTitle.it;
      const issuer = input.issuer?.trim() || `Comune di ${comune.name} - Ufficio Anagrafe`;
      const documentId = uuidv7({ msecs: at });
      const verificationCode = makeVerificationCode(random);
      const verificationUrl = `${options.publicUrl().replace(/\/$/, '')}/verify/${verificationCode}`;
      const lines = input.text.replace(/\r\n?/g, '\n').replace(/\s+$/, '').split('\n');

      let envelope: Uint8Array | null = null;
      if (delivery === 'kiosk') {
        const pickup: PickupContent = PickupContentSchema.parse({
          v: 1,
          codiceFiscale: content.applicant.codiceFiscale,
          title,
          lines,
          issuer,
          issuedAt: new Date(at).toISOString(),
          verificationCode,
          verificationUrl,
        });
        const plaintext = new TextEncoder().encode(JSON.stringify(pickup));
        envelope = sealForPickup(content.pickupSecret!, documentId, plaintext);
        if (envelope.length > MAX_PICKUP_ENVELOPE_BYTES) {
          throw new HubError('INVALID_INPUT', 'the document is too long for a kiosk receipt');
        }
      }

      const status: SubmissionStatus = delivery === 'email' ? 'closed' : 'ready-for-pickup';
      const locale = LocaleSchema.safeParse(request.locale);
      const language = locale.success ? locale.data : 'it';
      const answer = input.answer?.trim() || DEFAULT_ANSWERS[delivery][language];
      await hubDb.write(async (db) => {
        const current = await requestForAction(db, id);
        if (FINAL.has(current.status)) throw new HubError('INVALID_STATE', `request ${id} is ${current.status}`);
        await insertIssuedDocument(
          db,
          {
            id: documentId,
            requestId: id,
            verificationCode,
            delivery,
            pdf: input.pdf?.bytes ?? null,
            pdfName: input.pdf?.name ?? null,
            issuedBy: user.id,
          },
          at,
        );
        await insertVerificationRecord(
          db,
          {
            code: verificationCode,
            documentId,
            comune: request.comune_istat,
            documentType: content.certificateType,
            title: typeTitle,
            issuer,
          },
          at,
        );
        if (envelope !== null) {
          await queuePickupDocument(
            db,
            {
              id: documentId,
              requestId: id,
              kioskId: request.kiosk_id,
              title: typeTitle,
              envelope,
              expiresAt: at + ttl,
            },
            at,
          );
        }
        await insertStatusChange(db, { requestId: id, status, answer, actor: actorOf(user) }, at);
        await audit(db, {
          at,
          actor: actorOf(user),
          action: 'document.issue',
          subject: documentId,
          detail: { request: id, delivery, code: verificationCode, pdf: input.pdf !== undefined },
        });
        if (options.mailEnabled) {
          await queueMail(
            db,
            delivery === 'email'
              ? { requestId: id, kind: 'document', status, answer, documentId }
              : { requestId: id, kind: 'status', status, answer },
            at,
          );
        }
      });
      if (options.mailEnabled) mailQueued();
      return { documentId, verificationCode, verificationUrl, delivery, status };
    },

    /** A document's PDF for a clerk; audit-logged like an opening (it is personal data). */
    async documentPdf(user: ConsoleUser, documentId: string): Promise<{ pdf: Buffer; name: string }> {
      const found = await documentPdf(hubDb.db, documentId);
      if (found === undefined) throw new HubError('NOT_FOUND', `no PDF for document ${documentId}`);
      await hubDb.write((db) =>
        audit(db, {
          at: now(),
          actor: actorOf(user),
          action: 'document.download',
          subject: documentId,
          detail: { request: found.requestId },
        }),
      );
      return { pdf: found.pdf, name: found.name };
    },

    verification: (code: string): Promise<VerificationRecord | undefined> => verificationByCode(hubDb.db, code),

    async revoke(user: ConsoleUser, code: string): Promise<void> {
      await hubDb.write((db) => revokeVerification(db, code, user.id, now()));
    },

    /** Deletes expired pickup ciphertexts (the hub does it every minute). */
    purgeExpired: (): Promise<number> => hubDb.write((db) => purgeExpiredDocuments(db, now())),
  };
}

export type Backoffice = ReturnType<typeof createBackoffice>;

export const InboxQuerySchema = z.object({
  kind: z.enum(SUBMISSION_KINDS).optional(),
  status: z.enum(['accepted', 'in-progress', 'answered', 'ready-for-pickup', 'closed', 'declined'] as const).optional(),
  frazione: z.string().min(1).max(64).optional(),
  /** Received at least this many days ago. */
  olderThanDays: z.coerce.number().int().min(0).max(3650).optional(),
  /** Received at most this many days ago. */
  newerThanDays: z.coerce.number().int().min(0).max(3650).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  /** The `next` cursor of the page before. */
  after: z.string().min(1).max(200).optional(),
});

export const AuditQuerySchema = z.object({
  /** A request's id or protocol number. */
  request: z.string().trim().min(1).max(64).optional(),
  /** A console user's id. */
  user: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  after: z.string().min(1).max(200).optional(),
});
