/**
 * What the back-office inbox reads: requests without their sealed data, with
 * their frazione, age, status history, assigned office. Nothing here opens an
 * envelope (server/backoffice/open does, audit-logged).
 */
import type { Kysely } from 'kysely';
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

const INBOX_LIMIT = 500;

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

/** Accepted requests of every kiosk matching `filter`, oldest first (the queue order), at most 500. */
export async function inbox(db: Kysely<HubDatabase>, filter: InboxFilter, now: number): Promise<InboxItem[]> {
  let query = requestsQuery(db);
  if (filter.kind !== undefined) query = query.where('r.kind', '=', filter.kind);
  if (filter.status !== undefined) query = query.where('r.status', '=', filter.status);
  // The frazione a request came from is its kiosk's (push refuses any other).
  if (filter.frazione !== undefined) query = query.where('k.frazione_code', '=', filter.frazione);
  if (filter.olderThanMs !== undefined) query = query.where('r.received_at', '<=', now - filter.olderThanMs);
  if (filter.newerThanMs !== undefined) query = query.where('r.received_at', '>=', now - filter.newerThanMs);
  const rows = await query.orderBy('r.received_at').orderBy('r.id').limit(INBOX_LIMIT).execute();
  return rows.map((row) => toItem(row, now));
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
