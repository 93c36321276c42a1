/**
 * The hub's tables as Kysely sees them. Portable types only, so one set of
 * migrations serves SQLite and PostgreSQL: text, 64-bit integers (instants are
 * milliseconds since the epoch), and bytes. JSON documents are stored as text
 * and parsed by whoever reads them with the protocol's schemas.
 */
export type ComuneTable = {
  istat: string;
  name: string;
  /** Codice catastale (Belfiore), e.g. C240: the prefix of the comune's protocol numbers. */
  catastale: string;
  created_at: number;
};

export type FrazioneTable = {
  comune_istat: string;
  code: string;
  name: string;
  created_at: number;
};

export type EnrollmentCodeTable = {
  /** SHA-256 (hex) of the normalised code; the code itself is shown once and never stored. */
  code_hash: string;
  comune_istat: string;
  frazione_code: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** The kiosk that used it: a retry of the same enrollment gets the same answer. */
  used_by_kiosk_id: string | null;
};

export type KioskTable = {
  id: string;
  /** keyIdFor(public_key), sent as x-sportello-key. */
  key_id: string;
  /** Raw Ed25519 public key, base64url. */
  public_key: string;
  comune_istat: string;
  frazione_code: string;
  software_version: string;
  enrolled_at: number;
  revoked_at: number | null;
  /** The last heartbeat body as received (JSON text). */
  last_heartbeat: string | null;
  last_heartbeat_at: number | null;
};

export type HubKeyTable = {
  /** 'primary' — one row; a key rotation would add a slot. */
  slot: string;
  /** recipientKeyIdFor(encryption public key): what envelopes name. */
  recipient_id: string;
  /** Raw X25519 private key, base64url. Known limitation: belongs in a KMS/HSM. */
  encryption_private: string;
  /** Raw Ed25519 seed, base64url. Same limitation. */
  signing_private: string;
  created_at: number;
};

/** Where a stored request stands: the push outcome, then the back office's statuses. */
export type RequestStatus =
  'accepted' | 'rejected' | 'in-progress' | 'answered' | 'ready-for-pickup' | 'closed' | 'declined';

export type RequestTable = {
  /** The kiosk's UUIDv7: the idempotency key (primary key). */
  id: string;
  kiosk_id: string;
  comune_istat: string;
  kind: string;
  service: string;
  /** The item's clear, non-personal fields (locale, frazione, createdAt) as JSON text. */
  public_json: string;
  /** SHA-256 of the item as pushed: a retry must match it, or it is an ID_CONFLICT. */
  item_digest: string;
  /** The HPKE envelope, never opened on the push path; null for a rejected item. */
  sealed: Buffer | null;
  protocol_number: string | null;
  received_at: number;
  status: RequestStatus;
  rejection_code: string | null;
  rejection_reason: string | null;
  answer: string | null;
  status_at: number;
};

export type ProtocolCounterTable = {
  comune_istat: string;
  year: number;
  last: number;
};

/** Named gapless counters (status_changes.seq), incremented under a row lock. */
export type SequenceTable = {
  name: string;
  value: number;
};

export type NonceTable = {
  key_id: string;
  nonce: string;
  seen_at: number;
};

export type RateLimitTable = {
  key: string;
  window_start: number;
  count: number;
};

export type StatusChangeTable = {
  /** Allocated from `sequences` under a lock, so it grows in commit order: pull cursors never skip one. */
  seq: number;
  request_id: string;
  kiosk_id: string;
  status: string;
  answer: string | null;
  at: number;
};

export type CatalogTable = {
  comune_istat: string;
  /** 'catalog' | 'stradario' | 'offices' (CATALOG_NAMES of the protocol). */
  name: string;
  /** Content hash of `body`. */
  version: string;
  /** The document without its version, JSON text. */
  body: string;
  updated_at: number;
};

export type AlertTable = {
  id: string;
  comune_istat: string;
  /** Null: every frazione of the comune. */
  frazione_code: string | null;
  level: string;
  title_json: string;
  body_json: string | null;
  valid_from: number;
  valid_until: number;
  created_at: number;
};

export type AuditLogTable = {
  /** UUIDv7: ordered by time, and no dialect-specific auto-increment. */
  id: string;
  at: number;
  actor: string;
  action: string;
  subject: string;
  /** Ids and codes only, never personal data (JSON text). */
  detail: string | null;
};

// ---- console and fleet (migration 0002) ------------------------------------

