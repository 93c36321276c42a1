/**
 * The back office over HTTP: roles and CSRF, every opening of personal data
 * in the audit log, clerk actions reaching the kiosk's pull, documents issued
 * into the pull (opened with the receipt's secret), collected and expired,
 * e-mail to a local SMTP sink, and the public verification page. Signed test
 * kiosks push real sealed content. SQLite always, PostgreSQL when DATABASE_URL is set.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPickup } from '../../sync/crypto/pickup';
import { PickupContentSchema } from '../../sync/protocol';
import type { CertificateContent, PullResponse, ReportContent } from '../../sync/protocol';
import { TestConsole } from '../../server/console-api/test-client';
import { MIGRATION_NAMES, migrateToLatest } from '../../server/db/migrations';
import type { HubDb } from '../../server/db/open';
import type { HubDatabase } from '../../server/db/schema';
import { startHub } from '../../server/hub';
import { createSmtpSender, smtpConfig } from '../../server/mail/smtp';
import type { RunningHub } from '../../server/hub';
import { TestKiosk } from '../../server/testing/kiosk';
import type { TestSchema } from '../../server/testing/postgres';
import { startSmtpSink } from '../../server/testing/smtp-sink';
import type { SmtpSink } from '../../server/testing/smtp-sink';
import {
  BACKENDS,
  ISTAT,
  seedKiosk,
  signedIn as signInConsole,
  startConsoleHub,
  withScratchHubDb,
} from '../helpers/console-hub';
import type { ConsoleHub } from '../helpers/console-hub';

const DAY = 24 * 60 * 60_000;
const CF = 'RSSMRA80A01C240X';
const API = '/console/api/backoffice';
const PDF = Buffer.from('%PDF-1.4\n% test certificate\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');

function certificate(overrides: Partial<CertificateContent> = {}): CertificateContent {
  return {
    v: 1,
    kind: 'certificate',
    certificateType: 'residenza',
    applicant: {
      source: 'scanner',
      codiceFiscale: CF,
      surname: 'ROSSI',
      givenNames: 'MARIO',
      birthDate: '1980-01-01',
      document: null,
    },
    subject: { relation: 'self' },
    stampDuty: { kind: 'exempt', reason: 'uso-pensione' },
    delivery: { kind: 'kiosk' },
    pickupSecret: randomBytes(24).toString('base64url'),
    ...overrides,
  };
}

function report(contact: ReportContent['contact']): ReportContent {
  return {
    v: 1,
    kind: 'report',
    place: { kind: 'street', streetCode: 'ES-0101', streetName: 'Via Aurelia' },
    description: 'Lampione spento davanti al civico 12, segnalato da Mario Rossi',
    contact,
  };
}

describe.each(BACKENDS)('back office on %s', (backend) => {
  let consoleHub: ConsoleHub;
  let dir: string;
  let schema: TestSchema | null = null;
  let hub: RunningHub;
  let sink: SmtpSink;
  /** The hub's log lines (info and up): mail failures must name a code, never a password or an address. */
  const logLines: string[] = [];
  let reader: HubDb;
  let skewMs = 0;
  const now = () => Date.now() + skewMs;
  let kiosk: TestKiosk;
  let cursor: string | undefined;

  beforeAll(async () => {
    sink = await startSmtpSink();
    consoleHub = await startConsoleHub(backend, 'sportello-backoffice-', {
      now,
      publicUrl: 'https://sportello.comune.example',
      mail: sink.settings('sportello@comune.example'),
      log: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }),
      verifyRateLimit: { max: 25, windowMs: 60_000 },
      // Many sign-ins in one suite: the per-login throttle is the fleet suite's subject, not this one's.
      sessionPolicy: {
        idleMs: 30 * 60_000,
        absoluteMs: 12 * 60 * 60_000,
        lockout: { maxFailures: 5, lockMs: 15 * 60_000 },
        attempts: { max: 1000, windowMs: 15 * 60_000 },
      },
    });
    ({ hub, dir, schema } = consoleHub);
    reader = await consoleHub.reader();
    kiosk = new TestKiosk(hub.url, { now });
    await kiosk.enroll(await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'colombiera' }));
  });
  afterAll(async () => {
    await consoleHub?.close();
    await sink?.close();
  });

  const signedIn = (login: string) => signInConsole(hub.url, login);

  /** Pushes one request with this sealed content; returns its id. */
  async function pushed(content: CertificateContent | ReportContent, service?: string): Promise<string> {
    const item = await kiosk.item({
      kind: content.kind,
      service: service ?? (content.kind === 'certificate' ? content.certificateType : 'segnalazione-illuminazione'),
      plaintext: JSON.stringify(content),
    });
    const { results } = await kiosk.push([item]);
    expect(results[0]).toMatchObject({ status: 'accepted' });
    return item.id;
  }

  /** Pulls from the kiosk's cursor until nothing more waits; everything that came. */
  async function pullAll(): Promise<
    Pick<PullResponse, 'statusChanges'> & { documents: NonNullable<PullResponse['documents']> }
  > {
    const out = {
      statusChanges: [] as PullResponse['statusChanges'],
      documents: [] as NonNullable<PullResponse['documents']>,
    };
    for (;;) {
      const page = await kiosk.pull(cursor);
      cursor = page.cursor;
      out.statusChanges.push(...page.statusChanges);
      out.documents.push(...(page.documents ?? []));
      if (!page.hasMore) return out;
    }
  }

  async function auditRows(action: string, subject: string) {
    return reader.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'subject', 'at', 'detail'])
      .where('action', '=', action)
      .where('subject', '=', subject)
      .orderBy('id')
      .execute();
  }

  async function userId(login: string): Promise<string> {
    return (
      await reader.db.selectFrom('console_users').select('id').where('login', '=', login).executeTakeFirstOrThrow()
    ).id;
  }

  describe('authorization', () => {
    it('answers 401 without a session on every back-office route', async () => {
      const id = await pushed(certificate());
      const anonymous = new TestConsole(hub.url);
      for (const [method, path] of [
        ['GET', `${API}/requests`],
        ['GET', `${API}/requests/${id}`],
        ['GET', `${API}/meta`],
        ['POST', `${API}/requests/${id}/open`],
        ['POST', `${API}/requests/${id}/actions`],
        ['POST', `${API}/requests/${id}/document`],
        ['POST', `${API}/verifications/AAAA-AAAA-AAAA/revoke`],
      ] as const) {
        const result = await anonymous.call(method, path, { body: { action: 'take' } });
        expect({ path, status: result.status, json: result.json }).toMatchObject({
          status: 401,
          json: { error: { code: 'UNAUTHENTICATED' } },
        });
      }
    });

    it('keeps a technician out of the back office (403) and writes no opening for them', async () => {
      const id = await pushed(certificate());
      const technician = await signedIn('tecnico');
      for (const [method, path] of [
        ['GET', `${API}/requests`],
        ['GET', `${API}/requests/${id}`],
        ['POST', `${API}/requests/${id}/open`],
        ['POST', `${API}/requests/${id}/actions`],
        ['POST', `${API}/requests/${id}/document`],
      ] as const) {
        const result = await technician.call(method, path, { body: { action: 'take' } });
        expect({ path, status: result.status, json: result.json }).toMatchObject({
          status: 403,
          json: { error: { code: 'FORBIDDEN' } },
        });
      }
      expect(await auditRows('request.open', id)).toEqual([]);
      expect((await hub.admin.listRequests()).find((r) => r.id === id)?.status).toBe('accepted');
    });

    it('refuses an opening or an action without the session CSRF token (403), and opens nothing', async () => {
      const id = await pushed(certificate());
      const clerk = await signedIn('sportellista');
      const other = await signedIn('sportellista');
      for (const csrf of [false, 'forged', other.csrfToken!]) {
        for (const path of [`${API}/requests/${id}/open`, `${API}/requests/${id}/actions`]) {
          const result = await clerk.call('POST', path, { csrf, body: { action: 'take' } });
          expect({ csrf, path, status: result.status, json: result.json }).toMatchObject({
            status: 403,
            json: { error: { code: 'CSRF_INVALID' } },
          });
        }
      }
      expect(await auditRows('request.open', id)).toEqual([]);
    });

    it('lets a clerk and an admin list the inbox, which holds no personal data', async () => {
      const id = await pushed(certificate());
      for (const login of ['sportellista', 'ada']) {
        const consoleClient = await signedIn(login);
        const result = await consoleClient.call('GET', `${API}/requests?kind=certificate&frazione=colombiera`);
        expect(result.status).toBe(200);
        const { requests } = result.json as { requests: Array<Record<string, unknown>> };
        expect(requests.find((r) => r.id === id)).toMatchObject({
          kind: 'certificate',
          service: 'residenza',
          frazione: 'colombiera',
          status: 'accepted',
          protocolNumber: expect.stringMatching(/^C240-\d{4}-\d{6}$/),
          ageMs: expect.any(Number),
        });
        const detail = await consoleClient.call('GET', `${API}/requests/${id}`);
        expect(detail.status).toBe(200);
        expect(JSON.stringify([result.json, detail.json])).not.toMatch(/RSSMRA|ROSSI|MARIO|pickupSecret|sealed/i);
      }
    });

    it('filters the inbox by type, status, frazione and age', async () => {
      const clerk = await signedIn('sportellista');
      const reportId = await pushed(report(null));
      const ids = async (query: string) =>
        (
          (await clerk.call('GET', `${API}/requests?${query}`)).json as { requests: Array<{ id: string }> }
        ).requests.map((r) => r.id);
      expect(await ids('kind=report')).toContain(reportId);
      expect(await ids('kind=certificate')).not.toContain(reportId);
      expect(await ids('frazione=canale')).not.toContain(reportId);
      expect(await ids('status=accepted')).toContain(reportId);
      expect(await ids('status=closed')).not.toContain(reportId);
      expect(await ids('olderThanDays=1')).not.toContain(reportId);
      expect(await ids('newerThanDays=1')).toContain(reportId);
      expect((await clerk.call('GET', `${API}/requests?kind=nonsense`)).status).toBe(400);
    });

    it('pages the inbox by keyset: every match once, in queue order, while requests keep arriving', async () => {
      const paged = new TestKiosk(hub.url, { now });
      await paged.enroll(await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'molicciara' }));
      const push = async (n: number) => {
        const items = [];
        for (let i = 0; i < n; i += 1) {
          items.push(await paged.item({ plaintext: JSON.stringify(certificate()) }));
        }
        const { results } = await paged.push(items);
        expect(results.every((r) => r.status === 'accepted')).toBe(true);
        return items.map((item) => item.id);
      };
      const first = await push(7);
      const clerk = await signedIn('sportellista');
      type InboxPage = { requests: Array<{ id: string; receivedAt: string }>; total: number; next: string | null };
      const page = async (after?: string) => {
        const result = await clerk.call(
          'GET',
          `${API}/requests?frazione=molicciara&limit=3${after === undefined ? '' : `&after=${after}`}`,
        );
        expect(result.status).toBe(200);
        return result.json as InboxPage;
      };

      const one = await page();
      expect(one).toMatchObject({ total: 7, next: expect.any(String) });
      expect(one.requests).toHaveLength(3);
      // Requests arriving between two pages land after the cursor: nothing shifts.
      skewMs += 1000;
      const later = await push(2);
      const seen = [...one.requests];
      let next = one.next;
      const totals: number[] = [];
      while (next !== null) {
        const more = await page(next);
        expect(more.requests.length).toBeLessThanOrEqual(3);
        seen.push(...more.requests);
        totals.push(more.total);
        next = more.next;
      }
      expect(totals.at(-1)).toBe(9);
      const ids = seen.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...first, ...later].sort());
      const order = [...seen].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.id.localeCompare(b.id));
      expect(ids).toEqual(order.map((r) => r.id));
      expect(ids.slice(-2).sort()).toEqual([...later].sort());

      expect((await clerk.call('GET', `${API}/requests?after=forged`)).status).toBe(400);
      expect((await clerk.call('GET', `${API}/requests?limit=1000`)).status).toBe(400);
    });
  });

  describe('opening personal data', () => {
    it('decrypts on the hub for a clerk, and writes an audit row at every opening', async () => {
      const content = certificate();
      const id = await pushed(content);
      const clerk = await signedIn('sportellista');
      const admin = await signedIn('ada');
      const first = await clerk.call('POST', `${API}/requests/${id}/open`);
      expect(first).toMatchObject({ status: 200, json: { content } });
      expect((await clerk.call('POST', `${API}/requests/${id}/open`)).status).toBe(200);
      expect((await admin.call('POST', `${API}/requests/${id}/open`)).status).toBe(200);

      const rows = await auditRows('request.open', id);
      expect(rows.map((r) => r.actor)).toEqual([
        `console:${await userId('sportellista')}`,
        `console:${await userId('sportellista')}`,
        `console:${await userId('ada')}`,
      ]);
      for (const row of rows) expect(row.at).toBeGreaterThan(0);
      // The audit log names ids, never what was read.
      expect(JSON.stringify(rows)).not.toMatch(/RSSMRA|ROSSI/);
    });

    it('answers 404 for an unknown request, without an audit row for it', async () => {
      const clerk = await signedIn('sportellista');
      const missing = '01900000-0000-7000-8000-000000000000';
      expect((await clerk.call('POST', `${API}/requests/${missing}/open`)).status).toBe(404);
      expect(await auditRows('request.open', missing)).toEqual([]);
    });
  });

  describe('actions', () => {
    it('takes in charge, asks, replies and completes: each status reaches the kiosk pull, audit-logged', async () => {
      const id = await pushed(report({ email: null, phone: null }), 'segnalazione-strade');
      await pullAll();
      const clerk = await signedIn('sportellista');
      const act = (action: string, answer?: string) =>
        clerk.call('POST', `${API}/requests/${id}/actions`, { body: { action, ...(answer ? { answer } : {}) } });

      expect(await act('take')).toMatchObject({ status: 200, json: { status: 'in-progress' } });
      expect(await act('ask')).toMatchObject({ status: 400 });
      expect((await act('ask', 'A quale altezza del numero civico?')).status).toBe(200);
      expect((await clerk.call('POST', `${API}/requests/${id}/office`, { body: { officeId: 'nowhere' } })).status).toBe(
        400,
      );
      expect(
        (await clerk.call('POST', `${API}/requests/${id}/office`, { body: { officeId: 'municipio-anagrafe' } })).status,
      ).toBe(200);
      expect((await act('complete', 'Lampione riparato.')).status).toBe(200);
      expect(await act('take')).toMatchObject({ status: 409, json: { error: { code: 'CONFLICT' } } });

      const mine = (await pullAll()).statusChanges.filter((c) => c.submissionId === id);
      expect(mine.map((c) => [c.status, c.answer])).toEqual([
        ['in-progress', null],
        ['answered', 'A quale altezza del numero civico?'],
        ['closed', 'Lampione riparato.'],
      ]);
      const detail = (await clerk.call('GET', `${API}/requests/${id}`)).json as { office: string; history: unknown[] };
      expect(detail).toMatchObject({ office: 'municipio-anagrafe', status: 'closed' });
      expect(detail.history).toHaveLength(3);
      const clerkActor = `console:${await userId('sportellista')}`;
      for (const action of ['backoffice.take', 'backoffice.ask', 'backoffice.complete', 'request.assign-office']) {
        expect((await auditRows(action, id)).map((r) => r.actor)).toEqual([clerkActor]);
      }
      expect(await auditRows('request.status', id)).toHaveLength(3);
    });

    it('rejects with a reason, which the kiosk shows as declined', async () => {
      const id = await pushed(certificate({ delivery: { kind: 'townHall' }, pickupSecret: null }));
      const clerk = await signedIn('sportellista');
      expect((await clerk.call('POST', `${API}/requests/${id}/actions`, { body: { action: 'reject' } })).status).toBe(
        400,
      );
      const reason = 'Il richiedente non risulta residente nel comune.';
      expect(
        (await clerk.call('POST', `${API}/requests/${id}/actions`, { body: { action: 'reject', answer: reason } }))
          .status,
      ).toBe(200);
      const mine = (await pullAll()).statusChanges.filter((c) => c.submissionId === id);
      expect(mine).toMatchObject([{ status: 'declined', answer: reason }]);
    });
  });

  describe('documents for pickup', () => {
    async function issue(id: string, body: Record<string, unknown> = {}) {
      const clerk = await signedIn('sportellista');
      return clerk.call('POST', `${API}/requests/${id}/document`, {
        body: {
          text: 'Si certifica che ROSSI MARIO\nnato il 01/01/1980\nè residente in Via Aurelia 12, Colombiera.',
          ...body,
        },
      });
    }

    it('delivers the document once in that kiosk’s pull; it opens with the receipt’s secret; collection deletes the ciphertext', async () => {
      const content = certificate();
      const id = await pushed(content);
      await pullAll();
      const issued = await issue(id, { pdf: { name: 'residenza.pdf', base64: PDF.toString('base64') } });
      expect(issued).toMatchObject({
        status: 201,
        json: {
          delivery: 'kiosk',
          status: 'ready-for-pickup',
          verificationCode: expect.stringMatching(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/),
        },
      });
      const { documentId, verificationCode } = issued.json as { documentId: string; verificationCode: string };

      // Another kiosk never sees it.
      const other = new TestKiosk(hub.url, { now });
      await other.enroll(await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'canale' }));
      expect((await other.pull()).documents).toEqual([]);

      const first = await pullAll();
      expect(first.documents).toHaveLength(1);
      const [document] = first.documents;
      expect(document).toMatchObject({
        id: documentId,
        submissionId: id,
        title: { it: 'Certificato di residenza', en: 'Certificate of residence' },
      });
      expect(Date.parse(document!.expiresAt) - Date.parse(document!.issuedAt)).toBe(30 * DAY);
      expect(first.statusChanges.filter((c) => c.submissionId === id)).toMatchObject([{ status: 'ready-for-pickup' }]);
      expect((await pullAll()).documents).toEqual([]);

      const opened = PickupContentSchema.parse(
        JSON.parse(
          new TextDecoder().decode(
            openPickup(content.pickupSecret!, documentId, Buffer.from(document!.envelope, 'base64url')),
          ),
        ),
      );
      expect(opened).toMatchObject({
        codiceFiscale: CF,
        title: 'Certificato di residenza',
        lines: ['Si certifica che ROSSI MARIO', 'nato il 01/01/1980', 'è residente in Via Aurelia 12, Colombiera.'],
        issuer: 'Comune di Castelnuovo Magra - Ufficio Anagrafe',
        verificationCode,
        verificationUrl: `https://sportello.comune.example/verify/${verificationCode}`,
      });
      expect(() =>
        openPickup(certificate().pickupSecret!, documentId, Buffer.from(document!.envelope, 'base64url')),
      ).toThrow();

      // The kiosk reports the collection: the ciphertext goes, the request closes.
      const collected = await kiosk.call('POST', '/v1/collect', {
        items: [{ documentId, collectedAt: new Date(now()).toISOString() }],
      });
      expect(collected).toMatchObject({ status: 200, json: { results: [{ documentId, status: 'recorded' }] } });
      const row = await reader.db
        .selectFrom('pickup_documents')
        .select(['envelope', 'collected_at'])
        .where('id', '=', documentId)
        .executeTakeFirstOrThrow();
      expect(row.envelope).toBeNull();
      expect(row.collected_at).not.toBeNull();
      expect((await kiosk.pull()).documents).toEqual([]);
      expect((await pullAll()).statusChanges.filter((c) => c.submissionId === id)).toMatchObject([
        { status: 'closed' },
      ]);
      // Reported again: the same answer, nothing more.
      const again = await kiosk.call('POST', '/v1/collect', {
        items: [{ documentId, collectedAt: new Date(now()).toISOString() }],
      });
      expect(again.json).toEqual({ results: [{ documentId, status: 'recorded' }] });
      expect(
        (
          await other.call('POST', '/v1/collect', {
            items: [{ documentId, collectedAt: new Date(now()).toISOString() }],
          })
        ).json,
      ).toEqual({
        results: [{ documentId, status: 'unknown' }],
      });

      // The PDF stays on the hub for the clerks; downloading it is audit-logged.
      const clerk = await signedIn('sportellista');
      const pdf = await fetch(`${hub.url}${API}/documents/${documentId}/pdf`, { headers: { cookie: clerk.cookie! } });
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      expect(Buffer.from(await pdf.arrayBuffer()).equals(PDF)).toBe(true);
      expect(await auditRows('document.download', documentId)).toHaveLength(1);
      expect(await auditRows('document.issue', documentId)).toHaveLength(1);
    });

    it('purges an uncollected document’s ciphertext after its expiry, and stops offering it', async () => {
      const content = certificate();
      const id = await pushed(content);
      await pullAll();
      const { documentId } = (await issue(id)).json as { documentId: string };
      expect((await kiosk.pull()).documents?.map((d) => d.id)).toContain(documentId);
      skewMs += 29 * DAY;
      expect(await hub.purgeExpiredDocuments()).toBe(0);
      skewMs += 2 * DAY;
      expect((await kiosk.pull()).documents?.map((d) => d.id)).not.toContain(documentId);
      expect(await hub.purgeExpiredDocuments()).toBeGreaterThanOrEqual(1);
      const row = await reader.db
        .selectFrom('pickup_documents')
        .select(['envelope', 'purged_at'])
        .where('id', '=', documentId)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ envelope: null, purged_at: expect.any(Number) });
      await pullAll();
    });

    it('refuses to issue for a segnalazione, a non-PDF attachment, or a finished request', async () => {
      const reportId = await pushed(report(null));
      expect((await issue(reportId)).status).toBe(409);
      const id = await pushed(certificate());
      expect(
        (await issue(id, { pdf: { name: 'x.pdf', base64: Buffer.from('not a pdf').toString('base64') } })).status,
      ).toBe(400);
      const clerk = await signedIn('sportellista');
      await clerk.call('POST', `${API}/requests/${id}/actions`, { body: { action: 'reject', answer: 'Duplicata.' } });
      expect((await issue(id)).status).toBe(409);
    });

    it('pages documents and status changes together without skipping either', async () => {
      const ids = [];
      for (let i = 0; i < 3; i += 1) ids.push(await pushed(certificate()));
      await pullAll();
      for (const id of ids) expect((await issue(id)).status).toBe(201);
      // Three documents and three status changes, interleaved by seq, one page at a time on a small hub.
      const small = await startHub({ dataDir: dir, databaseUrl: schema?.url, now, seed: 'none', pullPageSize: 2 });
      try {
        const paged = new TestKiosk(small.url, { now, key: kiosk.key });
        paged.enrollment = kiosk.enrollment;
        let at = cursor;
        const got: string[] = [];
        for (;;) {
          const page = await paged.pull(at);
          expect(page.statusChanges.length + (page.documents?.length ?? 0)).toBeLessThanOrEqual(2);
          got.push(
            ...page.statusChanges.map((c) => `status:${c.submissionId}`),
            ...(page.documents ?? []).map((d) => `doc:${d.submissionId}`),
          );
          at = page.cursor;
          if (!page.hasMore) break;
        }
        for (const id of ids) {
          expect(got.filter((g) => g === `doc:${id}`)).toHaveLength(1);
          expect(got.filter((g) => g === `status:${id}`)).toHaveLength(1);
        }
      } finally {
        await small.close();
      }
      await pullAll();
    });
  });

  describe('audit log', () => {
    type AuditPage = {
      entries: Array<{
        at: string;
        actor: string;
        user: { login: string; role: string } | null;
        action: string;
        requestId: string;
        protocolNumber: string;
        documentId: string | null;
      }>;
      next: string | null;
      users: Array<{ id: string; login: string; role: string }>;
    };

    it('is for admins only: 401 without a session, 403 for a clerk and a technician', async () => {
      expect((await new TestConsole(hub.url).call('GET', `${API}/audit`)).status).toBe(401);
      for (const login of ['sportellista', 'tecnico']) {
        const user = await signedIn(login);
        expect(await user.call('GET', `${API}/audit`)).toMatchObject({
          status: 403,
          json: { error: { code: 'FORBIDDEN' } },
        });
      }
      expect((await (await signedIn('ada')).call('GET', `${API}/audit`)).status).toBe(200);
    });

    it('shows who opened and acted on a request, and its documents, newest first, by request and by user', async () => {
      const id = await pushed(certificate({ delivery: { kind: 'townHall' }, pickupSecret: null }));
      const clerk = await signedIn('sportellista');
      const admin = await signedIn('ada');
      // A minute between steps: the log orders by time (then by id within one instant).
      const step = () => {
        skewMs += 60_000;
      };
      await clerk.call('POST', `${API}/requests/${id}/open`);
      step();
      await clerk.call('POST', `${API}/requests/${id}/actions`, { body: { action: 'take' } });
      step();
      await admin.call('POST', `${API}/requests/${id}/open`);
      step();
      const issued = await clerk.call('POST', `${API}/requests/${id}/document`, { body: { text: 'ROSSI MARIO.' } });
      const { documentId } = issued.json as { documentId: string };
      const protocol = (await hub.admin.listRequests()).find((r) => r.id === id)!.protocolNumber!;

      const byRequest = (await admin.call('GET', `${API}/audit?request=${protocol}`)).json as AuditPage;
      expect(byRequest.entries.every((e) => e.requestId === id && e.protocolNumber === protocol)).toBe(true);
      const clerkActor = `console:${await userId('sportellista')}`;
      const adminActor = `console:${await userId('ada')}`;
      // Newest first, step by step; what one step wrote may share an instant, so in any order within it.
      const steps: string[][] = [];
      let at = Infinity;
      for (const e of byRequest.entries) {
        if (at - Date.parse(e.at) > 30_000) steps.push([]);
        at = Date.parse(e.at);
        steps.at(-1)!.push(`${e.user?.login ?? e.actor} ${e.action}`);
      }
      expect(steps.map((group) => group.sort())).toEqual([
        ['sportellista document.issue', 'sportellista request.open', 'sportellista request.status'],
        ['ada request.open'],
        ['sportellista backoffice.take', 'sportellista request.status'],
        ['sportellista request.open'],
      ]);
      expect(byRequest.entries.find((e) => e.action === 'document.issue')).toMatchObject({
        documentId,
        actor: clerkActor,
        user: { role: 'clerk' },
      });
      expect(byRequest.entries[3]).toMatchObject({ actor: adminActor, user: { login: 'ada', role: 'admin' } });
      expect(JSON.stringify(byRequest)).not.toMatch(/RSSMRA|ROSSI|MARIO|pickupSecret/);
      expect(byRequest.users.map((u) => u.login)).toEqual(['ada', 'sportellista', 'tecnico']);
      // The same by id.
      expect(((await admin.call('GET', `${API}/audit?request=${id}`)).json as AuditPage).entries).toEqual(
        byRequest.entries,
      );

      const adminId = await userId('ada');
      const byBoth = (await admin.call('GET', `${API}/audit?request=${id}&user=${adminId}`)).json as AuditPage;
      expect(byBoth.entries.map((e) => e.action)).toEqual(['request.open']);

      // Pages of two walk the same rows.
      const walked: AuditPage['entries'] = [];
      let after: string | null | undefined;
      do {
        const page = (await admin.call('GET', `${API}/audit?request=${id}&limit=2${after ? `&after=${after}` : ''}`))
          .json as AuditPage;
        expect(page.entries.length).toBeLessThanOrEqual(2);
        walked.push(...page.entries);
        after = page.next;
      } while (after);
      expect(walked).toEqual(byRequest.entries);

      expect(((await admin.call('GET', `${API}/audit?request=C240-1999-999999`)).json as AuditPage).entries).toEqual(
        [],
      );
      expect((await admin.call('GET', `${API}/audit?after=forged`)).status).toBe(400);
    });
  });

  describe('e-mail', () => {
    async function outboxRow(requestId: string) {
      return reader.db
        .selectFrom('mail_outbox')
        .select(['state', 'attempts', 'last_error'])
        .where('request_id', '=', requestId)
        .executeTakeFirstOrThrow();
    }

    it('sends the status and answer over STARTTLS with AUTH to the address the resident gave, and nothing without one', async () => {
      const clerk = await signedIn('sportellista');
      const id = await pushed(report({ email: 'mario.rossi@example.org', phone: null }));
      const answer = 'Intervento programmato per lunedì.';
      await clerk.call('POST', `${API}/requests/${id}/actions`, { body: { action: 'reply', answer } });
      const message = await sink.waitFor((m) => m.text.includes(answer));
      expect(message).toMatchObject({ secure: true, user: 'sportello', from: 'sportello@comune.example' });
      expect(['PLAIN', 'LOGIN']).toContain(message.authMethod);
      expect(message.to).toEqual(['mario.rossi@example.org']);
      expect(message.subject).toMatch(
        /^Comune di Castelnuovo Magra - pratica C240-\d{4}-\d{6}: risposta dell’ufficio$/,
      );
      expect(message.text).toContain('risposta dell’ufficio');
      // The comune, the protocol number, the status and the answer: nothing the resident typed or carried.
      expect(message.raw).not.toMatch(/Lampione|Via Aurelia|ES-0101|Mario Rossi|RSSMRA/);
      expect(message.text).not.toContain('mario.rossi');

      const silent = await pushed(report(null));
      await clerk.call('POST', `${API}/requests/${silent}/actions`, { body: { action: 'take' } });
      await hub.flushMail();
      expect(await outboxRow(silent)).toMatchObject({ state: 'no-address' });
      // The outbox holds no address.
      expect(JSON.stringify(await reader.db.selectFrom('mail_outbox').selectAll().execute())).not.toContain(
        '@example.org',
      );
    });

    it('writes to the resident in the language they used at the kiosk', async () => {
      const item = await kiosk.item({
        kind: 'report',
        service: 'segnalazione-illuminazione',
        locale: 'de',
        plaintext: JSON.stringify(report({ email: 'hans@example.org', phone: null })),
      });
      expect((await kiosk.push([item])).results[0]).toMatchObject({ status: 'accepted' });
      const clerk = await signedIn('sportellista');
      await clerk.call('POST', `${API}/requests/${item.id}/actions`, { body: { action: 'take' } });
      const message = await sink.waitFor((m) => m.to.includes('hans@example.org'));
      expect(message.subject).toMatch(/^Comune di Castelnuovo Magra - Antrag C240-\d{4}-\d{6}: in Bearbeitung$/);
      expect(message.text).toContain('in Bearbeitung');
      expect(message.text).toContain('Automatische Nachricht');
      expect(message.text).not.toContain('presa in carico');
    });

    it('e-mails an issued certificate with its PDF and verification code', async () => {
      const id = await pushed(
        certificate({ delivery: { kind: 'email', address: 'anna@example.org' }, pickupSecret: null }),
      );
      const clerk = await signedIn('sportellista');
      expect(
        (await clerk.call('POST', `${API}/requests/${id}/document`, { body: { text: 'Certificato.' } })).status,
      ).toBe(400);
      const issued = await clerk.call('POST', `${API}/requests/${id}/document`, {
        body: { text: 'Certificato.', pdf: { name: 'residenza.pdf', base64: PDF.toString('base64') } },
      });
      expect(issued).toMatchObject({ status: 201, json: { delivery: 'email', status: 'closed' } });
      const { verificationCode } = issued.json as { verificationCode: string };
      const message = await sink.waitFor((m) => m.to.includes('anna@example.org'));
      expect(message.subject).toMatch(/^Comune di Castelnuovo Magra - Certificato di residenza \(pratica C240-/);
      expect(message.text).toContain(`Codice di verifica: ${verificationCode}`);
      expect(message.text).toContain(`https://sportello.comune.example/verify/${verificationCode}`);
      expect(message.text).not.toMatch(/RSSMRA|ROSSI|MARIO/);
      expect(message.attachments).toHaveLength(1);
      expect(message.attachments[0]).toMatchObject({ filename: 'residenza.pdf', contentType: 'application/pdf' });
      expect(message.attachments[0]!.content.equals(PDF)).toBe(true);
      expect((await pullAll()).documents).toEqual([]);
    });

    it('retries a mail the server refused, and sends it once it accepts', async () => {
      const id = await pushed(report({ email: 'retry@example.org', phone: null }));
      sink.refuse = true;
      const clerk = await signedIn('sportellista');
      await clerk.call('POST', `${API}/requests/${id}/actions`, { body: { action: 'take' } });
      await hub.flushMail();
      expect(await outboxRow(id)).toMatchObject({ state: 'pending', attempts: 1, last_error: 'SMTP_REFUSED_451' });
      sink.refuse = false;
      skewMs += 2 * 60_000;
      await hub.flushMail();
      await sink.waitFor((m) => m.to.includes('retry@example.org'));
      expect(await outboxRow(id)).toMatchObject({ state: 'sent' });
    });

    it('keeps a mail queued when the server refuses the hub’s password, logs the code alone, and sends it once the password is right', async () => {
      const id = await pushed(report({ email: 'auth@example.org', phone: null }));
      const hubPassword = sink.password;
      sink.password = 'rotated-by-the-mail-admin';
      const failures = sink.authFailures;
      logLines.length = 0;
      const clerk = await signedIn('sportellista');
      await clerk.call('POST', `${API}/requests/${id}/actions`, { body: { action: 'take' } });
      await hub.flushMail();
      expect(sink.authFailures).toBeGreaterThan(failures);
      expect(await outboxRow(id)).toMatchObject({ state: 'pending', attempts: 1, last_error: 'SMTP_AUTH_FAILED_535' });
      const failed = logLines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.event === 'mail.failed');
      expect(failed[0]).toMatchObject({ code: 'SMTP_AUTH_FAILED_535', requestId: id });
      const log = logLines.join('\n');
      expect(log).not.toContain(hubPassword);
      expect(log).not.toContain('auth@example.org');

      sink.password = hubPassword;
      skewMs += 2 * 60_000;
      await hub.flushMail();
      expect((await sink.waitFor((m) => m.to.includes('auth@example.org'))).secure).toBe(true);
      expect(await outboxRow(id)).toMatchObject({ state: 'sent', attempts: 1 });
    });

    it('keeps mail queued while the server is down, and sends it at a retry once it is back', async () => {
      const id = await pushed(report({ email: 'down@example.org', phone: null }));
      await sink.stop();
      try {
        const clerk = await signedIn('sportellista');
        await clerk.call('POST', `${API}/requests/${id}/actions`, { body: { action: 'take' } });
        await hub.flushMail();
        expect(await outboxRow(id)).toMatchObject({ state: 'pending', attempts: 1, last_error: 'SMTP_UNREACHABLE' });
        // Not due yet: a flush now tries nothing.
        await hub.flushMail();
        expect(await outboxRow(id)).toMatchObject({ attempts: 1 });
      } finally {
        await sink.restart();
      }
      skewMs += 2 * 60_000;
      await hub.flushMail();
      await sink.waitFor((m) => m.to.includes('down@example.org'));
      expect(await outboxRow(id)).toMatchObject({ state: 'sent' });
    });
  });

  describe('verification page', () => {
    it('shows a valid document in Italian and English, then revoked, with nothing personal', async () => {
      skewMs += 60_000; // a fresh rate-limit window
      const id = await pushed(certificate());
      const clerk = await signedIn('sportellista');
      const { verificationCode } = (
        await clerk.call('POST', `${API}/requests/${id}/document`, { body: { text: 'ROSSI MARIO, residente.' } })
      ).json as { verificationCode: string };

      const it = await fetch(`${hub.url}/verify/${verificationCode}`);
      expect(it.status).toBe(200);
      expect(it.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await it.text();
      expect(page).toContain('<html lang="it">');
      expect(page).toContain('Documento valido');
      expect(page).toContain('Certificato di residenza');
      expect(page).toContain('Comune di Castelnuovo Magra - Ufficio Anagrafe');
      expect(page).not.toMatch(/ROSSI|MARIO|RSSMRA/);

      const en = await (await fetch(`${hub.url}/verify/${verificationCode.toLowerCase()}?lang=en`)).text();
      expect(en).toContain('Valid document');
      expect(en).toContain('Certificate of residence');
      const accept = await (
        await fetch(`${hub.url}/verify/${verificationCode}`, { headers: { 'accept-language': 'en-GB,en;q=0.9' } })
      ).text();
      expect(accept).toContain('<html lang="en">');

      const form = await fetch(`${hub.url}/verify?code=${verificationCode.replace(/-/g, ' ')}&lang=en`, {
        redirect: 'manual',
      });
      expect(form.status).toBe(303);
      expect(form.headers.get('location')).toBe(`/verify/${verificationCode}?lang=en`);
      expect((await fetch(`${hub.url}/verify`)).status).toBe(200);

      const technician = await signedIn('tecnico');
      expect((await technician.call('POST', `${API}/verifications/${verificationCode}/revoke`)).status).toBe(403);
      expect((await clerk.call('POST', `${API}/verifications/${verificationCode}/revoke`)).status).toBe(200);
      const revoked = await (await fetch(`${hub.url}/verify/${verificationCode}`)).text();
      expect(revoked).toContain('Documento revocato');
      expect(revoked).not.toContain('Documento valido');
      expect(
        await auditRows(
          'document.revoke',
          (await clerk.call('GET', `${API}/verifications/${verificationCode}`)).json
            ? ((await clerk.call('GET', `${API}/verifications/${verificationCode}`)).json as { documentId: string })
                .documentId
            : '',
        ),
      ).toHaveLength(1);

      const unknown = await fetch(`${hub.url}/verify/AAAA-BBBB-CCCC`);
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).toContain('Nessun documento corrisponde');
    });

    it('limits checks per client address', async () => {
      skewMs += 60_000;
      const statuses: number[] = [];
      for (let i = 0; i < 26; i += 1) statuses.push((await fetch(`${hub.url}/verify/AAAA-BBBB-CCC${i % 10}`)).status);
      expect(statuses.slice(0, 25).every((s) => s === 404)).toBe(true);
      const last = await fetch(`${hub.url}/verify/AAAA-BBBB-CCCC`);
      expect(last.status).toBe(429);
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
      skewMs += 60_000;
    });
  });
});

