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

export const KioskStatusSchema = z.object({
  inService: z.boolean(),
  /** Why the kiosk cannot serve; null when it can. */
  outOfServiceReason: z.enum(['STORE_INTEGRITY']).nullable(),
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

export const CreatedRequestSchema = z.object({
  /** The kiosk's request code, printed and shown (8 Crockford characters, e.g. `K7Q2-9FXM` shown grouped). */
  receiptCode: z.string(),
  createdAt: z.string(),
  print: PrintOutcomeSchema,
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
    output: PrintOutcomeSchema,
  },
  /** Where a request stands, by its receipt code (typed or scanned). Nothing personal. */
  'requests.lookup': {
    input: z.object({ receiptCode: z.string().min(1).max(16) }).strict(),
    output: RequestLookupSchema,
  },
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
