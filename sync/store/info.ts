import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';

/** Office information as the store keeps it; the hub will publish it later, the demo config seeds it now. */
export type StoredOffice = {
  id: string;
  name: string;
  address: string;
  phone: string;
  email: string;
  staffed: boolean;
  lat: number;
  lon: number;
  hours: Array<{ day: number; opens: string; closes: string }>;
};
export type StoredContact = { topic: string; phone: string; email: string };
export type OfficeInfo = { offices: StoredOffice[]; contacts: StoredContact[] };

const SEED_KEY = 'info.seed';

function digest(info: OfficeInfo): string {
  return createHash('sha256').update(JSON.stringify(info)).digest('hex');
}

/**
 * Replaces the office information with `info` when it differs from what was
 * last seeded. Returns true when it wrote. One transaction: a reader never
 * sees half the offices.
 */
export function seedInfo(db: Database, info: OfficeInfo): boolean {
  const hash = digest(info);
  const current = db.prepare('SELECT value FROM meta WHERE key = ?').get(SEED_KEY) as { value: string } | undefined;
  if (current?.value === hash) return false;
  const insertOffice = db.prepare(
    `INSERT INTO offices (id, position, name, address, phone, email, staffed, lat, lon, hours)
     VALUES (@id, @position, @name, @address, @phone, @email, @staffed, @lat, @lon, @hours)`,
  );
  const insertContact = db.prepare(
    'INSERT INTO contacts (topic, position, phone, email) VALUES (@topic, @position, @phone, @email)',
  );
  db.transaction(() => {
    db.prepare('DELETE FROM offices').run();
    db.prepare('DELETE FROM contacts').run();
    info.offices.forEach((o, position) =>
      insertOffice.run({ ...o, position, staffed: o.staffed ? 1 : 0, hours: JSON.stringify(o.hours) }),
    );
    info.contacts.forEach((c, position) => insertContact.run({ ...c, position }));
    db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(SEED_KEY, hash);
  })();
  return true;
}

type OfficeRow = Omit<StoredOffice, 'staffed' | 'hours'> & { staffed: number; hours: string };

export function readInfo(db: Database): OfficeInfo {
  const offices = (
    db
      .prepare('SELECT id, name, address, phone, email, staffed, lat, lon, hours FROM offices ORDER BY position')
      .all() as OfficeRow[]
  ).map((r) => ({
    ...r,
    staffed: r.staffed === 1,
    hours: JSON.parse(r.hours) as StoredOffice['hours'],
  }));
  const contacts = db.prepare('SELECT topic, phone, email FROM contacts ORDER BY position').all() as StoredContact[];
  return { offices, contacts };
}
