/**
 * GET /v1/pull?cursor=<opaque> — the kiosk fetches what changed for it.
 *
 * The cursor is the hub's, opaque to the kiosk: it stores the one it was last
 * given and sends it back (none on the first pull). It is limited to URL-safe
 * characters so the signed path is the path sent, with no percent-encoding
 * in between. While `hasMore` is true the kiosk pulls again at once.
 *
 * - `statusChanges`: what happened to this kiosk's submissions since the
 *   cursor, oldest first; a submission may appear more than once.
 * - `catalogs`: only the catalogs whose version changed since the cursor,
 *   each complete; the kiosk replaces its cached copy wholesale.
 * - `alerts`: every alert currently valid for this kiosk's frazione, always
 *   complete; the kiosk replaces its list (an alert missing is withdrawn).
 * - `revokedCards`: the ids of every technician card of this kiosk's comune
 *   revoked and not yet expired, always complete; the kiosk replaces its list.
 */
import { z } from 'zod';
import { CatalogVersionSchema, CodeSchema, LocalizedTextSchema, TimestampSchema, UuidV7Schema } from './common';
import { MAX_CURSOR_CHARS, MAX_PICKUP_ENVELOPE_CHARS } from './limits';
import { SubmissionKindSchema } from './push';
import { CardIdSchema } from './technician-card';

export const CursorSchema = z
  .string()
  .min(1)
  .max(MAX_CURSOR_CHARS)
  .regex(/^[A-Za-z0-9._~-]+$/, 'cursor must be URL-safe')
  .meta({ description: 'Opaque pull cursor, made by the hub' });

export const PullQuerySchema = z.strictObject({ cursor: CursorSchema.optional() });
export type PullQuery = z.infer<typeof PullQuerySchema>;

/** Where a submission stands at the back office, after the hub accepted it. */
export const SUBMISSION_STATUSES = [
  'in-progress', // a clerk is working on it
  'answered', // `answer` holds the reply
  'ready-for-pickup', // a document waits at the kiosk or the counter
  'closed', // done, nothing more to come
  'declined', // the office turned the request down; `answer` says why
] as const;
export const SubmissionStatusSchema = z.enum(SUBMISSION_STATUSES);
export type SubmissionStatus = z.infer<typeof SubmissionStatusSchema>;

export const StatusChangeSchema = z.object({
  submissionId: UuidV7Schema,
  status: SubmissionStatusSchema,
  /**
   * The office's reply, shown to whoever enters the receipt code at the
   * kiosk. The clerk writes it for that audience: no personal data.
   */
  answer: z.string().max(4000).nullable(),
  at: TimestampSchema,
});
export type StatusChange = z.infer<typeof StatusChangeSchema>;

/** A service a resident can request at the kiosk; `service` of a push item is one of these codes. */
export const ServiceSchema = z.object({
  code: CodeSchema,
  kind: SubmissionKindSchema,
  title: LocalizedTextSchema,
  enabled: z.boolean(),
});
export type Service = z.infer<typeof ServiceSchema>;

/** A certificate ANPR issues (residenza, stato di famiglia, …). */
export const CertificateTypeSchema = z.object({
  code: CodeSchema,
  name: LocalizedTextSchema,
  /** True when the certificate needs a marca da bollo unless an exemption is declared. */
  stampDuty: z.boolean(),
  enabled: z.boolean(),
});
export type CertificateType = z.infer<typeof CertificateTypeSchema>;

/** One street of the comune's stradario. */
export const StreetSchema = z.object({
  /** The comune's street code (codice toponomastico). */
  code: z.string().min(1).max(32),
  /** Full name with its DUG, as the comune writes it: "Via Roma", "Piazza Garibaldi". */
  name: z.string().min(1).max(200),
  /** Frazione the street lies in; null for the capoluogo or streets crossing several. */
  frazione: CodeSchema.nullable(),
  postcode: z
    .string()
    .regex(/^\d{5}$/)
    .nullable(),
});
export type Street = z.infer<typeof StreetSchema>;

const TimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');

/** An office of the comune; the same fields the kiosk store keeps. */
export const OfficeSchema = z.object({
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  address: z.string().max(300),
  phone: z.string().max(40),
  email: z.string().max(200),
  /** Whether people work at the counter (vs. another unattended kiosk). */
  staffed: z.boolean(),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  hours: z.array(
    z.object({
      /** ISO weekday: 1 = Monday … 7 = Sunday. */
      day: z.number().int().min(1).max(7),
      opens: TimeSchema,
      closes: TimeSchema,
    }),
  ),
});
export type Office = z.infer<typeof OfficeSchema>;

export const ContactSchema = z.object({
  /** i18n key of the label, under `info.contact.` in the kiosk UI. */
  topic: z.string().regex(/^[a-z][a-zA-Z]*$/),
  phone: z.string().max(40),
  email: z.string().max(200),
});
export type Contact = z.infer<typeof ContactSchema>;

