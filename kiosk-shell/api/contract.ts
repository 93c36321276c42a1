/**
 * The kiosk API: the only way the renderer talks to the runtime.
 *
 * Every method has an input and an output schema, every pushed event a schema.
 * The runtime parses every input with these schemas; the renderer imports the
 * types only. Adding a method means a new entry here and one handler in
 * `kiosk-shell/runtime/handlers.ts`, nothing else.
 *
 * Wire format (the same over the browser-mode WebSocket and over Electron's
 * MessagePort), one JSON object per message:
 *   renderer → runtime  { "id": 7, "method": "info.get", "input": { ... } }
 *   runtime → renderer  { "id": 7, "result": { "ok": true, "value": ... } }
 *                       { "id": 7, "result": { "ok": false, "error": { "code", "message" } } }
 *   runtime → renderer  { "event": "kiosk.status", "payload": { ... } }
 * A frame that cannot be read at all is answered with id null.
 */
import { z } from 'zod';

export const LOCALES = ['it', 'en', 'de', 'fr', 'ar'] as const;
export const LocaleSchema = z.enum(LOCALES);
export type Locale = z.infer<typeof LocaleSchema>;

/** Error codes a caller can act on. Messages are for technicians' logs, not residents. */
export const ERROR_CODES = [
  'BAD_FRAME', // not JSON, or not { id, method, input }
  'UNKNOWN_METHOD',
  'INVALID_INPUT',
  'OUT_OF_SERVICE', // the kiosk cannot serve (e.g. its store failed its integrity check)
  'NOT_FOUND',
  'INTERNAL',
  // Devices: what the UI can explain to a resident or a technician.
  'PAPER_OUT',
  'COVER_OPEN',
  'DEVICE_OFFLINE',
  'DEVICE_TIMEOUT',
  'DEVICE_ERROR',
  'NOT_CONFIGURED',
  // Services.
  /** The kiosk cannot take this request now (not enrolled with the hub yet, or the service is off). */
  'SERVICE_UNAVAILABLE',
  /** The kiosk's disk is too full to keep one more request safely. */
  'STORE_FULL',
  // Pickup.
  /** The pickup code (the receipt's QR or the code typed from it) does not open the document. */
  'PICKUP_WRONG_CODE',
  /** The card shown is not the one of the person who made the request. */
  'PICKUP_WRONG_CARD',
  /** Too many wrong pickup codes or cards, at this kiosk or for this request: try again later. */
  'RATE_LIMITED',
  // Technician mode.
  /** A technician method called without a valid (unexpired) technician session token. */
  'UNAUTHORIZED',
] as const;
export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ApiErrorSchema = z.object({ code: ErrorCodeSchema, message: z.string() });
export type ApiError = z.infer<typeof ApiErrorSchema>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

const TimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);

export const OpeningHoursSchema = z.object({
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  day: z.number().int().min(1).max(7),
  opens: TimeSchema,
  closes: TimeSchema,
});
export type OpeningHours = z.infer<typeof OpeningHoursSchema>;

export const OfficeSchema = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  phone: z.string(),
  email: z.string(),
  staffed: z.boolean(),
  hours: z.array(OpeningHoursSchema),
  /** Straight-line distance from this kiosk, in metres. */
  distanceM: z.number().int().nonnegative(),
});
export type Office = z.infer<typeof OfficeSchema>;

export const ContactSchema = z.object({
  /** i18n key of the label, under `info.contact.` */
  topic: z.string().regex(/^[a-z][a-zA-Z]*$/),
  phone: z.string(),
  email: z.string(),
});
export type Contact = z.infer<typeof ContactSchema>;

/**
 * Why a kiosk cannot serve, most decisive first (kiosk-shell/runtime/status.ts decides):
 * - TECHNICIAN: a technician put it out of service (persisted; only a technician lifts it);
 * - STORE_INTEGRITY: its database failed an integrity check;
 * - DISK_LOW: free disk below the configured threshold;
 * - DEVICES: every configured device has been failing for a while (printer cannot
 *   print AND every configured reader is off line) — a cabinet fault, not one device.
 * All but TECHNICIAN clear by themselves when their cause does.
 */
export const OUT_OF_SERVICE_REASONS = ['TECHNICIAN', 'STORE_INTEGRITY', 'DISK_LOW', 'DEVICES'] as const;
export const OutOfServiceReasonSchema = z.enum(OUT_OF_SERVICE_REASONS);
export type OutOfServiceReason = z.infer<typeof OutOfServiceReasonSchema>;

