/**
 * What the back-office inbox reads: requests without their sealed data, with
 * their frazione, age, status history, assigned office. Nothing here opens an
 * envelope (server/backoffice/open does, audit-logged).
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { fromBase64url, toBase64url } from '../../sync/crypto/base64url';
import type { SubmissionKind } from '../../sync/protocol';
import { HubError } from '../errors';
import { audit } from './comuni';
import type { HubDatabase, RequestStatus } from './schema';

export type InboxFilter = {
  kind?: SubmissionKind;
  status?: RequestStatus;
  frazione?: string;
  /** Only requests received at least this long ago. */
  olderThanMs?: number;
  /** Only requests received at most this long ago. */
  newerThanMs?: number;
};

/** One inbox row: routing fields only, never personal data. */
export type InboxItem = {
  id: string;
  kind: string;
  service: string;
  frazione: string;
  kioskId: string;
  protocolNumber: string;
  status: RequestStatus;
  receivedAt: string;
  ageMs: number;
  statusAt: string;
  office: string | null;
};

/** Rows a page holds by default, and at most. */
export const PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/**
 * A keyset cursor: the sort key `(t, id)` of the last row a page held. The
 * next page starts strictly after it, so rows inserted meanwhile never shift
 * a page (no row is skipped or shown twice), whatever was added or removed.
 * Opaque to the console: `p1.` + base64url(JSON). Not signed: a forged one
 * only selects another page of what the user may read anyway.
 */
const PageKeySchema = z.strictObject({ t: z.number().int().nonnegative(), id: z.string().min(1).max(64) });
export type PageKey = z.infer<typeof PageKeySchema>;

export function encodePageCursor(key: PageKey): string {
  return `p1.${toBase64url(Buffer.from(JSON.stringify({ t: key.t, id: key.id }), 'utf8'))}`;
}

/** The key in a cursor this hub made; INVALID_INPUT for anything else. */
export function decodePageCursor(cursor: string): PageKey {
  try {
    if (!cursor.startsWith('p1.')) throw new Error('prefix');
    const json = Buffer.from(fromBase64url(cursor.slice(3))).toString('utf8');
    return PageKeySchema.parse(JSON.parse(json));
  } catch {
    throw new HubError('INVALID_INPUT', 'not a page cursor of this hub');
  }
}

export type Page<T> = {
  items: T[];
  /** The cursor of the next page; null on the last one. */
  next: string | null;
};

type RequestRow = {
  id: string;
  kind: string;
  service: string;
  kiosk_id: string;
  public_json: string;
  protocol_number: string | null;
  status: RequestStatus;
  received_at: number;
  status_at: number;
  office_id: string | null;
};

function toItem(row: RequestRow, now: number): InboxItem {
  const pub = JSON.parse(row.public_json) as { frazione: string };
  return {
    id: row.id,
    kind: row.kind,
    service: row.service,
    frazione: pub.frazione,
    kioskId: row.kiosk_id,
    protocolNumber: row.protocol_number ?? '',
    status: row.status,
    receivedAt: new Date(row.received_at).toISOString(),
    ageMs: Math.max(0, now - row.received_at),
    statusAt: new Date(row.status_at).toISOString(),
    office: row.office_id,
  };
}

function requestsQuery(db: Kysely<HubDatabase>) {
  return db
    .selectFrom('requests as r')
    .innerJoin('kiosks as k', 'k.id', 'r.kiosk_id')
    .leftJoin('request_offices as o', 'o.request_id', 'r.id')
    .select([
      'r.id',
      'r.kind',
      'r.service',
      'r.kiosk_id',
      'r.public_json',
      'r.protocol_number',
      'r.status',
      'r.received_at',
      'r.status_at',
      'o.office_id',
    ])
    .where('r.status', '!=', 'rejected');
}

