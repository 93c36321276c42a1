/** The back office's client of /console/api/backoffice (same cookie and CSRF handling as ./api). */
import { call } from './api';

export type RequestStatus = 'accepted' | 'in-progress' | 'answered' | 'ready-for-pickup' | 'closed' | 'declined';
export const STATUSES: RequestStatus[] = [
  'accepted',
  'in-progress',
  'answered',
  'ready-for-pickup',
  'closed',
  'declined',
];
export type Kind = 'certificate' | 'report' | 'info-request';
export const KINDS: Kind[] = ['certificate', 'report', 'info-request'];
export type Action = 'take' | 'ask' | 'reply' | 'complete' | 'reject';
export const ACTIONS: Action[] = ['take', 'ask', 'reply', 'complete', 'reject'];

export type Localized = { it: string; en?: string };
export type InboxItem = {
  id: string;
  kind: Kind;
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
export type DocumentSummary = {
  id: string;
  verificationCode: string;
  delivery: 'kiosk' | 'townHall' | 'email';
  hasPdf: boolean;
  pdfName: string | null;
  issuedAt: string;
  issuedBy: string;
  pickup: { expiresAt: string; collectedAt: string | null; purgedAt: string | null; waiting: boolean } | null;
  revokedAt: string | null;
};
export type RequestDetail = InboxItem & {
  locale: string;
  createdAt: string;
  answer: string | null;
  history: Array<{ status: RequestStatus; answer: string | null; at: string }>;
  documents: DocumentSummary[];
};
export type Meta = {
  comune: { istat: string; name: string } | null;
  frazioni?: Array<{ code: string; name: string }>;
  services?: Array<{ code: string; kind: Kind; title: Localized }>;
  certificateTypes?: Array<{ code: string; name: Localized }>;
  offices?: Array<{ id: string; name: string }>;
};
/** What the sealed envelope opened to: shown only after an audited opening. */
export type OpenedContent = { content: Record<string, unknown> | null; raw: unknown };
export type Issued = {
  documentId: string;
  verificationCode: string;
  verificationUrl: string;
  delivery: 'kiosk' | 'townHall' | 'email';
  status: RequestStatus;
};
export type InboxFilter = {
  kind?: string;
  status?: string;
  frazione?: string;
  olderThanDays?: string;
  newerThanDays?: string;
};
/** A page of the inbox: `next` is the cursor of the following one (null on the last). */
export type InboxPage = { now: string; requests: InboxItem[]; total: number; next: string | null };
export type AuditEntry = {
  id: string;
  at: string;
  actor: string;
  user: { id: string; login: string; role: string } | null;
  action: string;
  requestId: string;
  protocolNumber: string;
  documentId: string | null;
  detail: Record<string, unknown> | null;
};
export type AuditFilter = { request?: string; user?: string };
export type AuditPage = {
  entries: AuditEntry[];
  next: string | null;
  users: Array<{ id: string; login: string; role: string }>;
};

function queryOf(values: Record<string, string | undefined>): string {
  return new URLSearchParams(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  ).toString();
}

const BASE = 'backoffice';

export const backofficeApi = {
  meta: () => call<Meta>('GET', `${BASE}/meta`),
  inbox: (filter: InboxFilter, after?: string) =>
    call<InboxPage>('GET', `${BASE}/requests?${queryOf({ ...filter, after })}`),
  audit: (filter: AuditFilter, after?: string) =>
    call<AuditPage>('GET', `${BASE}/audit?${queryOf({ ...filter, after })}`),
  detail: (id: string) => call<RequestDetail>('GET', `${BASE}/requests/${encodeURIComponent(id)}`),
  open: (id: string) => call<OpenedContent>('POST', `${BASE}/requests/${encodeURIComponent(id)}/open`),
  act: (id: string, action: Action, answer: string) =>
    call<{ status: RequestStatus }>('POST', `${BASE}/requests/${encodeURIComponent(id)}/actions`, {
      action,
      ...(answer.trim() === '' ? {} : { answer }),
    }),
  assignOffice: (id: string, officeId: string) =>
    call<{ ok: true }>('POST', `${BASE}/requests/${encodeURIComponent(id)}/office`, { officeId }),
  issue: (id: string, body: { text: string; title?: string; pdf?: { name: string; base64: string } }) =>
    call<Issued>('POST', `${BASE}/requests/${encodeURIComponent(id)}/document`, body),
  revoke: (code: string) => call<{ ok: true }>('POST', `${BASE}/verifications/${encodeURIComponent(code)}/revoke`),
  pdfUrl: (documentId: string) => `api/${BASE}/documents/${encodeURIComponent(documentId)}/pdf`,
};