export const KioskStatusSchema = z.object({
  inService: z.boolean(),
  /** Why the kiosk cannot serve (the most decisive cause); null when it can. */
  outOfServiceReason: OutOfServiceReasonSchema.nullable(),
  /** The other causes that hold as well; present only when there are some. */
  otherReasons: z.array(OutOfServiceReasonSchema).optional(),
  /** The technician's note for residents (free text, Italian), present only when one was given. */
  message: z.string().max(200).optional(),
});
export type KioskStatus = z.infer<typeof KioskStatusSchema>;

export const KioskDescriptionSchema = z.object({
  comune: z.object({ name: z.string(), istat: z.string(), province: z.string() }),
  frazione: z.string(),
  locales: z.array(LocaleSchema).min(1),
  defaultLocale: LocaleSchema,
  supportPhone: z.string(),
  /** The nearest staffed counter, known from configuration even when the store is not. */
  nearestCounter: z.object({ name: z.string(), address: z.string(), phone: z.string() }).nullable(),
  /** True while the office data is the demo's invented example. */
  exampleData: z.boolean(),
  status: KioskStatusSchema,
});
export type KioskDescription = z.infer<typeof KioskDescriptionSchema>;

export const InfoSchema = z.object({
  offices: z.array(OfficeSchema),
  /** The nearest staffed office, or null when none is known. */
  nearestStaffedId: z.string().nullable(),
  contacts: z.array(ContactSchema),
  exampleData: z.boolean(),
});
export type Info = z.infer<typeof InfoSchema>;

const Empty = z.object({}).strict();

/** Where this kiosk's queue stands with the hub (what a technician and the UI need, no personal data). */
export const SyncStateSchema = z.object({
  enrolled: z.boolean(),
  /** The last call got an answer signed by the pinned hub key. */
  online: z.boolean(),
  lastPushAt: z.string().nullable(),
  lastPullAt: z.string().nullable(),
  lastError: z.string().nullable(),
  /** Requests not yet acknowledged by the hub. */
  queued: z.number().int().nonnegative(),
  oldestQueuedAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});
export type SyncState = z.infer<typeof SyncStateSchema>;

export const DEVICE_NAMES = ['printer', 'scanner', 'magstripe', 'mrz'] as const;
export type DeviceName = (typeof DEVICE_NAMES)[number];

export const DeviceStateSchema = z.object({
  connection: z.enum(['connected', 'connecting', 'disconnected', 'not-answering', 'not-configured']),
  /** What stops the device from serving now; null when it can. */
  problem: z
    .enum(['PAPER_OUT', 'COVER_OPEN', 'DEVICE_OFFLINE', 'DEVICE_TIMEOUT', 'DEVICE_ERROR', 'NOT_CONFIGURED'])
    .nullable(),
});
export type DeviceState = z.infer<typeof DeviceStateSchema>;

export const DevicesStatusSchema = z.object({
  printer: DeviceStateSchema.extend({
    paperNearEnd: z.boolean(),
    /** Receipts left on the roll, estimated from the paper counter. */
    remainingReceipts: z.number().int().nonnegative(),
  }),
  scanner: DeviceStateSchema,
  magstripe: DeviceStateSchema,
  mrz: DeviceStateSchema,
});
export type DevicesStatus = z.infer<typeof DevicesStatusSchema>;

/** A recent read as a technician may see it: personal fields already masked by the runtime. */
export const LastReadSchema = z.object({
  at: z.number(),
  reader: z.enum(['scanner', 'magstripe', 'mrz']),
  outcome: z.enum(['read', 'unreadable']),
  kind: z.string().optional(),
  reason: z.string().optional(),
  masked: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type LastRead = z.infer<typeof LastReadSchema>;

// ── Services ────────────────────────────────────────────────────────────────

/** Text in the kiosk's languages as the hub publishes it; Italian is always there and is the fallback. */
export const LocalizedTextSchema = z.object({
  it: z.string(),
  en: z.string().optional(),
  de: z.string().optional(),
  fr: z.string().optional(),
  ar: z.string().optional(),
});
export type LocalizedText = z.infer<typeof LocalizedTextSchema>;

/** A codice fiscale as typed or read: 16 characters once normalised (upper case, no spaces). */
const CodiceFiscaleSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{16}$/);

/**
 * Who the resident proved to be, as read from a card or typed. A read proves
 * possession of a card, not identity; the back office decides. It lives in the
 * renderer's flow until the session ends and leaves the kiosk only sealed.
 */
export const IdentitySchema = z.object({
  source: z.enum(['scanner', 'magstripe', 'mrz', 'typed']),
  codiceFiscale: CodiceFiscaleSchema.nullable(),
  surname: z.string().max(100).nullable(),
  givenNames: z.string().max(100).nullable(),
  /** ISO date, from an MRZ only. */
  birthDate: z.string().max(10).nullable(),
  /** The identity document presented to the MRZ reader, when one was. */
  document: z
    .object({
      kind: z.enum(['CIE', 'idCard', 'passport']),
      number: z.string().max(20),
      issuingState: z.string().max(3),
      expiryDate: z.string().max(10),
    })
    .nullable(),
});
export type Identity = z.infer<typeof IdentitySchema>;

/** Why a card or a code could not be used, as the UI explains it to a resident. */
export const READ_PROBLEMS = [
  'unreadable', // the bytes could not be read: try again, more slowly
  'cf-check-char', // a codice fiscale whose check character is wrong
  'cf-malformed',
  'expired', // the document's expiry date has passed
  'not-a-card', // something was read, but not a card or receipt we know
] as const;
export const ReadProblemSchema = z.enum(READ_PROBLEMS);
export type ReadProblem = z.infer<typeof ReadProblemSchema>;

/**
 * What a reader just read (the `reader.read` event). Sent to the renderer
 * only; never logged. A flow that is not waiting for a card ignores it.
 */
export const ReaderReadSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('identity'), reader: z.enum(['scanner', 'magstripe', 'mrz']), identity: IdentitySchema }),
  z.object({
    kind: z.literal('receipt'),
    reader: z.literal('scanner'),
    requestCode: z.string(),
    pickupSecret: z.string().nullable(),
  }),
  z.object({ kind: z.literal('problem'), reader: z.enum(['scanner', 'magstripe', 'mrz']), problem: ReadProblemSchema }),
]);
export type ReaderRead = z.infer<typeof ReaderReadSchema>;