function filtered(db: Kysely<HubDatabase>, filter: InboxFilter, now: number) {
  let query = requestsQuery(db);
  if (filter.kind !== undefined) query = query.where('r.kind', '=', filter.kind);
  if (filter.status !== undefined) query = query.where('r.status', '=', filter.status);
  // The frazione a request came from is its kiosk's (push refuses any other).
  if (filter.frazione !== undefined) query = query.where('k.frazione_code', '=', filter.frazione);
  if (filter.olderThanMs !== undefined) query = query.where('r.received_at', '<=', now - filter.olderThanMs);
  if (filter.newerThanMs !== undefined) query = query.where('r.received_at', '>=', now - filter.newerThanMs);
  return query;
}

/**
 * One page of the accepted requests of every kiosk matching `filter`, oldest
 * first (the queue order: received, then id), after `after` (a cursor of the
 * page before); `total` counts every match.
 */
export async function inbox(
  db: Kysely<HubDatabase>,
  filter: InboxFilter,
  now: number,
  page: { limit?: number; after?: string } = {},
): Promise<Page<InboxItem> & { total: number }> {
  const limit = Math.min(Math.max(1, page.limit ?? PAGE_SIZE), MAX_PAGE_SIZE);
  let query = filtered(db, filter, now);
  if (page.after !== undefined) {
    const key = decodePageCursor(page.after);
    query = query.where((eb) =>
      eb.or([eb('r.received_at', '>', key.t), eb.and([eb('r.received_at', '=', key.t), eb('r.id', '>', key.id)])]),
    );
  }
  const rows = await query
    .orderBy('r.received_at')
    .orderBy('r.id')
    .limit(limit + 1)
    .execute();
  const counted = await filtered(db, filter, now)
    .clearSelect()
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map((row) => toItem(row, now)),
    next: rows.length > limit && last !== undefined ? encodePageCursor({ t: last.received_at, id: last.id }) : null,
    total: Number(counted.n),
  };
}

export type RequestDetail = InboxItem & {
  comune: string;
  locale: string;
  createdAt: string;
  answer: string | null;
  history: Array<{ status: string; answer: string | null; at: string }>;
};

/** One accepted request with its status history; NOT_FOUND for an unknown or push-rejected id. */
export async function requestDetail(db: Kysely<HubDatabase>, id: string, now: number): Promise<RequestDetail> {
  const row = await requestsQuery(db).select(['r.comune_istat', 'r.answer']).where('r.id', '=', id).executeTakeFirst();
  if (row === undefined) throw new HubError('NOT_FOUND', `no request ${id}`);
  const pub = JSON.parse(row.public_json) as { locale: string; createdAt: string };
  const history = await db
    .selectFrom('status_changes')
    .select(['status', 'answer', 'at'])
    .where('request_id', '=', id)
    .orderBy('seq')
    .execute();
  return {
    ...toItem(row, now),
    comune: row.comune_istat,
    locale: pub.locale,
    createdAt: pub.createdAt,
    answer: row.answer,
    history: history.map((h) => ({ status: h.status, answer: h.answer, at: new Date(h.at).toISOString() })),
  };
}

/** Assigns a segnalazione to an office (replacing any earlier one); audit-logged. */
export async function assignOffice(
  db: Kysely<HubDatabase>,
  input: { requestId: string; officeId: string; userId: string },
  at: number,
): Promise<void> {
  await db
    .insertInto('request_offices')
    .values({ request_id: input.requestId, office_id: input.officeId, assigned_at: at, assigned_by: input.userId })
    .onConflict((oc) =>
      oc.column('request_id').doUpdateSet({ office_id: input.officeId, assigned_at: at, assigned_by: input.userId }),
    )
    .execute();
  await audit(db, {
    at,
    actor: `console:${input.userId}`,
    action: 'request.assign-office',
    subject: input.requestId,
    detail: { office: input.officeId },
  });
}