export const CONSOLE_ROLES = ['admin', 'technician', 'clerk'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/** People who sign in to the hub's console. Staff accounts, not residents. */
export type ConsoleUserTable = {
  /** UUIDv7: what the audit log names (never the login). */
  id: string;
  /** Lowercase login name, unique. */
  login: string;
  role: ConsoleRole;
  /** `scrypt$N$r$p$salt$hash` (base64url): the parameters travel with the hash. */
  password_hash: string;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
  /** Failed logins since the last good one; reaching the limit sets `locked_until`. */
  failed_logins: number;
  locked_until: number | null;
};

/** Console sessions: only the SHA-256 of the cookie token is stored, so any hub on the database can check it. */
export type ConsoleSessionTable = {
  token_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute end, whatever the activity. */
  expires_at: number;
};

/** One heartbeat of a kiosk, kept for the dashboard's charts; pruned by age. */
export type FleetSampleTable = {
  kiosk_id: string;
  at: number;
  queue_depth: number;
  oldest_queued_age_ms: number | null;
  /** 'ok' | 'near-end' | 'out' | 'unknown' */
  paper: string;
  remaining_receipts: number | null;
  uptime_s: number;
};

/** What a fleet alert is about. */
export const FLEET_ALERT_KINDS = ['offline', 'paper', 'backlog', 'device-error'] as const;
export type FleetAlertKind = (typeof FLEET_ALERT_KINDS)[number];

/**
 * Technician alerts about kiosks (not the civil-protection `alerts` the kiosks
 * show). At most one open (not cleared) row per kiosk and kind.
 */
export type FleetAlertTable = {
  id: string;
  kiosk_id: string;
  kind: FleetAlertKind;
  /** Codes only (JSON text): e.g. {"paper":"near-end"} or {"device":"printer","code":"COVER_OPEN"}. */
  detail: string | null;
  opened_at: number;
  acknowledged_at: number | null;
  /** Console user id. */
  acknowledged_by: string | null;
  cleared_at: number | null;
};

export type HubDatabase = {
  comuni: ComuneTable;
  frazioni: FrazioneTable;
  enrollment_codes: EnrollmentCodeTable;
  kiosks: KioskTable;
  hub_keys: HubKeyTable;
  requests: RequestTable;
  protocol_counters: ProtocolCounterTable;
  sequences: SequenceTable;
  nonces: NonceTable;
  rate_limits: RateLimitTable;
  status_changes: StatusChangeTable;
  catalogs: CatalogTable;
  alerts: AlertTable;
  audit_log: AuditLogTable;
  console_users: ConsoleUserTable;
  console_sessions: ConsoleSessionTable;
  fleet_samples: FleetSampleTable;
  fleet_alerts: FleetAlertTable;
  issued_documents: IssuedDocumentTable;
  pickup_documents: PickupDocumentTable;
  verification_records: VerificationRecordTable;
  request_offices: RequestOfficeTable;
  mail_outbox: MailOutboxTable;
  technician_cards: TechnicianCardTable;
  kiosk_audit: KioskAuditTable;
};

// ---- technician cards and kiosk audit (migration 0004) ----------------------

/** A technician card the hub issued (the signed token itself is never stored). */
export type TechnicianCardTable = {
  /** UUIDv7, the card id inside the token. */
  id: string;
  /** The console user (technician or admin) it was issued to. */
  user_id: string;
  comune_istat: string;
  issued_at: number;
  expires_at: number;
  /** Who issued it: `console:<user id>` or `cli`. */
  issued_by: string;
  revoked_at: number | null;
  revoked_by: string | null;
};

/** One row of a kiosk's technician audit log, as the kiosk sent it (ids, actions, codes). */
export type KioskAuditTable = {
  kiosk_id: string;
  /** The kiosk's own row id: (kiosk_id, kiosk_row_id) is stored once. */
  kiosk_row_id: number;
  at: number;
  /** 'pin', 'card', or 'card:<card id>'. */
  actor: string;
  action: string;
  /** Codes and counts (JSON text). */
  detail: string | null;
  received_at: number;
};

// ---- back office (migration 0003) -------------------------------------------

/** Where an issued certificate goes: the delivery the resident chose at the kiosk. */
export type DocumentDelivery = 'kiosk' | 'townHall' | 'email';

/**
 * A document the back office issued for a request. The PDF (when the clerk
 * attached one) is kept for pickup at the town hall or sending by e-mail; the
 * text for the kiosk travels only inside `pickup_documents.envelope`.
 */
export type IssuedDocumentTable = {
  /** UUIDv7; also the pickup document's id and the HKDF salt of its key. */
  id: string;
  request_id: string;
  verification_code: string;
  delivery: DocumentDelivery;
  pdf: Buffer | null;
  pdf_name: string | null;
  issued_at: number;
  /** Console user id. */
  issued_by: string;
};

/**
 * A pickup envelope queued for one kiosk. `seq` comes from the status-change
 * sequence, so one pull cursor orders documents and status changes alike.
 * `envelope` is set to null when the kiosk reports collection or at expiry.
 */
export type PickupDocumentTable = {
  id: string;
  seq: number;
  request_id: string;
  kiosk_id: string;
  /** LocalizedText JSON: the title shown before the envelope is opened. */
  title_json: string;
  issued_at: number;
  expires_at: number;
  envelope: Buffer | null;
  collected_at: number | null;
  purged_at: number | null;
};

/** What the public verification page shows for a code: nothing personal. */
export type VerificationRecordTable = {
  /** Crockford base32 in groups (`7KQ2-M9XD-4HZA`): the primary key. */
  code: string;
  document_id: string;
  comune_istat: string;
  /** Certificate type code (the catalog's), e.g. `residenza`. */
  document_type: string;
  /** LocalizedText JSON of the type's name. */
  title_json: string;
  issuer: string;
  issued_at: number;
  revoked_at: number | null;
  /** Console user id. */
  revoked_by: string | null;
};

/** The office a segnalazione is assigned to (an id of the comune's offices catalog). */
export type RequestOfficeTable = {
  request_id: string;
  office_id: string;
  assigned_at: number;
  assigned_by: string;
};

/**
 * E-mails to residents, sent by the hub's mailer. No address is stored: the
 * mailer opens the request's envelope at sending time to find it, so the row
 * holds only ids, the status and the (non-personal) answer.
 */
export type MailOutboxTable = {
  id: string;
  request_id: string;
  /** 'status' (a status change) or 'document' (an issued document, by e-mail delivery). */
  kind: string;
  status: string;
  answer: string | null;
  document_id: string | null;
  created_at: number;
  /** 'pending' | 'sent' | 'no-address' | 'failed' */
  state: string;
  attempts: number;
  /** A mailer working on the row holds it until this instant (two hubs never send one row twice at once). */
  claimed_until: number | null;
  next_attempt_at: number;
  sent_at: number | null;
  /** Error code of the last failed attempt (never an address). */
  last_error: string | null;
};
