/**
 * The back office's JSON API under /console/api/backoffice: an encapsulated
 * plugin beside the console's, with the same session cookie, CSRF header and
 * error shape (server/console-api/plugin), for the roles that process
 * requests: clerk and admin (a technician gets 403 FORBIDDEN).
 *
 * Reading personal data is a POST (`requests/:id/open`): it writes to the
 * audit log, so it needs the CSRF token like every other write.
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ConsoleUser, SessionPolicy } from '../auth/sessions';
import {
  acceptJsonOnly,
  ConsoleRefusal,
  hubErrorCode,
  noRoute,
  parseInput,
  refuse,
  sessionGuard,
} from '../console-api/plugin';
import type { ConsoleErrorCode } from '../console-api/plugin';
import type { HubDb } from '../db/open';
import type { ConsoleRole } from '../db/schema';
import { HubError } from '../errors';
import { ACTION_NAMES, AuditQuerySchema, InboxQuerySchema } from './service';
import type { Action, Backoffice } from './service';
import { normalizeVerificationCode } from './verification-code';

export const BACKOFFICE_PREFIX = '/console/api/backoffice';
/** Who processes requests: clerks, and admins who may do everything. */
export const BACKOFFICE_ROLES: readonly ConsoleRole[] = ['admin', 'clerk'];
/** Who reads the audit log: admins only. */
export const AUDIT_ROLES: readonly ConsoleRole[] = ['admin'];
/** A base64 PDF of 5 MB and its text fit; every other body is small. */
const JSON_BODY_LIMIT = 8 * 1024 * 1024;

const IdParams = z.strictObject({ id: z.uuid() });
const CodeParams = z.strictObject({ code: z.string().min(1).max(64) });
const ActionBody = z.strictObject({
  action: z.enum(ACTION_NAMES as [Action, ...Action[]]),
  answer: z.string().max(4000).nullable().optional(),
});
const OfficeBody = z.strictObject({ officeId: z.string().min(1).max(64) });
const IssueBody = z.strictObject({
  text: z.string().min(1).max(100_000),
  title: z.string().max(200).optional(),
  issuer: z.string().max(200).optional(),
  answer: z.string().max(4000).optional(),
  pdf: z.strictObject({ name: z.string().min(1).max(200), base64: z.base64().max(7_000_000) }).optional(),
});

const DAY = 24 * 60 * 60_000;