/** The request's comune, kiosk, kind, service, status and envelope, for the back office's actions. */
export async function requestForAction(db: Kysely<HubDatabase>, id: string) {
  const row = await db
    .selectFrom('requests')
    .select(['id', 'kiosk_id', 'comune_istat', 'kind', 'service', 'status', 'sealed', 'public_json', 'protocol_number'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (row === undefined || row.status === 'rejected' || row.sealed === null) {
    throw new HubError('NOT_FOUND', `no request ${id}`);
  }
  return { ...row, sealed: row.sealed, locale: (JSON.parse(row.public_json) as { locale: string }).locale };
}

export type AuditFilter = {
  /** A request's id: its rows and those of its documents. */
  requestId?: string;
  /** A console user's id. */
  userId?: string;
};

/** One audit row about a request (or one of its documents), with who did it. */
export type AuditEntry = {
  id: string;
  at: string;
  /** `console:<user id>`, or the hub's own actors (`mailer`, `kiosk:<id>`, …). */
  actor: string;
  user: { id: string; login: string; role: string } | null;
  action: string;
  requestId: string;
  protocolNumber: string;
  documentId: string | null;
  /** Ids and codes only (the log never holds personal data). */
  detail: Record<string, unknown> | null;
};

/**
 * The audit log's rows about requests: every opening of personal data, every
 * clerk action, issue, download, revocation, e-mail and collection, newest
 * first, after `after` (a cursor of the page before).
 */
export async function requestAudit(
  db: Kysely<HubDatabase>,
  filter: AuditFilter,
  page: { limit?: number; after?: string } = {},
): Promise<Page<AuditEntry>> {
  const limit = Math.min(Math.max(1, page.limit ?? PAGE_SIZE), MAX_PAGE_SIZE);
  let query = db
    .selectFrom('audit_log as a')
    .leftJoin('requests as r', 'r.id', 'a.subject')
    .leftJoin('issued_documents as d', 'd.id', 'a.subject')
    .leftJoin('requests as rd', 'rd.id', 'd.request_id')
    .select([
      'a.id',
      'a.at',
      'a.actor',
      'a.action',
      'a.detail',
      'r.id as request_id',
      'r.protocol_number',
      'd.id as document_id',
      'd.request_id as document_request_id',
      'rd.protocol_number as document_protocol_number',
    ])
    .where((eb) => eb.or([eb('r.id', 'is not', null), eb('d.id', 'is not', null)]));
  if (filter.requestId !== undefined) {
    const id = filter.requestId;
    query = query.where((eb) => eb.or([eb('r.id', '=', id), eb('d.request_id', '=', id)]));
  }
  if (filter.userId !== undefined) query = query.where('a.actor', '=', `console:${filter.userId}`);
  if (page.after !== undefined) {
    const key = decodePageCursor(page.after);
    query = query.where((eb) =>
      eb.or([eb('a.at', '<', key.t), eb.and([eb('a.at', '=', key.t), eb('a.id', '<', key.id)])]),
    );
  }
  const rows = await query
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit);
  const userIds = [
    ...new Set(items.flatMap((r) => (r.actor.startsWith('console:') ? [r.actor.slice('console:'.length)] : []))),
  ];
  const users =
    userIds.length === 0
      ? []
      : await db.selectFrom('console_users').select(['id', 'login', 'role']).where('id', 'in', userIds).execute();
  const byId = new Map(users.map((u) => [u.id, u]));
  const last = items.at(-1);
  return {
    items: items.map((row) => ({
      id: row.id,
      at: new Date(row.at).toISOString(),
      actor: row.actor,
      user: row.actor.startsWith('console:') ? (byId.get(row.actor.slice('console:'.length)) ?? null) : null,
      action: row.action,
      requestId: row.request_id ?? row.document_request_id ?? '',
      protocolNumber: row.protocol_number ?? row.document_protocol_number ?? '',
      documentId: row.document_id,
      detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
    })),
    next: rows.length > limit && last !== undefined ? encodePageCursor({ t: last.at, id: last.id }) : null,
  };
}

/** A request's id from its id or its protocol number; undefined when there is none. */
export async function findRequestId(db: Kysely<HubDatabase>, idOrProtocol: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('requests')
    .select('id')
    .where((eb) => eb.or([eb('id', '=', idOrProtocol), eb('protocol_number', '=', idOrProtocol.toUpperCase())]))
    .executeTakeFirst();
  return row?.id;
}