/** Why a certificate is asked on carta libera (DPR 642/1972, tabella B): the reasons the kiosk offers. */
export const EXEMPTION_REASONS = [
  'pension', // art. 9: pensioni e assegni
  'familyAllowance', // art. 9: assegni familiari
  'school', // art. 11: iscrizione scolastica, borse di studio
  'legalProceedings', // art. 3: atti del processo; separazione e divorzio (L. 74/1987 art. 19)
  'adoption', // art. 13: adozione e affidamento
  'onlus', // art. 27-bis: ONLUS e associazioni sportive dilettantistiche
] as const;
export const ExemptionReasonSchema = z.enum(EXEMPTION_REASONS);
export type ExemptionReason = z.infer<typeof ExemptionReasonSchema>;

/** The 14-digit identification number printed on a marca da bollo. */
export const StampNumberSchema = z.string().regex(/^\d{14}$/);

export const CertificateRequestSchema = z.strictObject({
  kind: z.literal('certificate'),
  locale: LocaleSchema,
  /** Code of a certificate type in the cached catalog. */
  certificateType: z.string().min(1).max(64),
  identity: IdentitySchema,
  /** For oneself, or for a member of one's family named here. */
  subject: z.discriminatedUnion('relation', [
    z.strictObject({ relation: z.literal('self') }),
    z.strictObject({
      relation: z.literal('family'),
      surname: z.string().trim().min(1).max(100),
      givenNames: z.string().trim().min(1).max(100),
    }),
  ]),
  /** `notDue` only for a certificate type the catalog marks as free of stamp duty (the runtime checks). */
  stampDuty: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('notDue') }),
    z.strictObject({ kind: z.literal('exempt'), reason: ExemptionReasonSchema }),
    z.strictObject({ kind: z.literal('stamp'), number: StampNumberSchema }),
  ]),
  delivery: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('kiosk') }),
    z.strictObject({ kind: z.literal('townHall') }),
    z.strictObject({ kind: z.literal('email'), address: z.email().max(200) }),
  ]),
});
export type CertificateRequest = z.infer<typeof CertificateRequestSchema>;

export const REPORT_CATEGORIES = ['lighting', 'roads', 'waste', 'greenery', 'water', 'other'] as const;
export const ReportCategorySchema = z.enum(REPORT_CATEGORIES);
export type ReportCategory = z.infer<typeof ReportCategorySchema>;

export const ReportRequestSchema = z.strictObject({
  kind: z.literal('report'),
  locale: LocaleSchema,
  category: ReportCategorySchema,
  place: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('street'), streetCode: z.string().min(1).max(32) }),
    z.strictObject({ kind: z.literal('nearKiosk') }),
  ]),
  description: z.string().trim().min(1).max(1000),
  /** How the office may answer besides the kiosk; null for none. */
  contact: z
    .strictObject({
      email: z.email().max(200).nullable(),
      phone: z
        .string()
        .regex(/^\+?[0-9 ]{6,20}$/)
        .nullable(),
    })
    .nullable(),
});
export type ReportRequest = z.infer<typeof ReportRequestSchema>;

export const NewRequestSchema = z.discriminatedUnion('kind', [CertificateRequestSchema, ReportRequestSchema]);
export type NewRequest = z.infer<typeof NewRequestSchema>;