/** A comune, a frazione, a kiosk and one request, as any migrated database since 0002 holds them. */
async function seedOneRequest(db: Kysely<HubDatabase>, at: number): Promise<void> {
  await seedKiosk(db, at);
  await db
    .insertInto('requests')
    .values({
      id: '01900000-0000-7000-8000-000000000001',
      kiosk_id: 'k-1',
      comune_istat: ISTAT,
      kind: 'report',
      service: 'segnalazione-strade',
      public_json: JSON.stringify({ locale: 'it', frazione: 'canale', createdAt: new Date(at).toISOString() }),
      item_digest: 'd',
      sealed: Buffer.from('x'),
      protocol_number: 'C240-2026-000001',
      received_at: at,
      status: 'accepted',
      rejection_code: null,
      rejection_reason: null,
      answer: null,
      status_at: at,
    })
    .execute();
}

describe('migration 0003_backoffice', () => {
  it('upgrades a 0002 database holding a request, which the inbox then lists', async () => {
    await withScratchHubDb('sportello-backoffice-migrate-', async (db) => {
      expect(MIGRATION_NAMES.slice(0, 3)).toEqual(['0001_initial', '0002_console_fleet', '0003_backoffice']);
      await migrateToLatest(db as Kysely<unknown>, 'sqlite', { upTo: '0002_console_fleet' });
      const at = Date.parse('2026-03-10T08:00:00Z');
      await seedOneRequest(db, at);
      await migrateToLatest(db as Kysely<unknown>, 'sqlite');
      const { inbox } = await import('../../server/db/backoffice');
      expect((await inbox(db, { frazione: 'canale' }, at + DAY)).items).toMatchObject([
        { protocolNumber: 'C240-2026-000001', status: 'accepted', ageMs: DAY, office: null },
      ]);
    });
  });
});