/** The services residents can request, with the ANPR certificate types: one document, one version. */
export const ServiceCatalogSchema = z.object({
  version: CatalogVersionSchema,
  services: z.array(ServiceSchema),
  certificateTypes: z.array(CertificateTypeSchema),
});
export type ServiceCatalog = z.infer<typeof ServiceCatalogSchema>;

export const StradarioSchema = z.object({ version: CatalogVersionSchema, streets: z.array(StreetSchema) });
export type Stradario = z.infer<typeof StradarioSchema>;

export const OfficeInfoSchema = z.object({
  version: CatalogVersionSchema,
  offices: z.array(OfficeSchema),
  contacts: z.array(ContactSchema),
});
export type OfficeInfo = z.infer<typeof OfficeInfoSchema>;

/**
 * The catalogs the hub publishes, each versioned on its own; a pull carries
 * only those that changed. The names are the kiosk store's cache names.
 */
export const CatalogsSchema = z.object({
  catalog: ServiceCatalogSchema.optional(),
  stradario: StradarioSchema.optional(),
  offices: OfficeInfoSchema.optional(),
});
export type Catalogs = z.infer<typeof CatalogsSchema>;
export const CATALOG_NAMES = ['catalog', 'stradario', 'offices'] as const;
export type CatalogName = (typeof CATALOG_NAMES)[number];

export const ALERT_LEVELS = ['info', 'warning', 'critical'] as const;

/** A notice the kiosk shows on its home screen (road works, office closed, …). */
export const AlertSchema = z.object({
  id: z.string().min(1).max(64),
  level: z.enum(ALERT_LEVELS),
  title: LocalizedTextSchema,
  body: LocalizedTextSchema.optional(),
  /** The kiosk stops showing it at this instant even before the next pull. */
  validUntil: TimestampSchema,
});
export type Alert = z.infer<typeof AlertSchema>;

/**
 * A document the back office issued for pickup at this kiosk, encrypted under
 * the key derived from the request's pickup secret (sync/crypto/pickup): the
 * kiosk can store it but cannot read it until a resident brings the receipt.
 * Sent once, in the pull after it was issued; the kiosk deletes it after
 * collection or at `expiresAt`.
 */
export const PickupDocumentSchema = z.object({
  id: UuidV7Schema,
  /** The request it answers: the kiosk finds the receipt code through it. */
  submissionId: UuidV7Schema,
  /** Shown before opening ("Certificato di residenza"); nothing personal. */
  title: LocalizedTextSchema,
  issuedAt: TimestampSchema,
  expiresAt: TimestampSchema,
  /** sync/crypto/pickup envelope, unpadded base64url. */
  envelope: z
    .base64url()
    .min(40)
    .max(MAX_PICKUP_ENVELOPE_CHARS)
    .meta({ description: 'sync/crypto/pickup envelope, unpadded base64url' }),
});
export type PickupDocument = z.infer<typeof PickupDocumentSchema>;

/** What a pickup envelope opens to: the document as the kiosk prints it. */
export const PickupContentSchema = z.object({
  v: z.literal(1),
  /** The applicant's codice fiscale: the card shown at pickup must carry the same; null when the request had none. */
  codiceFiscale: z
    .string()
    .regex(/^[A-Z0-9]{16}$/)
    .nullable(),
  /** Title as printed, in Italian (the document's language). */
  title: z.string().min(1).max(200),
  /** The document's text, one printed line or paragraph per entry; PC858-safe. */
  lines: z.array(z.string().max(2000)).max(200),
  /** Who issued it ("Comune di Castelnuovo Magra - Ufficio Anagrafe"). */
  issuer: z.string().max(200),
  issuedAt: TimestampSchema,
  /** Anyone checks the printed document with it on the hub's public verification page. */
  verificationCode: z.string().regex(/^[A-Z0-9-]{6,32}$/),
  /** The verification page's address, printed as a QR. */
  verificationUrl: z.string().url().max(200),
});
export type PickupContent = z.infer<typeof PickupContentSchema>;

export const PullResponseSchema = z.object({
  /** Send this on the next pull. */
  cursor: CursorSchema,
  /** True when more changes wait: pull again now. */
  hasMore: z.boolean(),
  statusChanges: z.array(StatusChangeSchema),
  catalogs: CatalogsSchema.optional(),
  alerts: z.array(AlertSchema),
  /** Documents issued for pickup at this kiosk since the cursor (absent from hubs before pickup existed). */
  documents: z.array(PickupDocumentSchema).optional(),
  /** Technician cards revoked and not yet expired (absent from hubs before cards existed). */
  revokedCards: z.array(CardIdSchema).max(10_000).optional(),
});
export type PullResponse = z.infer<typeof PullResponseSchema>;