/** What the printer did with a receipt: printed, or the problem the resident is told about. */
export const PrintOutcomeSchema = z.object({
  printed: z.boolean(),
  problem: z
    .enum(['PAPER_OUT', 'COVER_OPEN', 'DEVICE_OFFLINE', 'DEVICE_TIMEOUT', 'DEVICE_ERROR', 'NOT_CONFIGURED'])
    .nullable(),
});
export type PrintOutcome = z.infer<typeof PrintOutcomeSchema>;

/**
 * The text of a receipt as the printer gets it, so speech output can read the
 * receipt to a resident who cannot see it (EN 301 549 5.1.3: receipts spoken).
 * It is there whether the receipt printed or not. The QR's payload is never in
 * it; the pickup code printed under the QR is. Never logged.
 */
export const ReceiptTextSchema = z.object({
  /** The language it is printed in: the resident's; English for Arabic (PC858); Italian for a collected document. */
  locale: LocaleSchema,
  /** Every printed line in order, unwrapped: header, title, text, rows as `label: value`, footer. */
  lines: z.array(z.string()),
  /** The codes among the lines (request, pickup, verification), as printed: speech spells them. */
  codes: z.array(z.string()),
  /** The pickup code as printed under the QR; null on a receipt without one. */
  pickupCode: z.string().nullable(),
});
export type ReceiptText = z.infer<typeof ReceiptTextSchema>;

/** What the printer did with a receipt, and the receipt's text (for speech). */
export const ReceiptPrintSchema = PrintOutcomeSchema.extend({ receipt: ReceiptTextSchema });
export type ReceiptPrint = z.infer<typeof ReceiptPrintSchema>;

export const CreatedRequestSchema = z.object({
  /** The kiosk's request code, printed and shown (8 Crockford characters, e.g. `K7Q2-9FXM` shown grouped). */
  receiptCode: z.string(),
  createdAt: z.string(),
  print: ReceiptPrintSchema,
});
export type CreatedRequest = z.infer<typeof CreatedRequestSchema>;

/** The catalog the kiosk last pulled from the hub, shaped for the flows. */
export const ServicesCatalogSchema = z.object({
  /** False until the kiosk has pulled a catalog from the hub at least once. */
  available: z.boolean(),
  /** When the cached catalog was last written; null when none is. */
  updatedAt: z.string().nullable(),
  certificateTypes: z.array(z.object({ code: z.string(), name: LocalizedTextSchema, stampDuty: z.boolean() })),
  /** Report categories the hub accepts. */
  reportCategories: z.array(ReportCategorySchema),
  /** Streets of the stradario: this kiosk's frazione first, then the rest. */
  streets: z.array(z.object({ code: z.string(), name: z.string(), inThisFrazione: z.boolean() })),
});
export type ServicesCatalog = z.infer<typeof ServicesCatalogSchema>;

export const REQUEST_STATUSES = ['in-progress', 'answered', 'ready-for-pickup', 'closed', 'declined'] as const;

export const RequestLookupSchema = z.discriminatedUnion('found', [
  z.object({ found: z.literal(false) }),
  z.object({
    found: z.literal(true),
    receiptCode: z.string(),
    kind: z.enum(['certificate', 'report']),
    /** Certificate type or report category code. */
    service: z.string(),
    /** The certificate type's name from the cached catalog; null for reports or a type no longer listed. */
    serviceName: LocalizedTextSchema.nullable(),
    createdAt: z.string(),
    /** Where the request stands between this kiosk and the hub. */
    delivery: z.enum(['waiting', 'delivered', 'refused']),
    protocolNumber: z.string().nullable(),
    /** The back office's status as last pulled; null before any. */
    status: z.enum(REQUEST_STATUSES).nullable(),
    answer: z.string().nullable(),
    statusAt: z.string().nullable(),
    /** When this kiosk last heard from the hub (how old this answer may be); null if never. */
    lastPullAt: z.string().nullable(),
    online: z.boolean(),
  }),
]);
export type RequestLookup = z.infer<typeof RequestLookupSchema>;

// ── Pickup ──────────────────────────────────────────────────────────────────
//
// Ritiro documenti: a document the back office issued for pickup at this kiosk
// waits here encrypted under the receipt's pickup secret, which the kiosk never
// stores. `pickup.find` tells whether one waits, without the secret; the
// resident then gives the secret (scanned from the receipt's QR, or the pickup
// code typed from it) and shows the same card, and `pickup.collect` opens the
// document in memory, prints it, and only then records the collection.

