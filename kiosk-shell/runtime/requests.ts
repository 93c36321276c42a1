/**
 * Resident requests on the kiosk: the catalog they choose from, validation,
 * sealing, the durable write, the receipt, and the status lookup.
 *
 * The order is the spine's: validate → seal the personal part to the hub's key
 * → write the request and its outbox row in one transaction → answer with the
 * code and print. A receipt is printed only for a request already on disk; a
 * printer problem is reported, never a reason to lose the request.
 *
 * A receipt made in this session is kept in memory (it may carry the pickup
 * secret, which the store never holds) so the resident can reprint it after a
 * technician refills the paper; `endSession` forgets it.
 */
import type { Database } from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { checkCodiceFiscale } from '../../hardware/readers/codice-fiscale';
import type { Receipt } from '../../hardware/printer/receipt';
import { seal } from '../../sync/crypto/seal';
import { loadEnrollment } from '../../sync/client/enrollment';
import { getSubmissionStatus } from '../../sync/client/status-changes';
import { SealedContentSchema, ServiceCatalogSchema, StradarioSchema } from '../../sync/protocol';
import type { SealedContent, SealedIdentity, ServiceCatalog, Stradario } from '../../sync/protocol';
import { getCache } from '../../sync/store/hub-cache';
import { StoreError } from '../../sync/store/migrations';
import { formatReceiptCode } from '../../sync/store/receipt';
import { createSubmission, findByReceiptCode, newSubmissionId } from '../../sync/store/submissions';
import { REPORT_CATEGORIES } from '../api/contract';
import type {
  CreatedRequest,
  Identity,
  NewRequest,
  ReceiptPrint,
  ReceiptText,
  ReportCategory,
  RequestLookup,
  ServicesCatalog,
  SyncState,
} from '../api/contract';
import type { Config } from './config';
import type { DeviceManager } from './devices';
import { ApiFailure } from './dispatch';
import type { Logger } from './log';
import { buildReceipt, receiptLocale, requestReceiptText } from './receipts';

/** The hub's catalog code for each report category the kiosk offers. */
export const REPORT_SERVICE: Record<ReportCategory, string> = {
  lighting: 'segnalazione-illuminazione',
  roads: 'segnalazione-strade',
  waste: 'segnalazione-rifiuti',
  greenery: 'segnalazione-verde',
  water: 'segnalazione-acqua',
  other: 'segnalazione-altro',
};

/** How long the same request counts as a retry of the first (the UI's calls time out after 10 s). */
export const RETRY_WINDOW_MS = 60_000;

/** Bytes of the pickup secret printed in a receipt's QR (32 base64url characters). */
const PICKUP_SECRET_BYTES = 24;

export type RequestService = {
  catalog(): ServicesCatalog;
  checkCodiceFiscale(
    text: string,
  ): { ok: true; codiceFiscale: string } | { ok: false; problem: 'cf-malformed' | 'cf-check-char' };
  create(request: NewRequest): Promise<CreatedRequest>;
  reprint(receiptCode: string): Promise<ReceiptPrint>;
  lookup(receiptCode: string): RequestLookup;
  /** Forgets the receipts and requests of the session that just ended. */
  endSession(): void;
};

export type RequestServiceOptions = {
  config: Config;
  db: Database;
  devices: DeviceManager;
  sync: () => SyncState;
  /** A request was queued: push it now if the hub is reachable. */
  onQueued: () => void;
  now: () => Date;
  log: Logger;
  /** Refuse new requests below this much free disk (bytes); the store's default otherwise. */
  minFreeBytes?: number;
};

type Catalogs = { catalog: ServiceCatalog | null; stradario: Stradario | null; updatedAt: Date | null };

function readCatalogs(db: Database): Catalogs {
  const catalogEntry = getCache(db, 'catalog');
  const stradarioEntry = getCache(db, 'stradario');
  const catalog = catalogEntry
    ? ServiceCatalogSchema.safeParse({ ...(catalogEntry.body as object), version: catalogEntry.version })
    : null;
  const stradario = stradarioEntry
    ? StradarioSchema.safeParse({ ...(stradarioEntry.body as object), version: stradarioEntry.version })
    : null;
  return {
    catalog: catalog?.success ? catalog.data : null,
    stradario: stradario?.success ? stradario.data : null,
    updatedAt: catalogEntry?.updatedAt ?? null,
  };
}

function toSealedIdentity(identity: Identity): SealedIdentity {
  return {
    source: identity.source,
    codiceFiscale: identity.codiceFiscale,
    surname: identity.surname,
    givenNames: identity.givenNames,
    birthDate: identity.birthDate,
    document: identity.document,
  };
}

function localIsoDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const invalid = (message: string) => new ApiFailure('INVALID_INPUT', message);

