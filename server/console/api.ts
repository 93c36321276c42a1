/**
 * The console's client of /console/api: same-origin fetches with the session
 * cookie, the CSRF token on every POST, and errors as coded values.
 */
export type Role = 'admin' | 'technician' | 'clerk';
export type SessionInfo = { user: { login: string; role: Role }; csrfToken: string };

export type DeviceState = {
  device: 'printer' | 'barcode' | 'magstripe' | 'mrz';
  state: 'ok' | 'warning' | 'error' | 'offline' | 'not-configured';
  code: string | null;
};
export type PaperState = 'ok' | 'near-end' | 'out' | 'unknown';
export type FleetKiosk = {
  id: string;
  comune: string;
  frazione: { code: string; name: string };
  enrolledAt: string;
  lastHeartbeatAt: string | null;
  online: boolean;
  heartbeatAgeMs: number | null;
  paper: PaperState;
  remainingReceipts: number | null;
  devices: DeviceState[];
  queueDepth: number | null;
  oldestQueuedAgeMs: number | null;
  version: string | null;
  uptimeS: number | null;
  lastError: string | null;
  openAlerts: number;
};
export type AlertKind = 'offline' | 'paper' | 'backlog' | 'device-error';
export type FleetAlert = {
  id: string;
  kioskId: string;
  frazione: string;
  kind: AlertKind;
  detail: unknown;
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  clearedAt: string | null;
};
export type FleetView = { now: string; kiosks: FleetKiosk[]; alerts: FleetAlert[] };
export type Sample = {
  at: number;
  queueDepth: number;
  oldestQueuedAgeMs: number | null;
  paper: string;
  remainingReceipts: number | null;
  uptimeS: number;
};
export type KioskView = { now: string; hours: number; kiosk: FleetKiosk; samples: Sample[]; alerts: FleetAlert[] };

export type ApiResult<T> = { ok: true; value: T } | { ok: false; status: number; code: string };

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    if (csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  }
  let response: Response;
  try {
    response = await fetch(`api/${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
    });
  } catch {
    return { ok: false, status: 0, code: 'NETWORK' };
  }
  let json: unknown = null;
  try {
    json = await response.json();
  } catch {
    // an answer without JSON: the status says enough
  }
  if (response.ok) return { ok: true, value: json as T };
  const code = (json as { error?: { code?: string } } | null)?.error?.code ?? `HTTP_${response.status}`;
  return { ok: false, status: response.status, code };
}

export const api = {
  session: () => call<SessionInfo>('GET', 'session'),
  login: (login: string, password: string) => call<SessionInfo>('POST', 'login', { login, password }),
  logout: () => call<{ ok: true }>('POST', 'logout'),
  fleet: () => call<FleetView>('GET', 'fleet'),
  kiosk: (id: string, hours: number) => call<KioskView>('GET', `fleet/kiosks/${encodeURIComponent(id)}?hours=${hours}`),
  acknowledge: (alertId: string) => call<{ ok: true }>('POST', `fleet/alerts/${encodeURIComponent(alertId)}/ack`),
};