/**
 * Whether a document waits for a request, by its receipt code. Nothing personal.
 * - `unknown`: no request with this code at this kiosk;
 * - `notReady`: the request exists, no document has arrived (yet);
 * - `ready`: one waits until `expiresAt`;
 * - `collected`: it was printed already; `expired`: its time ran out and it was deleted;
 * - `locked`: too many wrong attempts for this request or at this kiosk, until `until`.
 */
export const PickupLookupSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('unknown') }),
  z.object({ status: z.literal('notReady') }),
  z.object({
    status: z.literal('ready'),
    receiptCode: z.string(),
    title: LocalizedTextSchema,
    issuedAt: z.string(),
    expiresAt: z.string(),
  }),
  z.object({ status: z.literal('collected'), collectedAt: z.string() }),
  z.object({ status: z.literal('expired'), expiredAt: z.string() }),
  z.object({ status: z.literal('locked'), until: z.string() }),
]);
export type PickupLookup = z.infer<typeof PickupLookupSchema>;

/**
 * The secret that opens the document: as the scanner read it from the QR
 * (`SPORTELLO:1:<code>:<secret>`), or the pickup code printed under the QR,
 * as typed (Crockford base32; case, spaces and hyphens ignored).
 */
export const PickupKeySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('scanned'), pickupSecret: z.string().min(22).max(86) }),
  z.strictObject({ kind: z.literal('typed'), pickupCode: z.string().min(1).max(80) }),
]);
export type PickupKey = z.infer<typeof PickupKeySchema>;

export const PickupCollectInputSchema = z.strictObject({
  receiptCode: z.string().min(1).max(16),
  key: PickupKeySchema,
  /** The card shown now: its codice fiscale must be the applicant's. */
  identity: IdentitySchema,
});
export type PickupCollectInput = z.infer<typeof PickupCollectInputSchema>;

/**
 * The document was opened and sent to the printer. Printed: the collection is
 * recorded and the document deleted from the kiosk. Not printed: nothing is
 * recorded, the document still waits, and the resident may try again.
 */
export const PickupCollectedSchema = z.object({
  /** The receipt's text is the document as printed (Italian), for speech. */
  print: ReceiptPrintSchema,
  /** The document's title as printed (Italian). */
  title: z.string(),
  /** Printed on the document; shown on screen too, so it can be noted. */
  verificationCode: z.string(),
});
export type PickupCollected = z.infer<typeof PickupCollectedSchema>;

const pickupMethods = {
  /** Whether a document waits for the request with this receipt code (typed or scanned). Needs no secret. */
  'pickup.find': {
    input: z.object({ receiptCode: z.string().min(1).max(16) }).strict(),
    output: PickupLookupSchema,
  },
  /**
   * Opens the document with the resident's pickup secret, checks the card's
   * codice fiscale against the document's, prints it, and records the
   * collection only once it printed. Fails with NOT_FOUND (nothing waits),
   * PICKUP_WRONG_CODE, PICKUP_WRONG_CARD (both counted for the rate limit),
   * RATE_LIMITED, or SERVICE_UNAVAILABLE.
   */
  'pickup.collect': { input: PickupCollectInputSchema, output: PickupCollectedSchema },
} as const;

// ── Technician ──────────────────────────────────────────────────────────────
//
// Every technician method but `technician.login` takes the session token that
// login returned and fails with UNAUTHORIZED when it is missing, unknown or
// expired (the runtime keeps tokens in memory only, with an idle timeout).
// Every call is written to the kiosk's technician audit log (no personal data).

/** A technician session token: opaque, from `technician.login`. */
const TechTokenSchema = z.string().min(16).max(128);
const WithToken = z.object({ token: TechTokenSchema }).strict();

export const TechnicianLoginSchema = z.union([
  z.object({
    ok: z.literal(true),
    token: z.string(),
    /** The session ends after this long without a technician call. */
    idleTimeoutS: z.number().int().positive(),
  }),
  /** Wrong PIN or unknown card; this many tries are left before a lockout. */
  z.object({ ok: z.literal(false), problem: z.literal('wrong'), attemptsLeft: z.number().int().nonnegative() }),
  /** Too many wrong tries: nothing is checked until `retryAt` (ISO), and the delay grows with each lockout. */
  z.object({ ok: z.literal(false), problem: z.literal('locked'), retryAt: z.string() }),
]);
export type TechnicianLogin = z.infer<typeof TechnicianLoginSchema>;

/** Why the runtime refused a scanned technician card (mirrors CARD_REFUSALS of sync/protocol). */
export const TECHNICIAN_CARD_PROBLEMS = [
  'malformed',
  'forged',
  'expired',
  'revoked',
  'other-comune',
  'not-enrolled',
] as const;
export type TechnicianCardProblem = (typeof TECHNICIAN_CARD_PROBLEMS)[number];