export function backofficePlugin(options: {
  hubDb: HubDb;
  now: () => number;
  policy: SessionPolicy;
  backoffice: Backoffice;
}) {
  const { hubDb, now, policy, backoffice } = options;

  return async function register(app: FastifyInstance): Promise<void> {
    await app.register(fastifyCookie);

    acceptJsonOnly(app, JSON_BODY_LIMIT);

    app.addHook('onSend', (_request, reply, payload, done) => {
      reply.header('x-content-type-options', 'nosniff');
      reply.header('cache-control', 'no-store');
      reply.header('referrer-policy', 'no-referrer');
      done(null, payload);
    });

    app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
      let code: ConsoleErrorCode;
      if (error instanceof ConsoleRefusal) code = error.code;
      else if (error instanceof HubError) code = hubErrorCode(error);
      else {
        const status = error.statusCode ?? 500;
        if (status === 415) code = 'UNSUPPORTED_MEDIA_TYPE';
        else if (status >= 400 && status < 500) code = 'INVALID_REQUEST';
        else {
          request.log.error({ event: 'backoffice.failed', err: error, route: request.routeOptions.url }, 'failed');
          code = 'INTERNAL';
        }
      }
      return refuse(reply, code, code === 'INTERNAL' ? 'the hub failed; retry later' : error.message);
    });

    const guard = sessionGuard({ hubDb, policy, now });

    /** The clerk (or admin) of the request's session: 401, then 403 CSRF_INVALID for writes, then 403 FORBIDDEN. */
    async function authorize(
      request: FastifyRequest,
      csrf: boolean,
      roles: readonly ConsoleRole[] = BACKOFFICE_ROLES,
    ): Promise<ConsoleUser> {
      const { user } = await guard(request, roles, csrf, (role) =>
        roles === AUDIT_ROLES
          ? `the ${role} role may not read the audit log`
          : `the ${role} role may not use the back office`,
      );
      return user;
    }

    app.get('/meta', async (request) => {
      await authorize(request, false);
      const comune = await hubDb.db.selectFrom('comuni').select(['istat', 'name']).orderBy('istat').executeTakeFirst();
      return { comune: comune ?? null, ...(comune ? await backoffice.meta(comune.istat) : {}) };
    });

    app.get('/requests', async (request) => {
      await authorize(request, false);
      const query = parseInput(InboxQuerySchema, request.query);
      const page = await backoffice.inbox(
        {
          ...(query.kind ? { kind: query.kind } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.frazione ? { frazione: query.frazione } : {}),
          ...(query.olderThanDays === undefined ? {} : { olderThanMs: query.olderThanDays * DAY }),
          ...(query.newerThanDays === undefined ? {} : { newerThanMs: query.newerThanDays * DAY }),
        },
        {
          ...(query.limit === undefined ? {} : { limit: query.limit }),
          ...(query.after === undefined ? {} : { after: query.after }),
        },
      );
      return { now: new Date(now()).toISOString(), requests: page.items, total: page.total, next: page.next };
    });

    app.get('/audit', async (request) => {
      await authorize(request, false, AUDIT_ROLES);
      const query = parseInput(AuditQuerySchema, request.query);
      const page = await backoffice.audit(
        {
          ...(query.request === undefined ? {} : { request: query.request }),
          ...(query.user === undefined ? {} : { userId: query.user }),
        },
        {
          ...(query.limit === undefined ? {} : { limit: query.limit }),
          ...(query.after === undefined ? {} : { after: query.after }),
        },
      );
      return { entries: page.items, next: page.next, users: page.users };
    });

    app.get('/requests/:id', async (request) => {
      await authorize(request, false);
      const { id } = parseInput(IdParams, request.params);
      return backoffice.detail(id);
    });

    app.post('/requests/:id/open', async (request) => {
      const user = await authorize(request, true);
      const { id } = parseInput(IdParams, request.params);
      request.log.info({ event: 'request.opened', userId: user.id, requestId: id }, 'request opened');
      return backoffice.openRequest(user, id);
    });

    app.post('/requests/:id/actions', async (request) => {
      const user = await authorize(request, true);
      const { id } = parseInput(IdParams, request.params);
      const body = parseInput(ActionBody, request.body);
      return backoffice.act(user, id, body.action, body.answer ?? null);
    });

    app.post('/requests/:id/office', async (request) => {
      const user = await authorize(request, true);
      const { id } = parseInput(IdParams, request.params);
      const body = parseInput(OfficeBody, request.body);
      await backoffice.assignOffice(user, id, body.officeId);
      return { ok: true };
    });

    app.post('/requests/:id/document', async (request, reply) => {
      const user = await authorize(request, true);
      const { id } = parseInput(IdParams, request.params);
      const body = parseInput(IssueBody, request.body);
      const issued = await backoffice.issueDocument(user, id, {
        text: body.text,
        ...(body.title === undefined ? {} : { title: body.title }),
        ...(body.issuer === undefined ? {} : { issuer: body.issuer }),
        ...(body.answer === undefined ? {} : { answer: body.answer }),
        ...(body.pdf === undefined
          ? {}
          : { pdf: { name: body.pdf.name, bytes: Buffer.from(body.pdf.base64, 'base64') } }),
      });
      return reply.code(201).send(issued);
    });

    app.get('/documents/:id/pdf', async (request, reply) => {
      const user = await authorize(request, false);
      const { id } = parseInput(IdParams, request.params);
      const { pdf, name } = await backoffice.documentPdf(user, id);
      const safeName = name.replace(/[^A-Za-z0-9._-]/g, '_');
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${safeName}"`)
        .send(pdf);
    });

    app.get('/verifications/:code', async (request) => {
      await authorize(request, false);
      const code = normalizeVerificationCode(parseInput(CodeParams, request.params).code);
      const record = code === null ? undefined : await backoffice.verification(code);
      if (record === undefined) throw new ConsoleRefusal('NOT_FOUND', 'no document with this verification code');
      return record;
    });

    app.post('/verifications/:code/revoke', async (request) => {
      const user = await authorize(request, true);
      const code = normalizeVerificationCode(parseInput(CodeParams, request.params).code);
      if (code === null) throw new ConsoleRefusal('NOT_FOUND', 'no document with this verification code');
      await backoffice.revoke(user, code);
      return { ok: true };
    });

    app.setNotFoundHandler(noRoute);
  };
}