export function createRequestService(opts: RequestServiceOptions): RequestService {
  const { config, db, devices, now } = opts;
  const log = opts.log.child({ module: 'requests' });
  const sessionReceipts = new Map<string, Receipt>();
  /** The same receipts' text for speech (it holds the pickup code): forgotten with them. */
  const sessionTexts = new Map<string, ReceiptText>();
  // The same request sent again soon in a session (the UI retried after a lost
  // answer: its calls time out after 10 s) gets the first answer, not a second
  // request and a second receipt. Only for a short while: a session the UI never
  // ended (a reloaded page) must not hand the next resident an old answer.
  const sessionRequests = new Map<string, { at: number; created: Promise<CreatedRequest> }>();

  function checkIdentity(identity: Identity): void {
    if (identity.codiceFiscale !== null && !checkCodiceFiscale(identity.codiceFiscale).ok) {
      throw invalid('the codice fiscale does not pass its check');
    }
    if (identity.codiceFiscale === null && (identity.surname === null || identity.givenNames === null)) {
      throw invalid('an identity needs a codice fiscale or a name');
    }
    if (identity.document !== null && identity.document.expiryDate < localIsoDay(now())) {
      throw invalid('the identity document has expired');
    }
  }

  /** What goes in the envelope, the hub's service code, and the non-personal fields kept on the kiosk. */
  function prepare(
    request: NewRequest,
    catalogs: Catalogs,
    pickupSecret: string | null,
  ): {
    content: SealedContent;
    service: string;
    publicFields: Record<string, unknown>;
    name: string | null;
    street: string | null;
  } {
    if (request.kind === 'certificate') {
      const type = catalogs.catalog?.certificateTypes.find((c) => c.code === request.certificateType && c.enabled);
      if (!type) throw invalid(`no certificate type ${request.certificateType} in the catalog`);
      if (type.stampDuty === (request.stampDuty.kind === 'notDue')) {
        throw invalid(
          type.stampDuty ? 'this certificate needs a marca da bollo or an exemption' : 'no stamp duty is due',
        );
      }
      checkIdentity(request.identity);
      if (request.delivery.kind === 'kiosk' && request.identity.codiceFiscale === null) {
        // Collection checks the card's codice fiscale against the request's.
        throw invalid('pickup at the kiosk needs an identity with a codice fiscale');
      }
      const locale = receiptLocale(request.locale);
      return {
        service: type.code,
        name: type.name[locale] ?? type.name.it,
        street: null,
        publicFields: {
          certificateType: type.code,
          subject: request.subject.relation,
          stampDuty: request.stampDuty.kind,
          delivery: request.delivery.kind,
        },
        content: {
          v: 1,
          kind: 'certificate',
          certificateType: type.code,
          applicant: toSealedIdentity(request.identity),
          subject: request.subject,
          stampDuty: request.stampDuty,
          delivery: request.delivery,
          pickupSecret,
        },
      };
    }
    const service = REPORT_SERVICE[request.category];
    if (!catalogs.catalog?.services.some((s) => s.code === service && s.kind === 'report' && s.enabled)) {
      throw invalid(`the hub takes no ${request.category} reports`);
    }
    let street: { code: string; name: string } | null = null;
    if (request.place.kind === 'street') {
      const code = request.place.streetCode;
      street = catalogs.stradario?.streets.find((s) => s.code === code) ?? null;
      if (!street) throw invalid(`no street ${code} in the stradario`);
    }
    return {
      service,
      name: null,
      street: street?.name ?? null,
      publicFields: { category: request.category, place: request.place.kind, street: street?.name ?? null },
      content: {
        v: 1,
        kind: 'report',
        place: street ? { kind: 'street', streetCode: street.code, streetName: street.name } : { kind: 'nearKiosk' },
        description: request.description,
        contact: request.contact,
      },
    };
  }

  async function createOnce(request: NewRequest): Promise<CreatedRequest> {
    const enrollment = loadEnrollment(db);
    if (!enrollment) throw new ApiFailure('SERVICE_UNAVAILABLE', 'the kiosk is not enrolled with the hub yet');
    const catalogs = readCatalogs(db);
    if (!catalogs.catalog) throw new ApiFailure('SERVICE_UNAVAILABLE', 'no catalog pulled from the hub yet');
    const pickupSecret =
      request.kind === 'certificate' && request.delivery.kind === 'kiosk'
        ? randomBytes(PICKUP_SECRET_BYTES).toString('base64url')
        : null;
    const prepared = prepare(request, catalogs, pickupSecret);
    const content = SealedContentSchema.parse(prepared.content);
    const at = now();
    const id = newSubmissionId(at);
    const sealed = await seal(enrollment.hubEncryptionKey, new TextEncoder().encode(JSON.stringify(content)), id);
    let created;
    try {
      created = createSubmission(
        db,
        {
          id,
          kind: request.kind,
          service: prepared.service,
          locale: request.locale,
          publicFields: prepared.publicFields,
          sealed,
          now: at,
        },
        opts.minFreeBytes !== undefined ? { minFreeBytes: opts.minFreeBytes } : {},
      );
    } catch (err) {
      if (err instanceof StoreError && err.code === 'STORE_FULL') {
        log.error({ event: 'request.store-full' }, 'request refused: the disk is too full');
        throw new ApiFailure('STORE_FULL', 'the kiosk disk is too full to take a request');
      }
      throw err;
    }
    log.info({ event: 'request.created', id, kind: request.kind, service: prepared.service }, 'request queued');
    opts.onQueued();

    const receiptCode = formatReceiptCode(created.receiptCode);
    const receipt = buildReceipt(request, {
      comune: config.comune.name,
      frazione: config.frazione,
      receiptCode,
      createdAt: created.createdAt,
      certificateName: prepared.name,
      streetName: prepared.street,
      pickupSecret,
    });
    sessionReceipts.set(created.receiptCode, receipt);
    const text = requestReceiptText(request, receipt, { receiptCode, pickupSecret });
    sessionTexts.set(created.receiptCode, text);
    const print = await devices.printReceipt(receipt, 'request');
    return { receiptCode, createdAt: created.createdAt.toISOString(), print: { ...print, receipt: text } };
  }

  return {
    catalog() {
      const { catalog, stradario, updatedAt } = readCatalogs(db);
      const services = new Set(catalog?.services.filter((s) => s.enabled && s.kind === 'report').map((s) => s.code));
      const frazione = loadEnrollment(db)?.frazione.code ?? null;
      const streets = (stradario?.streets ?? [])
        .map((s) => ({ code: s.code, name: s.name, inThisFrazione: frazione !== null && s.frazione === frazione }))
        .sort((a, b) => Number(b.inThisFrazione) - Number(a.inThisFrazione) || a.name.localeCompare(b.name, 'it'));
      return {
        available: catalog !== null,
        updatedAt: updatedAt?.toISOString() ?? null,
        certificateTypes: (catalog?.certificateTypes ?? [])
          .filter((c) => c.enabled)
          .map((c) => ({ code: c.code, name: c.name, stampDuty: c.stampDuty })),
        reportCategories: REPORT_CATEGORIES.filter((c) => services.has(REPORT_SERVICE[c])),
        streets,
      };
    },

    checkCodiceFiscale(text) {
      const result = checkCodiceFiscale(text.replace(/\s+/g, '').toUpperCase());
      return result.ok ? { ok: true, codiceFiscale: result.codiceFiscale } : { ok: false, problem: result.reason };
    },

    create(request) {
      const at = now().getTime();
      for (const [k, v] of sessionRequests) if (at - v.at > RETRY_WINDOW_MS) sessionRequests.delete(k);
      const key = createHash('sha256').update(JSON.stringify(request)).digest('base64url');
      const earlier = sessionRequests.get(key);
      if (earlier) return earlier.created;
      const created = createOnce(request);
      sessionRequests.set(key, { at, created });
      // A refusal wrote nothing: the same request may be tried again.
      created.catch(() => sessionRequests.delete(key));
      return created;
    },

    async reprint(receiptCode) {
      const stored = findByReceiptCode(db, receiptCode);
      const receipt = stored && sessionReceipts.get(stored.receiptCode);
      const text = stored && sessionTexts.get(stored.receiptCode);
      if (!receipt || !text) throw new ApiFailure('NOT_FOUND', 'no receipt of this session has that code');
      return { ...(await devices.printReceipt(receipt, 'request')), receipt: text };
    },
    lookup(receiptCode) {
      const found = findByReceiptCode(db, receiptCode);
      if (!found || (found.kind !== 'certificate' && found.kind !== 'report')) return { found: false };
      const status = getSubmissionStatus(db, found.id);
      const sync = opts.sync();
      const fields = found.publicFields;
      const service = String(found.kind === 'report' ? fields.category : fields.certificateType);
      const type =
        found.kind === 'certificate'
          ? readCatalogs(db).catalog?.certificateTypes.find((c) => c.code === service)
          : undefined;
      return {
        found: true,
        receiptCode: formatReceiptCode(found.receiptCode),
        kind: found.kind,
        service,
        serviceName: type?.name ?? null,
        createdAt: found.createdAt.toISOString(),
        delivery: found.state === 'accepted' ? 'delivered' : found.state === 'rejected' ? 'refused' : 'waiting',
        protocolNumber: found.protocolNumber,
        status: status?.status ?? null,
        answer: status?.answer ?? null,
        statusAt: status?.at ?? null,
        lastPullAt: sync.lastPullAt,
        online: sync.online,
      };
    },

    endSession() {
      sessionReceipts.clear();
      sessionTexts.clear();
      sessionRequests.clear();
    },
  };
}