describe('migration 0005_inbox_audit_paging', () => {
  it('upgrades a database of the migration before, holding a request and its audit rows, which then page', async () => {
    await withScratchHubDb('sportello-backoffice-migrate-', async (db) => {
      const index = MIGRATION_NAMES.indexOf('0005_inbox_audit_paging');
      expect(index).toBeGreaterThan(2);
      await migrateToLatest(db as Kysely<unknown>, 'sqlite', { upTo: MIGRATION_NAMES[index - 1]! });
      const at = Date.parse('2026-03-10T08:00:00Z');
      await seedOneRequest(db, at);
      const id = '01900000-0000-7000-8000-000000000001';
      for (const [i, action] of ['request.open', 'backoffice.take', 'console.login'].entries()) {
        await db
          .insertInto('audit_log')
          .values({
            id: `0190000${i}-0000-7000-8000-000000000000`,
            at: at + i,
            actor: 'console:u-1',
            action,
            subject: i < 2 ? id : 'u-1',
            detail: null,
          })
          .execute();
      }
      await migrateToLatest(db as Kysely<unknown>, 'sqlite');
      const { inbox, requestAudit } = await import('../../server/db/backoffice');
      const first = await inbox(db, {}, at + DAY, { limit: 1 });
      expect(first).toMatchObject({ total: 1, next: null, items: [{ id }] });
      const audit = await requestAudit(db, { requestId: id }, { limit: 1 });
      expect(audit.items.map((e) => e.action)).toEqual(['backoffice.take']);
      const rest = await requestAudit(db, { requestId: id }, { after: audit.next! });
      expect(rest).toMatchObject({
        next: null,
        items: [{ action: 'request.open', protocolNumber: 'C240-2026-000001' }],
      });
      const indexes = await sql<{ name: string }>`select name from sqlite_master where type = 'index'`.execute(db);
      expect(indexes.rows.map((r) => r.name)).toEqual(
        expect.arrayContaining(['requests_received', 'audit_log_at', 'audit_log_subject', 'audit_log_actor']),
      );
    });
  });
});

