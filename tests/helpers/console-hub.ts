/**
 * A hub for the console suites: its own data directory (and its own
 * PostgreSQL schema on that backend), the three console roles as users, and
 * clients signed in over HTTP. Also a scratch hub database for the migration
 * tests, and the rows every migrated database since 0001 can hold.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { TestConsole } from '../../server/console-api/test-client';
import { openHubDb } from '../../server/db/open';
import type { HubDb } from '../../server/db/open';
import type { HubDatabase } from '../../server/db/schema';
import { startHub } from '../../server/hub';
import type { RunningHub, StartHubOptions } from '../../server/hub';
import { createTestSchema } from '../../server/testing/postgres';
import type { TestSchema } from '../../server/testing/postgres';

export const DATABASE_URL = process.env.DATABASE_URL;
/** SQLite always, PostgreSQL when DATABASE_URL is set. */
export const BACKENDS = ['sqlite', ...(DATABASE_URL ? ['postgres'] : [])] as const;
export type Backend = (typeof BACKENDS)[number];
export const ISTAT = '011011';
export const PASSWORD = 'correct horse battery';

export type ConsoleHub = {
  hub: RunningHub;
  dir: string;
  schema: TestSchema | null;
  /** A second connection to the hub's database, for checks that look at rows; closed with the hub. */
  reader(): Promise<HubDb>;
  close(): Promise<void>;
};

/**
 * Starts a hub on `backend` with `options`, its data in a new directory named
 * from `prefix`, and the users ada (admin), tecnico (technician) and
 * sportellista (clerk), all with PASSWORD.
 */
export async function startConsoleHub(
  backend: Backend,
  prefix: string,
  options: Omit<StartHubOptions, 'dataDir' | 'databaseUrl'> = {},
): Promise<ConsoleHub> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const schema = backend === 'postgres' ? await createTestSchema(DATABASE_URL!) : null;
  const hub = await startHub({ dataDir: dir, databaseUrl: schema?.url, ...options });
  await hub.users.create({ login: 'ada', role: 'admin', password: PASSWORD });
  await hub.users.create({ login: 'tecnico', role: 'technician', password: PASSWORD });
  await hub.users.create({ login: 'sportellista', role: 'clerk', password: PASSWORD });
  let reader: HubDb | null = null;
  return {
    hub,
    dir,
    schema,
    async reader() {
      reader ??= await openHubDb({ dataDir: dir, ...(schema ? { databaseUrl: schema.url } : {}) });
      return reader;
    },
    async close() {
      await hub.close();
      await reader?.close();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A console client signed in as `login` (its sign-in answered 200). */
export async function signedIn(hubUrl: string, login: string): Promise<TestConsole> {
  const consoleClient = new TestConsole(hubUrl);
  expect((await consoleClient.login(login, PASSWORD)).status).toBe(200);
  return consoleClient;
}

/** Runs `test` on an empty SQLite hub database in a new directory, removed afterwards. */
export async function withScratchHubDb(prefix: string, test: (db: Kysely<HubDatabase>) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = new Kysely<HubDatabase>({ dialect: new SqliteDialect({ database: new Database(join(dir, 'hub.db')) }) });
  try {
    await test(db);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The demo comune, its frazione Canale and the kiosk k-1 there, as 0001 and every later schema hold them. */
export async function seedKiosk(
  db: Kysely<HubDatabase>,
  at: number,
  lastHeartbeat: { json: string; at: number } | null = null,
): Promise<void> {
  await db
    .insertInto('comuni')
    .values({ istat: ISTAT, name: 'Castelnuovo Magra', catastale: 'C240', created_at: at })
    .execute();
  await db
    .insertInto('frazioni')
    .values({ comune_istat: ISTAT, code: 'canale', name: 'Canale', created_at: at })
    .execute();
  await db
    .insertInto('kiosks')
    .values({
      id: 'k-1',
      key_id: 'key-1',
      public_key: 'pk',
      comune_istat: ISTAT,
      frazione_code: 'canale',
      software_version: '0.1.0',
      enrolled_at: at,
      revoked_at: null,
      last_heartbeat: lastHeartbeat?.json ?? null,
      last_heartbeat_at: lastHeartbeat?.at ?? null,
    })
    .execute();
}
