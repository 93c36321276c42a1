/**
 * The hub's migrations, in code, the same list for SQLite and PostgreSQL. A
 * migration may only differ between the two in column type names (`types`
 * below) and SQLite's STRICT table option; everything else is one definition.
 * Numbered, append-only: a shipped migration is never edited.
 */
import { sql } from 'kysely';
import type { ColumnDataType, CreateTableBuilder, Kysely, Migration, MigrationProvider } from 'kysely';
import { Migrator } from 'kysely';

export type HubDialect = 'sqlite' | 'postgres';

type Types = { text: ColumnDataType; int: ColumnDataType; bytes: ColumnDataType };

const TYPES: Record<HubDialect, Types> = {
  // STRICT tables accept only INTEGER, REAL, TEXT, BLOB, ANY.
  sqlite: { text: 'text', int: 'integer', bytes: 'blob' },
  postgres: { text: 'text', int: 'bigint', bytes: 'bytea' },
};

function migrations(dialect: HubDialect): Record<string, Migration> {
  const t = TYPES[dialect];
  const strict = <TB extends string, C extends string>(b: CreateTableBuilder<TB, C>): CreateTableBuilder<TB, C> =>
    dialect === 'sqlite' ? b.modifyEnd(sql`strict`) : b;
  return {
    '0001_initial': {
      // Migrations see an untyped database: the schema is what they build.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await strict(
          db.schema
            .createTable('comuni')
            .addColumn('istat', t.text, (c) => c.primaryKey())
            .addColumn('name', t.text, (c) => c.notNull())
            .addColumn('catastale', t.text, (c) => c.notNull().unique())
            .addColumn('created_at', t.int, (c) => c.notNull()),
        ).execute();

        await strict(
          db.schema
            .createTable('frazioni')
            .addColumn('comune_istat', t.text, (c) => c.notNull().references('comuni.istat'))
            .addColumn('code', t.text, (c) => c.notNull())
            .addColumn('name', t.text, (c) => c.notNull())
            .addColumn('created_at', t.int, (c) => c.notNull())
            .addPrimaryKeyConstraint('frazioni_pk', ['comune_istat', 'code']),
        ).execute();

        await strict(
          db.schema
            .createTable('enrollment_codes')
            .addColumn('code_hash', t.text, (c) => c.primaryKey())
            .addColumn('comune_istat', t.text, (c) => c.notNull())
            .addColumn('frazione_code', t.text, (c) => c.notNull())
            .addColumn('created_at', t.int, (c) => c.notNull())
            .addColumn('expires_at', t.int, (c) => c.notNull())
            .addColumn('used_at', t.int)
            .addColumn('used_by_kiosk_id', t.text)
            .addForeignKeyConstraint('enrollment_codes_frazione_fk', ['comune_istat', 'frazione_code'], 'frazioni', [
              'comune_istat',
              'code',
            ]),
        ).execute();

        await strict(
          db.schema
            .createTable('kiosks')
            .addColumn('id', t.text, (c) => c.primaryKey())
            .addColumn('key_id', t.text, (c) => c.notNull().unique())
            .addColumn('public_key', t.text, (c) => c.notNull())
            .addColumn('comune_istat', t.text, (c) => c.notNull())
            .addColumn('frazione_code', t.text, (c) => c.notNull())
            .addColumn('software_version', t.text, (c) => c.notNull())
            .addColumn('enrolled_at', t.int, (c) => c.notNull())
            .addColumn('revoked_at', t.int)
            .addColumn('last_heartbeat', t.text)
            .addColumn('last_heartbeat_at', t.int)
            .addForeignKeyConstraint('kiosks_frazione_fk', ['comune_istat', 'frazione_code'], 'frazioni', [
              'comune_istat',
              'code',
            ]),
        ).execute();

        await strict(
          db.schema
            .createTable('hub_keys')
            .addColumn('slot', t.text, (c) => c.primaryKey())
            .addColumn('recipient_id', t.text, (c) => c.notNull().unique())
            .addColumn('encryption_private', t.text, (c) => c.notNull())
            .addColumn('signing_private', t.text, (c) => c.notNull())
            .addColumn('created_at', t.int, (c) => c.notNull()),
        ).execute();

        await strict(
          db.schema
            .createTable('requests')
            .addColumn('id', t.text, (c) => c.primaryKey())
            .addColumn('kiosk_id', t.text, (c) => c.notNull().references('kiosks.id'))
            .addColumn('comune_istat', t.text, (c) => c.notNull().references('comuni.istat'))
            .addColumn('kind', t.text, (c) => c.notNull())
            .addColumn('service', t.text, (c) => c.notNull())
            .addColumn('public_json', t.text, (c) => c.notNull())
            .addColumn('item_digest', t.text, (c) => c.notNull())
            .addColumn('sealed', t.bytes)
            .addColumn('protocol_number', t.text)
            .addColumn('received_at', t.int, (c) => c.notNull())
            .addColumn('status', t.text, (c) => c.notNull())
            .addColumn('rejection_code', t.text)
            .addColumn('rejection_reason', t.text)
            .addColumn('answer', t.text)
            .addColumn('status_at', t.int, (c) => c.notNull()),
        ).execute();
        // A second line of defence behind the counter: a number is never given twice.
        await db.schema
          .createIndex('requests_protocol_number')
          .on('requests')
          .columns(['comune_istat', 'protocol_number'])
          .unique()
          .execute();
        await db.schema.createIndex('requests_kiosk').on('requests').columns(['kiosk_id', 'received_at']).execute();

        await strict(
          db.schema
            .createTable('protocol_counters')
            .addColumn('comune_istat', t.text, (c) => c.notNull().references('comuni.istat'))
            .addColumn('year', t.int, (c) => c.notNull())
            .addColumn('last', t.int, (c) => c.notNull())
            .addPrimaryKeyConstraint('protocol_counters_pk', ['comune_istat', 'year']),
        ).execute();

        await strict(
          db.schema
            .createTable('sequences')
            .addColumn('name', t.text, (c) => c.primaryKey())
            .addColumn('value', t.int, (c) => c.notNull()),
        ).execute();

        await strict(
          db.schema
            .createTable('nonces')
            .addColumn('key_id', t.text, (c) => c.notNull())
            .addColumn('nonce', t.text, (c) => c.notNull())
            .addColumn('seen_at', t.int, (c) => c.notNull())
            .addPrimaryKeyConstraint('nonces_pk', ['key_id', 'nonce']),
        ).execute();
        await db.schema.createIndex('nonces_seen_at').on('nonces').column('seen_at').execute();

        await strict(
          db.schema
            .createTable('rate_limits')
            .addColumn('key', t.text, (c) => c.notNull())
            .addColumn('window_start', t.int, (c) => c.notNull())
            .addColumn('count', t.int, (c) => c.notNull())
            .addPrimaryKeyConstraint('rate_limits_pk', ['key', 'window_start']),
        ).execute();
        await db.schema.createIndex('rate_limits_window').on('rate_limits').column('window_start').execute();

        await strict(
          db.schema
            .createTable('status_changes')
            .addColumn('seq', t.int, (c) => c.primaryKey())
            .addColumn('request_id', t.text, (c) => c.notNull().references('requests.id'))
            .addColumn('kiosk_id', t.text, (c) => c.notNull())
            .addColumn('status', t.text, (c) => c.notNull())
            .addColumn('answer', t.text)
            .addColumn('at', t.int, (c) => c.notNull()),
        ).execute();
        await db.schema.createIndex('status_changes_kiosk').on('status_changes').columns(['kiosk_id', 'seq']).execute();

        await strict(
          db.schema
            .createTable('catalogs')
            .addColumn('comune_istat', t.text, (c) => c.notNull().references('comuni.istat'))
            .addColumn('name', t.text, (c) => c.notNull())
            .addColumn('version', t.text, (c) => c.notNull())
            .addColumn('body', t.text, (c) => c.notNull())
            .addColumn('updated_at', t.int, (c) => c.notNull())
            .addPrimaryKeyConstraint('catalogs_pk', ['comune_istat', 'name']),
        ).execute();

        await strict(
          db.schema
            .createTable('alerts')
            .addColumn('id', t.text, (c) => c.primaryKey())
            .addColumn('comune_istat', t.text, (c) => c.notNull().references('comuni.istat'))
            .addColumn('frazione_code', t.text)
            .addColumn('level', t.text, (c) => c.notNull())
            .addColumn('title_json', t.text, (c) => c.notNull())
            .addColumn('body_json', t.text)
            .addColumn('valid_from', t.int, (c) => c.notNull())
            .addColumn('valid_until', t.int, (c) => c.notNull())
            .addColumn('created_at', t.int, (c) => c.notNull()),
        ).execute();
        await db.schema.createIndex('alerts_comune').on('alerts').columns(['comune_istat', 'valid_until']).execute();

        await strict(
          db.schema
            .createTable('audit_log')
            .addColumn('id', t.text, (c) => c.primaryKey())
            .addColumn('at', t.int, (c) => c.notNull())
            .addColumn('actor', t.text, (c) => c.notNull())
            .addColumn('action', t.text, (c) => c.notNull())
            .addColumn('subject', t.text, (c) => c.notNull())
            .addColumn('detail', t.text),
        ).execute();
      },
    },
    '0002_console_fleet': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await strict(
          db.schema
            .createTable('console_users')
            .addColumn('id', t.text, (c) => c.primaryKey())
            .addColumn('login', t.text, (c) => c.notNull().unique())
            .addColumn('role', t.text, (c) => c.notNull())
            .addColumn('password_hash', t.text, (c) => c.notNull())
            .addColumn('created_at', t.int, (c) => c.notNull())
            .addColumn('updated_at', t.int, (c) => c.notNull())
            .addColumn('disabled_at', t.int)
            .addColumn('failed_logins', t.int, (c) => c.notNull().defaultTo(0))
            .addColumn('locked_until', t.int),
        ).execute();

        await strict(
          db.schema
            .createTable('console_sessions')
            .addColumn('token_hash', t.text, (c) => c.primaryKey())
            .addColumn('user_id', t.text, (c) => c.notNull().references('console_users.id'))
            .addColumn('created_at', t.int, (c) => c.notNull())
            .addColumn('last_seen_at', t.int, (c) => c.notNull())
            .addColumn('expires_at', t.int, (c) => c.notNull()),
        ).execute();
        await db.schema.createIndex('console_sessions_user').on('console_sessions').column('user_id').execute();
        await db.schema.createIndex('console_sessions_expires').on('console_sessions').column('expires_at').execute();

        await strict(
          db.schema
            .createTable('fleet_samples')
            .addColumn('kiosk_id', t.text, (c) => c.notNull().references('kiosks.id'))
            .addColumn('at', t.int, (c) => c.notNull())
            .addColumn('queue_depth', t.int, (c) => c.notNull())
            .addColumn('oldest_queued_age_ms', t.int)
            .addColumn('paper', t.text, (c) => c.notNull())
            .addColumn('remaining_receipts', t.int)
            .addColumn('uptime_s', t.int, (c) => c.notNull())
            .addPrimaryKeyConstraint('fleet_samples_pk', ['kiosk_id', 'at']),
        ).execute();
        await db.schema.createIndex('fleet_samples_at').on('fleet_samples').column('at').execute();

        await strict(
          db.schema
            .createTable('fleet_alerts')
            .addColumn('id', t.text, (c) => c.primaryKey())
            .addColumn('kiosk_id', t.text, (c) => c.notNull().references('kiosks.id'))
            .addColumn('kind', t.text, (c) => c.notNull())
            .addColumn('detail', t.text)
            .addColumn('opened_at', t.int, (c) => c.notNull())
            .addColumn('acknowledged_at', t.int)
            .addColumn('acknowledged_by', t.text)
            .addColumn('cleared_at', t.int),
        ).execute();
        // De-duplication across hub processes: one open alert per kiosk and kind.
        await db.schema
          .createIndex('fleet_alerts_open')
          .on('fleet_alerts')
          .columns(['kiosk_id', 'kind'])
          .unique()
          .where(sql.ref('cleared_at'), 'is', null)
          .execute();
        await db.schema.createIndex('fleet_alerts_opened').on('fleet_alerts').column('opened_at').execute();
      },
    },
    '0003_backoffice': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await strict(
          db.schema
            .createTable('issued_documents')
            .addColumn('id', t.text, (c) => c.primaryKey())
            .addColumn('request_id', t.text, (c) => c.notNull().references('requests.id'))
            .addColumn('verification_code', t.text, (c) => c.notNull().unique())
            .addColumn('delivery', t.text, (c) => c.notNull())
            .addColumn('pdf', t.bytes)
            .addColumn('pdf_name', t.text)
            .addColumn('issued_at', t.int, (c) => c.notNull())
            .addColumn('issued_by', t.text, (c) => c.notNull()),
        ).execute();
        await db.schema.createIndex('issued_documents_request').on('issued_documents').column('request_id').execute();

        await strict(
          db.schema
            .createTable('pickup_documents')
            .addColumn('id', t.text, (c) => c.primaryKey().references('issued_documents.id'))
            .addColumn('seq', t.int, (c) => c.notNull().unique())
            .addColumn('request_id', t.text, (c) => c.notNull().references('requests.id'))
            .addColumn('kiosk_id', t.text, (c) => c.notNull())
            .addColumn('title_json', t.text, (c) => c.notNull())
            .addColumn('issued_at', t.int, (c) => c.notNull())
            .addColumn('expires_at', t.int, (c) => c.notNull())
            .addColumn('envelope', t.bytes)
            .addColumn('collected_at', t.int)
            .addColumn('purged_at', t.int),
        ).execute();
        await db.schema
          .createIndex('pickup_documents_kiosk')
          .on('pickup_documents')
          .columns(['kiosk_id', 'seq'])
          .execute();
        await db.schema.createIndex('pickup_documents_expires').on('pickup_documents').column('expires_at').execute();

        await strict(
          db.schema
            .createTable('verification_records')
            .addColumn('code', t.text, (c) => c.primaryKey())
            .addColumn('document_id', t.text, (c) => c.notNull().references('issued_documents.id'))
            .addColumn('comune_istat', t.text, (c) => c.notNull().references('comuni.istat'))
            .addColumn('document_type', t.text, (c) => c.notNull())
            .addColumn('title_json', t.text, (c) => c.notNull())
            .addColumn('issuer', t.text, (c) => c.notNull())
            .addColumn('issued_at', t.int, (c) => c.notNull())
            .addColumn('revoked_at', t.int)
            .addColumn('revoked_by', t.text),
        ).execute();

        await strict(
          db.schema
            .createTable('request_offices')
            .addColumn('request_id', t.text, (c) => c.primaryKey().references('requests.id'))
            .addColumn('office_id', t.text, (c) => c.notNull())
            .addColumn('assigned_at', t.int, (c) => c.notNull())
            .addColumn('assigned_by', t.text, (c) => c.notNull()),
        ).execute();

        await strict(
          db.schema
            .createTable('mail_outbox')
            .addColumn('id', t.text, (c) => c.primaryKey())
            .addColumn('request_id', t.text, (c) => c.notNull().references('requests.id'))
            .addColumn('kind', t.text, (c) => c.notNull())
            .addColumn('status', t.text, (c) => c.notNull())
            .addColumn('answer', t.text)
            .addColumn('document_id', t.text)
            .addColumn('created_at', t.int, (c) => c.notNull())
            .addColumn('state', t.text, (c) => c.notNull())
            .addColumn('attempts', t.int, (c) => c.notNull())
            .addColumn('claimed_until', t.int)
            .addColumn('next_attempt_at', t.int, (c) => c.notNull())
            .addColumn('sent_at', t.int)
            .addColumn('last_error', t.text),
        ).execute();
        await db.schema
          .createIndex('mail_outbox_pending')
          .on('mail_outbox')
          .columns(['state', 'next_attempt_at'])
          .execute();
      },
    },
    '0004_technician_cards_audit': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        // Cards issued to technicians: the token is signed and handed over once, never stored.
        await strict(
          db.schema
            .createTable('technician_cards')
            .addColumn('id', t.text, (c) => c.primaryKey())
            .addColumn('user_id', t.text, (c) => c.notNull().references('console_users.id'))
            .addColumn('comune_istat', t.text, (c) => c.notNull().references('comuni.istat'))
            .addColumn('issued_at', t.int, (c) => c.notNull())
            .addColumn('expires_at', t.int, (c) => c.notNull())
            .addColumn('issued_by', t.text, (c) => c.notNull())
            .addColumn('revoked_at', t.int)
            .addColumn('revoked_by', t.text),
        ).execute();
        await db.schema
          .createIndex('technician_cards_revoked')
          .on('technician_cards')
          .columns(['comune_istat', 'revoked_at'])
          .execute();

        // Kiosks' technician audit logs, one row per kiosk row id (a resend is stored once).
        await strict(
          db.schema
            .createTable('kiosk_audit')
            .addColumn('kiosk_id', t.text, (c) => c.notNull().references('kiosks.id'))
            .addColumn('kiosk_row_id', t.int, (c) => c.notNull())
            .addColumn('at', t.int, (c) => c.notNull())
            .addColumn('actor', t.text, (c) => c.notNull())
            .addColumn('action', t.text, (c) => c.notNull())
            .addColumn('detail', t.text)
            .addColumn('received_at', t.int, (c) => c.notNull())
            .addPrimaryKeyConstraint('kiosk_audit_pk', ['kiosk_id', 'kiosk_row_id']),
        ).execute();
        await db.schema.createIndex('kiosk_audit_at').on('kiosk_audit').columns(['kiosk_id', 'at']).execute();
      },
    },
    '0005_inbox_audit_paging': {
      // The inbox pages by (received_at, id) and the audit view by (at, id), newest first, or by request.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await db.schema.createIndex('requests_received').on('requests').columns(['received_at', 'id']).execute();
        await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
        await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject', 'at']).execute();
        await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'at']).execute();
      },
    },
  };
}

/** The migration names, oldest first (for tests and diagnostics). */
export const MIGRATION_NAMES = Object.keys(migrations('sqlite'));

/**
 * Brings the database to the latest migration. Safe to call from several hub
 * processes at once: Kysely's migrator holds a lock (an advisory lock on
 * PostgreSQL, a lock table on SQLite) while it runs.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: HubDialect,
  options: { schema?: string; upTo?: string } = {},
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations(dialect)) };
  const migrator = new Migrator({
    db,
    provider,
    // On PostgreSQL the migration tables live in the hub's schema, so hubs in
    // separate schemas of one database (tests) do not see each other's.
    ...(options.schema === undefined ? {} : { migrationTableSchema: options.schema }),
  });
  // `upTo` (tests): stop at that migration, to upgrade a database holding data of that version.
  const { error, results } =
    options.upTo === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(options.upTo);
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`hub migration ${failed} failed`, { cause: error });
  }
}