/**
 * The `technician.card` event: a technician card was scanned and checked
 * offline by the runtime (signature by the pinned hub key, comune, expiry,
 * revocation). Good: a technician session is open, exactly as after a good
 * PIN; the UI enters technician mode with `token` when no resident service is
 * in progress, and otherwise ends that session at once (`technician.logout`).
 * Bad: refused with a reason, counted towards the PIN lockout. The card
 * itself never reaches the renderer.
 */
export const TechnicianCardEventSchema = z.union([
  z.object({ ok: z.literal(true), token: z.string(), idleTimeoutS: z.number().int().positive() }),
  z.object({
    ok: z.literal(false),
    problem: z.enum(TECHNICIAN_CARD_PROBLEMS),
    attemptsLeft: z.number().int().nonnegative(),
  }),
  z.object({ ok: z.literal(false), problem: z.literal('locked'), retryAt: z.string() }),
]);
export type TechnicianCardEvent = z.infer<typeof TechnicianCardEventSchema>;

/**
 * The `technician.progress` event: how far a running `technician.syncNow`
 * (requests out of the queue, of those queued when it started) or
 * `technician.checkIntegrity` (steps: one per table, then the file's pages)
 * is. Starts at `done: 0`; the last one comes just before the call answers,
 * with `done === total` unless the hub stopped answering.
 */
