/**
 * Pull cursors. Opaque to the kiosk; to the hub, a cursor says what the kiosk
 * has already: the last status change it was given (its `seq`) and the
 * version of each catalog it holds. So a pull needs no per-kiosk state at the
 * hub, and any hub process can answer it.
 *
 * Format: `v1.` + base64url(JSON `{ s, v }`). Not signed: it travels inside
 * signed requests and answers, and a kiosk that forged one could only skip or
 * re-read its own status changes (they are filtered by kiosk).
 */
import { z } from 'zod';
import { fromBase64url, toBase64url } from '../sync/crypto/base64url';
import { CatalogVersionSchema, NonNegativeIntSchema } from '../sync/protocol';
import type { CatalogName } from '../sync/protocol';

const PREFIX = 'v1.';

const CursorStateSchema = z.strictObject({
  s: NonNegativeIntSchema,
  v: z.strictObject({
    catalog: CatalogVersionSchema.optional(),
    stradario: CatalogVersionSchema.optional(),
    offices: CatalogVersionSchema.optional(),
  } satisfies Record<CatalogName, z.ZodType>),
});

export type CursorState = {
  /** The `seq` of the last status change delivered (0: none yet). */
  seq: number;
  /** The catalog versions the kiosk holds. */
  versions: Partial<Record<CatalogName, string>>;
};

export const INITIAL_CURSOR: CursorState = { seq: 0, versions: {} };

export function encodeCursor(state: CursorState): string {
  const json = JSON.stringify({ s: state.seq, v: state.versions });
  return PREFIX + toBase64url(Buffer.from(json, 'utf8'));
}

/** The state in a cursor; null when it is not one this hub made. */
export function decodeCursor(cursor: string): CursorState | null {
  if (!cursor.startsWith(PREFIX)) return null;
  try {
    const json = Buffer.from(fromBase64url(cursor.slice(PREFIX.length))).toString('utf8');
    const parsed = CursorStateSchema.safeParse(JSON.parse(json));
    return parsed.success ? { seq: parsed.data.s, versions: parsed.data.v } : null;
  } catch {
    return null;
  }
}
