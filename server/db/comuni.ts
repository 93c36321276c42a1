/**
 * Comuni, their frazioni, what the hub publishes to their kiosks (catalogs
 * and alerts), and the audit log of the actions that change them.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import {
  AlertSchema,
  CodeSchema,
  IstatCodeSchema,
  OfficeInfoSchema,
  ServiceCatalogSchema,
  StradarioSchema,
} from '../../sync/protocol';
import type { Alert, CatalogName, Catalogs } from '../../sync/protocol';
import { HubError } from '../errors';
import type { HubDatabase } from './schema';

/** Codice catastale (Belfiore): a letter and three digits. */
export const CatastaleSchema = z.string().regex(/^[A-Z]\d{3}$/, 'codice catastale is a letter and three digits');
const NameSchema = z.string().trim().min(1).max(200);

export type ComuneInput = { istat: string; name: string; catastale: string };
export type FrazioneInput = { istat: string; code: string; name: string };

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HubError('INVALID_INPUT', `${what}: ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
  return result.data;
}

/** Appends one line to the audit log: who did what to which id. Ids and codes only. */
export async function audit(
  db: Kysely<HubDatabase>,
  entry: { at: number; actor: string; action: string; subject: string; detail?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: uuidv7({ msecs: entry.at }),
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
    })
    .execute();
}

/** Adds a comune; returns false when one with this ISTAT code already exists (nothing changed). */
export async function insertComune(db: Kysely<HubDatabase>, input: ComuneInput, now: number): Promise<boolean> {
  const comune = {
    istat: parse(IstatCodeSchema, input.istat, 'ISTAT code'),
    name: parse(NameSchema, input.name, 'name'),
    catastale: parse(CatastaleSchema, input.catastale, 'codice catastale'),
  };
  const taken = await db
    .selectFrom('comuni')
    .select(['istat', 'catastale'])
    .where((eb) => eb.or([eb('istat', '=', comune.istat), eb('catastale', '=', comune.catastale)]))
    .executeTakeFirst();
  if (taken?.istat === comune.istat) return false;
  if (taken !== undefined) {
    throw new HubError('ALREADY_EXISTS', `codice catastale ${comune.catastale} belongs to comune ${taken.istat}`);
  }
  // Conflict-free, so two hubs seeding one fresh database at once both succeed.
  const result = await db
    .insertInto('comuni')
    .values({ ...comune, created_at: now })
    .onConflict((oc) => oc.column('istat').doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Adds a frazione to a comune; returns false when it already exists. */
export async function insertFrazione(db: Kysely<HubDatabase>, input: FrazioneInput, now: number): Promise<boolean> {
  const istat = parse(IstatCodeSchema, input.istat, 'ISTAT code');
  const code = parse(CodeSchema, input.code, 'frazione code');
  const name = parse(NameSchema, input.name, 'name');
  await requireComune(db, istat);
  const result = await db
    .insertInto('frazioni')
    .values({ comune_istat: istat, code, name, created_at: now })
    .onConflict((oc) => oc.columns(['comune_istat', 'code']).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function requireComune(db: Kysely<HubDatabase>, istat: string) {
  const comune = await db.selectFrom('comuni').selectAll().where('istat', '=', istat).executeTakeFirst();
  if (comune === undefined) throw new HubError('NOT_FOUND', `no comune with ISTAT code ${istat}`);
  return comune;
}

export async function requireFrazione(db: Kysely<HubDatabase>, istat: string, code: string) {
  const frazione = await db
    .selectFrom('frazioni')
    .selectAll()
    .where('comune_istat', '=', istat)
    .where('code', '=', code)
    .executeTakeFirst();
  if (frazione === undefined) throw new HubError('NOT_FOUND', `comune ${istat} has no frazione ${code}`);
  return frazione;
}

/** Each published document's schema, without the version the hub assigns. */
export const CATALOG_BODY_SCHEMAS = {
  catalog: ServiceCatalogSchema.omit({ version: true }),
  stradario: StradarioSchema.omit({ version: true }),
  offices: OfficeInfoSchema.omit({ version: true }),
} as const;

export type CatalogBody<N extends CatalogName> = z.infer<(typeof CATALOG_BODY_SCHEMAS)[N]>;

/** The version of a document: a hash of its content, so equal content has one version on every hub. */
function versionOf(json: string): string {
  return `sha256-${createHash('sha256').update(json).digest('hex').slice(0, 24)}`;
}

/** Publishes a catalog document for a comune's kiosks; returns its version (unchanged content, unchanged version). */
export async function putCatalog<N extends CatalogName>(
  db: Kysely<HubDatabase>,
  istat: string,
  name: N,
  body: CatalogBody<N>,
  now: number,
): Promise<string> {
  const parsed = parse(CATALOG_BODY_SCHEMAS[name] as unknown as z.ZodType<CatalogBody<N>>, body, `catalog ${name}`);
  await requireComune(db, istat);
  const json = JSON.stringify(parsed);
  const version = versionOf(json);
  await db
    .insertInto('catalogs')
    .values({ comune_istat: istat, name, version, body: json, updated_at: now })
    .onConflict((oc) => oc.columns(['comune_istat', 'name']).doUpdateSet({ version, body: json, updated_at: now }))
    .execute();
  return version;
}

/** The current version of each published document of a comune. */
export async function catalogVersions(
  db: Kysely<HubDatabase>,
  istat: string,
): Promise<Partial<Record<CatalogName, string>>> {
  const rows = await db.selectFrom('catalogs').select(['name', 'version']).where('comune_istat', '=', istat).execute();
  return Object.fromEntries(rows.map((r) => [r.name, r.version]));
}

/** The documents named, complete with their versions, in the shape a pull carries. */
export async function loadCatalogs(
  db: Kysely<HubDatabase>,
  istat: string,
  names: readonly CatalogName[],
): Promise<Catalogs> {
  if (names.length === 0) return {};
  const rows = await db
    .selectFrom('catalogs')
    .select(['name', 'version', 'body'])
    .where('comune_istat', '=', istat)
    .where('name', 'in', [...names])
    .execute();
  const out: Record<string, unknown> = {};
  for (const row of rows) out[row.name] = { version: row.version, ...(JSON.parse(row.body) as object) };
  return out;
}

export type AlertInput = Omit<Alert, 'id' | 'validUntil'> & {
  id?: string;
  istat: string;
  /** Only this frazione's kiosks; every kiosk of the comune when absent. */
  frazione?: string;
  validFrom?: number;
  validUntil: number;
};

/** Publishes (or replaces, by id) an alert; returns its id. */
export async function putAlert(db: Kysely<HubDatabase>, input: AlertInput, now: number): Promise<string> {
  const id = input.id ?? uuidv7({ msecs: now });
  const alert = parse(
    AlertSchema,
    {
      id,
      level: input.level,
      title: input.title,
      body: input.body,
      validUntil: new Date(input.validUntil).toISOString(),
    },
    'alert',
  );
  await requireComune(db, input.istat);
  if (input.frazione !== undefined) await requireFrazione(db, input.istat, input.frazione);
  const row = {
    comune_istat: input.istat,
    frazione_code: input.frazione ?? null,
    level: alert.level,
    title_json: JSON.stringify(alert.title),
    body_json: alert.body === undefined ? null : JSON.stringify(alert.body),
    valid_from: input.validFrom ?? now,
    valid_until: input.validUntil,
  };
  await db
    .insertInto('alerts')
    .values({ id, ...row, created_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute();
  return id;
}

/** Alerts valid now for a kiosk of this comune and frazione. */
export async function currentAlerts(
  db: Kysely<HubDatabase>,
  istat: string,
  frazione: string,
  now: number,
): Promise<Alert[]> {
  const rows = await db
    .selectFrom('alerts')
    .selectAll()
    .where('comune_istat', '=', istat)
    .where('valid_until', '>', now)
    .where('valid_from', '<=', now)
    .where((eb) => eb.or([eb('frazione_code', 'is', null), eb('frazione_code', '=', frazione)]))
    .orderBy('valid_from')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    level: r.level as Alert['level'],
    title: JSON.parse(r.title_json) as Alert['title'],
    ...(r.body_json === null ? {} : { body: JSON.parse(r.body_json) as Alert['title'] }),
    validUntil: new Date(r.valid_until).toISOString(),
  }));
}
