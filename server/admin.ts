/**
 * What a clerk or technician does to the hub, for the CLI, the tests and the
 * future back-office console. Each action is one database unit and leaves a
 * line in the audit log with `actor`.
 */
import type { CatalogName, SubmissionStatus } from '../sync/protocol';
import { audit, insertComune, insertFrazione, putAlert, putCatalog } from './db/comuni';
import type { AlertInput, CatalogBody, ComuneInput, FrazioneInput } from './db/comuni';
import { purgeGuards } from './db/guard';
import { insertEnrollmentCode, listKiosks, revokeKiosk } from './db/kiosks';
import type { KioskSummary } from './db/kiosks';
import type { HubDb } from './db/open';
import { insertStatusChange, listRequests } from './db/requests';
import type { RequestSummary } from './db/requests';
import { HubError } from './errors';

export type HubAdmin = {
  /** Adds a comune; ALREADY_EXISTS if its ISTAT code or codice catastale is taken. */
  createComune(input: ComuneInput): Promise<void>;
  /** Adds a frazione (lowercase kebab-case code) to a comune; ALREADY_EXISTS if it has one by that code. */
  createFrazione(input: FrazioneInput): Promise<void>;
  /** A one-time code enrolling one kiosk in this frazione, valid `ttlMs` (default 24 h). */
  createEnrollmentCode(input: { istat: string; frazione: string; ttlMs?: number }): Promise<string>;
  /** Refuses every later request signed by this kiosk's key. */
  revokeKiosk(kioskId: string): Promise<void>;
  /** Every stored request, without sealed personal data. */
  listRequests(): Promise<RequestSummary[]>;
  listKiosks(): Promise<KioskSummary[]>;
  /** A back-office status change of an accepted request; its kiosk sees it on the next pull. */
  addStatusChange(requestId: string, status: SubmissionStatus, answer?: string): Promise<void>;
  /** Publishes a catalog document for a comune's kiosks; returns its (content-hash) version. */
  publishCatalog<N extends CatalogName>(istat: string, name: N, body: CatalogBody<N>): Promise<string>;
  /** Publishes (or replaces, by id) an alert; returns its id. */
  publishAlert(input: AlertInput): Promise<string>;
  /** Deletes expired nonces and rate-limit windows (the hub also does this every minute). */
  purgeExpired(): Promise<{ nonces: number; rateLimits: number }>;
};

export type AdminOptions = {
  now: () => number;
  /** Who acts, for the audit log: `cli:<user>`, `console:<clerk>`, `admin-api`. */
  actor: string;
  /** Signature window of the hub: nonces are kept twice as long. */
  signatureWindowMs: number;
  rateWindowMs: number;
};

export function createAdmin(hubDb: HubDb, options: AdminOptions): HubAdmin {
  const { now, actor } = options;
  return {
    async createComune(input) {
      await hubDb.write(async (db) => {
        const at = now();
        if (!(await insertComune(db, input, at))) {
          throw new HubError('ALREADY_EXISTS', `comune ${input.istat} exists already`);
        }
        await audit(db, { at, actor, action: 'comune.create', subject: input.istat });
      });
    },
    async createFrazione(input) {
      await hubDb.write(async (db) => {
        const at = now();
        if (!(await insertFrazione(db, input, at))) {
          throw new HubError('ALREADY_EXISTS', `comune ${input.istat} has a frazione ${input.code} already`);
        }
        await audit(db, { at, actor, action: 'frazione.create', subject: `${input.istat}/${input.code}` });
      });
    },
    async createEnrollmentCode(input) {
      const { code } = await hubDb.write((db) => insertEnrollmentCode(db, { ...input, actor }, now()));
      return code;
    },
    async revokeKiosk(kioskId) {
      await hubDb.write((db) => revokeKiosk(db, kioskId, actor, now()));
    },
    listRequests: () => listRequests(hubDb.db),
    listKiosks: () => listKiosks(hubDb.db),
    async addStatusChange(requestId, status, answer) {
      await hubDb.write((db) => insertStatusChange(db, { requestId, status, answer: answer ?? null, actor }, now()));
    },
    publishCatalog(istat, name, body) {
      return hubDb.write(async (db) => {
        const at = now();
        const version = await putCatalog(db, istat, name, body, at);
        await audit(db, { at, actor, action: 'catalog.publish', subject: `${istat}/${name}`, detail: { version } });
        return version;
      });
    },
    publishAlert(input) {
      return hubDb.write(async (db) => {
        const at = now();
        const id = await putAlert(db, input, at);
        await audit(db, { at, actor, action: 'alert.publish', subject: id, detail: { comune: input.istat } });
        return id;
      });
    },
    purgeExpired() {
      return hubDb.write((db) =>
        purgeGuards(db, { nonceTtlMs: 2 * options.signatureWindowMs, rateWindowMs: options.rateWindowMs }, now()),
      );
    },
  };
}
