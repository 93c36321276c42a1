/**
 * The kiosk's offline check of a scanned technician card: signature by the
 * hub signing key pinned at enrollment, this kiosk's comune, validity, and
 * the revocation list as last pulled. The token is a credential: it is checked
 * here and dropped; it is never logged, stored or sent to the renderer.
 */
import type { Database } from 'better-sqlite3';
import { loadEnrollment } from '../../sync/client/enrollment';
import { verifyTechnicianCard } from '../../sync/crypto/technician-card';
import type { CardVerification } from '../../sync/crypto/technician-card';
import { getCache } from '../../sync/store/hub-cache';

/** The revoked card ids of the last pull (an empty list before the first one). */
export function revokedCards(db: Database): Set<string> {
  const body = getCache(db, 'revokedCards')?.body;
  return new Set(Array.isArray(body) ? body.filter((id): id is string => typeof id === 'string') : []);
}

export function checkTechnicianCard(db: Database, token: string, now: number): CardVerification {
  const enrollment = loadEnrollment(db);
  if (enrollment === null) return { ok: false, reason: 'not-enrolled' };
  const revoked = revokedCards(db);
  return verifyTechnicianCard(token, {
    hubPublicKey: enrollment.hubSigningKey,
    comune: enrollment.comune.istat,
    now,
    isRevoked: (id) => revoked.has(id),
  });
}
