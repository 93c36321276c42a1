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
export type InboxFilter = { kind?: string; status?: string; frazione?: string; olderThanDays?: string };

const BASE = 'backoffice';

export const backofficeApi = {
  meta: () => call<Meta>('GET', `${BASE}/meta`),
  inbox: (filter: InboxFilter) => {
    const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''));
    return call<{ now: string; requests: InboxItem[] }>('GET', `${BASE}/requests?${query.toString()}`);
  },
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
