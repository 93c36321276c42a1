/** The console's client of the technician cards routes, and the fleet fields about service and technician actions. */
import { call } from './api';
import type { FleetKiosk, KioskView } from './api';

export type Card = {
  id: string;
  userId: string;
  login: string;
  role: string;
  comune: string;
  issuedAt: string;
  expiresAt: string;
  revokedAt: string | null;
};
/** An issued card: its text (`SPORTELLO-TECH:1:…`) and QR are in this answer only. */
export type IssuedCard = Card & { text: string; qrSvg: string };

/** What the last heartbeat said about the kiosk's service (null in service). */
export type KioskService = { outOfService?: { reason: string; message: string | null } | null };
export type FleetKioskWithService = FleetKiosk & KioskService;

export type TechnicianAction = {
  id: number;
  at: string;
  actor: string;
  action: string;
  detail: Record<string, string | number | boolean | null> | null;
  /** The login a card actor's card was issued to. */
  holder?: string | null;
};
export type KioskViewWithActions = KioskView & { kiosk: FleetKioskWithService; technicianActions?: TechnicianAction[] };

export const cardsApi = {
  list: () => call<{ cards: Card[] }>('GET', 'cards'),
  issue: (login: string, days: number) => call<{ card: IssuedCard }>('POST', 'cards', { login, days }),
  revoke: (id: string) => call<{ card: Card }>('POST', `cards/${encodeURIComponent(id)}/revoke`),
};
