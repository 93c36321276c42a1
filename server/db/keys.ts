/**
 * The hub's own keys: X25519 to open sealed personal data, Ed25519 to sign its
 * answers. Made at the first start and stored in the database, so every hub
 * process on the database uses the same ones.
 *
 * Known limitation: the private keys sit in the database in the clear. They
 * belong in a KMS or HSM (the hub would ask it to sign and to open); until
 * then, protect database backups as you would the keys.
 */
import type { Kysely } from 'kysely';
import { generateHubKeys, importHubKeys, recipientKeyIdFor } from '../../sync/crypto/seal';
import type { HubKeys } from '../../sync/crypto/seal';
import type { HubDatabase } from './schema';

const PRIMARY = 'primary';

export type LoadedHubKeys = HubKeys & {
  /** recipientKeyIdFor(encryption.publicKey): what an envelope sealed to this hub names. */
  recipientId: string;
};

/**
 * Returns the hub keys, making them when the database has none. Two processes
 * starting together on a fresh database agree: the insert of the one slot is
 * conflict-free and both read back the winner.
 */
export async function ensureHubKeys(db: Kysely<HubDatabase>, now: number): Promise<LoadedHubKeys> {
  const fresh = generateHubKeys();
  await db
    .insertInto('hub_keys')
    .values({
      slot: PRIMARY,
      recipient_id: recipientKeyIdFor(fresh.encryption.publicKey),
      encryption_private: fresh.encryption.privateKey,
      signing_private: fresh.signing.privateKey,
      created_at: now,
    })
    .onConflict((oc) => oc.column('slot').doNothing())
    .execute();
  const row = await db
    .selectFrom('hub_keys')
    .select(['encryption_private', 'signing_private', 'recipient_id'])
    .where('slot', '=', PRIMARY)
    .executeTakeFirstOrThrow();
  const keys = importHubKeys({ encryption: row.encryption_private, signing: row.signing_private });
  return { ...keys, recipientId: row.recipient_id };
}

/** The recipient ids of every encryption key the hub holds (one today; more after a rotation). */
export async function heldRecipientIds(db: Kysely<HubDatabase>): Promise<Set<string>> {
  const rows = await db.selectFrom('hub_keys').select('recipient_id').execute();
  return new Set(rows.map((r) => r.recipient_id));
}
