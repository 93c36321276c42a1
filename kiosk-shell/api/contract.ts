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
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.infer<Methods[M]['output']>;

export const events = {
  'kiosk.status': KioskStatusSchema,
  'devices.status': DevicesStatusSchema,
  'sync.status': SyncStateSchema,
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
