/**
 * For tests and benchmarks against PostgreSQL: a fresh schema per suite, so
 * runs sharing one database (parallel test files, CI) never see each other's
 * rows. The hub is pointed at it by the URL's `options=-c search_path=…`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TestSchema = { url: string; schema: string; drop(): Promise<void> };

async function run(databaseUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Creates an empty schema in the database of `databaseUrl`; `url` selects it, `drop()` removes it and its tables. */
export async function createTestSchema(databaseUrl: string, prefix = 'hub_test'): Promise<TestSchema> {
  const schema = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await run(databaseUrl, `create schema ${schema}`);
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    schema,
    drop: () => run(databaseUrl, `drop schema if exists ${schema} cascade`),
  };
}