export const TechnicianProgressSchema = z.object({
  action: z.enum(['syncNow', 'checkIntegrity']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type TechnicianProgress = z.infer<typeof TechnicianProgressSchema>;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const LogLevelSchema = z.enum(LOG_LEVELS);
export type LogLevel = z.infer<typeof LogLevelSchema>;

/** One line of the runtime's log as the technician screen lists it (logs hold ids only, by construction). */
export const LogLineSchema = z.object({
  time: z.string(),
  level: LogLevelSchema,
  module: z.string().nullable(),
  event: z.string().nullable(),
  msg: z.string(),
});
export type LogLine = z.infer<typeof LogLineSchema>;

export const TechnicianOverviewSchema = z.object({
  status: KioskStatusSchema,
  /** True when a technician forced the kiosk out of service (it then stays out until one lifts it). */
  forcedOutOfService: z.boolean(),
  devices: DevicesStatusSchema,
  sync: SyncStateSchema,
  queue: z.object({
    queued: z.number().int().nonnegative(),
    sending: z.number().int().nonnegative(),
    accepted: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    oldestQueuedAgeMs: z.number().nonnegative().nullable(),
    /** The latest requests the hub refused: codes and reasons only. */
    rejectedItems: z.array(
      z.object({ receiptCode: z.string(), at: z.string(), code: z.string(), reason: z.string().nullable() }),
    ),
  }),
  storage: z.object({
    dbBytes: z.number().int().nonnegative(),
    /** Null when the store's filesystem cannot be measured. */
    freeBytes: z.number().int().nonnegative().nullable(),
    minFreeBytes: z.number().int().nonnegative(),
  }),
  config: z.object({
    hubUrl: z.string(),
    frazione: z.string(),
    devices: z.object({
      printer: z.string().nullable(),
      barcode: z.string().nullable(),
      magstripe: z.string().nullable(),
      mrz: z.string().nullable(),
    }),
  }),
  appVersion: z.string(),
  uptimeS: z.number().int().nonnegative(),
});
export type TechnicianOverview = z.infer<typeof TechnicianOverviewSchema>;

/** What a print was; decides what its preview hides (a request's QR and pickup code, a document's body). */
export const PRINT_PREVIEW_KINDS = ['test', 'request', 'document'] as const;

/** One of the last prints as an SVG image, masked by the runtime; kept in memory only. */
export const PrintPreviewSchema = z.object({
  id: z.number().int().positive(),
  at: z.string(),
  kind: z.enum(PRINT_PREVIEW_KINDS),
  printed: z.boolean(),
  problem: PrintOutcomeSchema.shape.problem,
  svg: z.string(),
});
export type PrintPreview = z.infer<typeof PrintPreviewSchema>;

/** A device path typed by a technician: absolute, no spaces; null to leave the device unconfigured. */
const DevicePathInputSchema = z.string().trim().min(1).max(300).nullable();

/**
 * A configuration change from the technician screen; absent fields stay as
 * they are. The enrollment code is used once and never stored nor logged.
 */
export const TechnicianConfigChangeSchema = z
  .object({
    token: TechTokenSchema,
    hubUrl: z.string().trim().min(1).max(300).optional(),
    enrollmentCode: z.string().trim().min(1).max(64).optional(),
    devices: z
      .object({
        printer: DevicePathInputSchema.optional(),
        barcode: DevicePathInputSchema.optional(),
        magstripe: DevicePathInputSchema.optional(),
        mrz: DevicePathInputSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type TechnicianConfigChange = z.infer<typeof TechnicianConfigChangeSchema>;

/**
 * Why a configuration change was refused; nothing was changed.
 * - `invalid`: the field is not shaped right (a URL, an absolute path);
 * - `path-missing`: no such device path; `not-a-device`: the path is not a serial device;
 * - `enroll-refused`: the hub refused the enrollment code (unknown, used or expired);
 * - `hub-unreachable`: the hub did not answer the enrollment.
 */
export const CONFIG_PROBLEMS = [
  'invalid',
  'path-missing',
  'not-a-device',
  'enroll-refused',
  'hub-unreachable',
] as const;
export type ConfigProblem = (typeof CONFIG_PROBLEMS)[number];

export const TechnicianConfigResultSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    config: TechnicianOverviewSchema.shape.config,
    /** The devices closed and opened again on their new paths. */
    reopened: z.array(z.enum(['printer', 'barcode', 'magstripe', 'mrz'])),
    /** The sync client was restarted (hub URL or enrollment changed). */
    syncRestarted: z.boolean(),
  }),
  z.object({
    ok: z.literal(false),
    problem: z.enum(CONFIG_PROBLEMS),
    /** The field at fault: `hubUrl`, `enrollmentCode`, `devices.printer`, … */
    field: z.string(),
  }),
]);
export type TechnicianConfigResult = z.infer<typeof TechnicianConfigResultSchema>;

const technicianMethods = {
  /**
   * Checks a technician PIN (typed on the PIN pad; never shown, logged or read
   * aloud). A wrong PIN or a lockout is an answer, not an error.
   */
  'technician.login': {
    input: z.object({ pin: z.string().regex(/^\d{4,12}$/) }).strict(),
    output: TechnicianLoginSchema,
  },
  /** Ends the technician session now. */
  'technician.logout': { input: WithToken, output: z.object({}) },
  /** Everything the technician's screens show at a glance: status, devices, queue, storage, configuration. */
  'technician.overview': { input: WithToken, output: TechnicianOverviewSchema },
  /** Prints a test receipt (errors as `devices.testPrint`). */
  'technician.testPrint': { input: WithToken, output: z.object({ mm: z.number().nonnegative() }) },
  /** The readers' last reads, personal fields masked, newest first. */
  'technician.lastReads': { input: WithToken, output: z.array(LastReadSchema) },
  /** A new paper roll was loaded: the paper counter starts again; answers the printer's new state. */
  'technician.paperReplaced': { input: WithToken, output: DevicesStatusSchema.shape.printer },
  /** Syncs with the hub now and answers when the cycle is over (`technician.progress` events meanwhile). */
  'technician.syncNow': { input: WithToken, output: SyncStateSchema },
  /**
   * Runs SQLite's full integrity check on the store, table by table with
   * `technician.progress` events; a failure puts the kiosk out of service.
   */
  'technician.checkIntegrity': {
    input: WithToken,
    output: z.object({ ok: z.boolean(), detail: z.string(), ms: z.number().nonnegative() }),
  },
  /** The last lines of the runtime's log, newest first, optionally at or above a level and of one module. */
  'technician.logs': {
    input: z
      .object({
        token: TechTokenSchema,
        minLevel: LogLevelSchema.optional(),
        module: z
          .string()
          .regex(/^[a-z][a-z-]{0,31}$/)
          .optional(),
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict(),
    output: z.array(LogLineSchema),
  },
  /** Puts the kiosk out of service with a note for residents, or back in service (persisted across restarts). */
  /** The last prints (up to 5) as masked SVG previews, newest first: in the runtime's memory only. */
  'technician.printPreviews': { input: WithToken, output: z.array(PrintPreviewSchema) },
  /**
   * Changes the hub URL, enrolls (again) with a one-time code, or changes device
   * paths: validated, persisted on the kiosk over the configuration file, and
   * applied at once (devices reopened, sync restarted). A refused change is an
   * answer naming the field, and nothing is changed.
   */
  'technician.configure': { input: TechnicianConfigChangeSchema, output: TechnicianConfigResultSchema },
  /**
   * Restarts the UI (the renderer reloads itself after this answer; the call is
   * only audited) or the runtime (devices, store and sync closed and opened
   * again shortly after this answer; every session, technician's included, ends).
   */
  'technician.restart': {
    input: z.object({ token: TechTokenSchema, target: z.enum(['ui', 'runtime']) }).strict(),
    output: z.object({}),
  },
  'technician.setService': {
    input: z
      .object({ token: TechTokenSchema, inService: z.boolean(), message: z.string().trim().max(200).optional() })
      .strict(),
    output: KioskStatusSchema,
  },
} as const;

// ── Speech (EN 301 549 closed functionality: usable without sight) ───────────

export const AudioStatusSchema = z.object({
  /** Headphones in the jack: the UI turns speech on when they go in. */
  headphones: z.boolean(),
  /** espeak-ng amplitude, 20–200 (100 normal). */
  volume: z.number().int(),
});
export type AudioStatus = z.infer<typeof AudioStatusSchema>;

export const methods = {
  /** Who and where this kiosk is, its languages, and whether it can serve. */
  'kiosk.describe': { input: Empty, output: KioskDescriptionSchema },
  /** Office hours, contacts and the nearest staffed counter, from the local store. */
  'info.get': { input: Empty, output: InfoSchema },
  /** A resident session ended (timeout or done). Counts only: nothing personal. */
  'session.ended': {
    input: z.object({ reason: z.enum(['idle', 'home', 'done']) }).strict(),
    output: z.object({ sessions: z.number().int().nonnegative() }),
  },
  /** Connection and problems of every device (also pushed as the `devices.status` event). */
  'devices.status': { input: Empty, output: DevicesStatusSchema },
  /** Prints a test receipt; fails with PAPER_OUT, COVER_OPEN, DEVICE_OFFLINE, DEVICE_TIMEOUT or DEVICE_ERROR. */
  'devices.testPrint': { input: Empty, output: z.object({ mm: z.number().nonnegative() }) },
  /** The last reads of every reader, personal fields masked, newest first. */
  'devices.lastReads': { input: Empty, output: z.array(LastReadSchema) },
  /** The queue and the link to the hub (also pushed as the `sync.status` event). */
  'sync.status': { input: Empty, output: SyncStateSchema },
  /**
   * Speaks `text` in `locale` through the headphone jack, interrupting what is
   * being said; answers at once. The UI sends only what the screen shows:
   * never a PIN. Nothing spoken is logged.
   */
  'speech.say': {
    input: z.object({ text: z.string().min(1).max(4000), locale: LocaleSchema }).strict(),
    output: z.object({}),
  },
  'speech.repeat': { input: Empty, output: z.object({}) },
  'speech.stop': { input: Empty, output: z.object({}) },
  /** The keypad's volume keys; `reset` at the end of a session. */
  'speech.volume': {
    input: z.object({ change: z.enum(['up', 'down', 'reset']) }).strict(),
    output: AudioStatusSchema,
  },
  'audio.status': { input: Empty, output: AudioStatusSchema },
  /** Checks a typed codice fiscale (shape and check character) before anything else happens. */
  'identity.checkCodiceFiscale': {
    input: z.object({ codiceFiscale: z.string().max(40) }).strict(),
    output: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), codiceFiscale: z.string() }),
      z.object({ ok: z.literal(false), problem: z.enum(['cf-malformed', 'cf-check-char']) }),
    ]),
  },
  /** Certificate types, report categories and streets, from the catalog last pulled from the hub. */
  'services.catalog': { input: Empty, output: ServicesCatalogSchema },
  /**
   * Seals the personal data to the hub's key, writes the request and its outbox
   * row in one transaction, then prints the receipt. Fails with INVALID_INPUT,
   * SERVICE_UNAVAILABLE or STORE_FULL (nothing written); a printer problem is
   * not a failure: the request is safe and `print` says what went wrong.
   */
  'requests.create': { input: NewRequestSchema, output: CreatedRequestSchema },
  /** Prints again the receipt of a request made in this session (after paper was refilled). */
  'requests.reprint': {
    input: z.object({ receiptCode: z.string().min(1).max(16) }).strict(),
    output: ReceiptPrintSchema,
  },
  /** Where a request stands, by its receipt code (typed or scanned). Nothing personal. */
  'requests.lookup': {
    input: z.object({ receiptCode: z.string().min(1).max(16) }).strict(),
    output: RequestLookupSchema,
  },
  ...technicianMethods,
  ...pickupMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.infer<Methods[M]['output']>;

export const events = {
  'kiosk.status': KioskStatusSchema,
  'devices.status': DevicesStatusSchema,
  'sync.status': SyncStateSchema,
  'reader.read': ReaderReadSchema,
  'audio.status': AudioStatusSchema,
  'technician.card': TechnicianCardEventSchema,
  'technician.progress': TechnicianProgressSchema,
} as const;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.infer<Events[E]>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

export const RequestFrameSchema = z.object({
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(64),
  input: z.unknown(),
});
export type RequestFrame = z.infer<typeof RequestFrameSchema>;

export type ResponseFrame = { id: number | null; result: Result<unknown> };
export type EventFrame = { event: EventName; payload: unknown };
export type ServerFrame = ResponseFrame | EventFrame;

/** Largest frame either side accepts; larger ones are refused unread. */
export const MAX_FRAME_BYTES = 64 * 1024;
