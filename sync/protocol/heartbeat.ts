/**
 * POST /v1/heartbeat — the kiosk tells the fleet dashboard how it is, every
 * minute or so; the answer carries the hub's clock, which the kiosk uses to
 * keep its request timestamps inside the hub's window.
 */
import { z } from 'zod';
import { CatalogVersionSchema, NonNegativeIntSchema, SoftwareVersionSchema, TimestampSchema } from './common';
import type { CatalogName } from './pull';

export const DEVICE_KINDS = ['printer', 'barcode', 'magstripe', 'mrz'] as const;
export const DEVICE_STATES = ['ok', 'warning', 'error', 'offline', 'not-configured'] as const;

export const DeviceStateSchema = z.strictObject({
  device: z.enum(DEVICE_KINDS),
  state: z.enum(DEVICE_STATES),
  /** The device error code when not ok (`PAPER_OUT`, `COVER_OPEN`, …), else null. */
  code: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,47}$/)
    .nullable(),
});
export type DeviceState = z.infer<typeof DeviceStateSchema>;

export const HeartbeatRequestSchema = z.strictObject({
  devices: z.array(DeviceStateSchema).max(DEVICE_KINDS.length),
  /** Submissions not yet acknowledged by the hub. */
  queueDepth: NonNegativeIntSchema,
  /** Age of the oldest of them in ms by the kiosk's clock; null when the queue is empty. */
  oldestQueuedAgeMs: NonNegativeIntSchema.nullable(),
  versions: z.strictObject({
    app: SoftwareVersionSchema,
    /** Version of each cached catalog; absent when the kiosk has none yet. */
    catalogs: z.strictObject({
      catalog: CatalogVersionSchema.optional(),
      stradario: CatalogVersionSchema.optional(),
      offices: CatalogVersionSchema.optional(),
    } satisfies Record<CatalogName, z.ZodType>),
  }),
  /** Seconds since the runtime started. */
  uptimeS: NonNegativeIntSchema,
  /** The receipt roll, when the kiosk has a printer (optional: kiosks before 0.2 do not send it). */
  paper: z
    .strictObject({
      /** The near-end sensor (or the estimate) says the roll is nearly done. */
      nearEnd: z.boolean(),
      /** Receipts left on the roll, estimated from the paper counter; null when unknown. */
      remainingReceipts: NonNegativeIntSchema.nullable(),
    })
    .optional(),
  /** Code of the last failure the kiosk saw (sync or device), e.g. HUB_UNREACHABLE; codes only, never text. */
  lastError: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,47}$/)
    .nullable()
    .optional(),
  /**
   * Whether the kiosk is out of service, and why: null when it serves (optional:
   * kiosks before 0.2 do not send it). `reason` is a code (TECHNICIAN,
   * STORE_INTEGRITY, DISK_LOW, DEVICES, …); `message` a technician's note.
   */
  outOfService: z
    .strictObject({
      reason: z.string().regex(/^[A-Z][A-Z0-9_]{0,47}$/),
      message: z.string().max(200).nullable(),
    })
    .nullable()
    .optional(),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequestSchema>;

export const HeartbeatResponseSchema = z.object({
  ok: z.literal(true),
  serverTime: TimestampSchema,
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;