describe('SMTP sender', () => {
  const message = { to: 'resident@example.org', subject: 'Prova', text: 'Pratica C240-2026-000001: conclusa.' };

  it('logs in with AUTH LOGIN when that is what the server offers', async () => {
    const sink = await startSmtpSink({ authMethods: ['LOGIN'] });
    const sender = createSmtpSender(smtpConfig(sink.settings('sportello@comune.example')));
    try {
      await sender.send(message, new Date());
      const received = await sink.waitFor((m) => m.to.includes('resident@example.org'));
      expect(received).toMatchObject({ secure: true, authMethod: 'LOGIN', user: 'sportello', subject: 'Prova' });
      expect(received.text.trim()).toBe('Pratica C240-2026-000001: conclusa.');
    } finally {
      sender.close();
      await sink.close();
    }
  });

  it('refuses to send, and sends no password, where STARTTLS is required but not offered', async () => {
    const sink = await startSmtpSink({ startTls: false });
    const sender = createSmtpSender(smtpConfig(sink.settings('sportello@comune.example')));
    try {
      await expect(sender.send(message, new Date())).rejects.toMatchObject({ code: 'SMTP_TLS_FAILED' });
      expect(sink.messages).toEqual([]);
      expect(sink.authFailures).toBe(0);
    } finally {
      sender.close();
      await sink.close();
    }
  });

  it('refuses a server whose certificate the hub does not trust', async () => {
    const sink = await startSmtpSink();
    const { ca: _untrusted, ...settings } = sink.settings('sportello@comune.example');
    const sender = createSmtpSender(smtpConfig(settings));
    try {
      await expect(sender.send(message, new Date())).rejects.toMatchObject({ code: 'SMTP_TLS_UNTRUSTED' });
      expect(sink.messages).toEqual([]);
    } finally {
      sender.close();
      await sink.close();
    }
  });
});
