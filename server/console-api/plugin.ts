/**
 * The hub console under /console: the built React app (dist/console) and its
 * JSON API under /console/api. An encapsulated plugin with its own JSON body
 * parser, cookie handling and error answers; the sync API's raw-bytes parser
 * and signed refusals stay outside it.
 *
 * Every API route but login needs a session cookie (401 UNAUTHENTICATED
 * without a live one); every state-changing route also needs the session's
 * CSRF token in `x-csrf-token` (403 CSRF_INVALID), then a role (403
 * FORBIDDEN). Every action is audit-logged by the functions it calls.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { hashPassword, passwordProblem } from '../auth/password';
import { csrfMatches, csrfTokenFor, login, logout, sessionUser } from '../auth/sessions';
import type { ConsoleUser, SessionPolicy } from '../auth/sessions';
import { acknowledgeAlert, listAlerts } from '../db/alerts';
import type { LoadedHubKeys } from '../db/keys';
import { issueTechnicianCard, listTechnicianCards, revokeTechnicianCard } from '../fleet/cards';
import type { HubDb } from '../db/open';
import type { ConsoleRole } from '../db/schema';
import { insertUser, listUsers, LoginSchema, RoleSchema } from '../db/users';
import { HubError } from '../errors';
import type { FleetThresholds } from '../fleet/evaluate';
import { CLEARED_VISIBLE_MS, evaluateFleet, fleetOverview, kioskDetail } from '../fleet/fleet';

export const CONSOLE_PREFIX = '/console';
/** Where `vite build -c server/console/vite.config.ts` puts the app. */
export const DEFAULT_CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'console');
export const SESSION_COOKIE = 'sportello_console';
/** With Secure, the cookie takes the __Host- prefix: the browser then insists on Secure, Path=/ and no Domain. */
const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
export const CSRF_HEADER = 'x-csrf-token';
const JSON_BODY_LIMIT = 16 * 1024;

export const CONSOLE_ERROR_STATUS = {
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  LOGIN_FAILED: 401,
  FORBIDDEN: 403,
  CSRF_INVALID: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNSUPPORTED_MEDIA_TYPE: 415,
  LOGIN_THROTTLED: 429,
  INTERNAL: 500,
} as const;
export type ConsoleErrorCode = keyof typeof CONSOLE_ERROR_STATUS;

/** Who may do what: admin everything, technician the fleet, clerk the back office (not yet here). */
export const FLEET_ROLES: readonly ConsoleRole[] = ['admin', 'technician'];
export const USER_ADMIN_ROLES: readonly ConsoleRole[] = ['admin'];

export type ConsoleOptions = {
  hubDb: HubDb;
  now: () => number;
  policy: SessionPolicy;
  thresholds: FleetThresholds;
  /** Mark the cookie Secure: always, never, or 'auto' (when the request came over https). */
  secureCookies: boolean | 'auto';
  /** The built console (dist/console); a hint page when it is missing. */
  staticDir: string;
  /** The hub's keys: technician cards are signed with its signing key. */
  keys: LoadedHubKeys;
};

/** A refusal of a console route (its code, status and message are the answer); the back office's routes throw it too. */
export class ConsoleRefusal extends Error {
  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function refuse(reply: FastifyReply, code: ConsoleErrorCode, message: string): FastifyReply {
  return reply
    .code(CONSOLE_ERROR_STATUS[code])
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ error: { code, message } }));
}

const LoginBody = z.strictObject({ login: z.string().min(1).max(200), password: z.string().min(1).max(1024) });
const CreateUserBody = z.strictObject({ login: LoginSchema, role: RoleSchema, password: z.string().max(1024) });
const IdParams = z.strictObject({ id: z.string().min(1).max(64) });
const IssueCardBody = z.strictObject({
  login: LoginSchema,
  /** Days the card stays valid (default a year). */
  days: z
    .number()
    .int()
    .min(1)
    .max(5 * 365)
    .optional(),
});
const DetailQuery = z.object({ hours: z.coerce.number().int().min(1).max(168).default(24) });

/** The value as the schema reads it, or a 400 INVALID_REQUEST naming the first few problems. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConsoleRefusal('INVALID_REQUEST', issues.join('; '));
  }
  return parsed.data;
}

/** JSON bodies only: a cross-site form cannot send one without a CORS preflight this hub never grants. */
export function acceptJsonOnly(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    try {
      done(null, body === '' ? undefined : (JSON.parse(body as string) as unknown));
    } catch {
      done(new ConsoleRefusal('INVALID_REQUEST', 'body is not JSON'), undefined);
    }
  });
}

/** A hub error's answer: a missing row is 404, bad input 400, anything else a conflict. */
export function hubErrorCode(error: HubError): ConsoleErrorCode {
  return error.code === 'NOT_FOUND' ? 'NOT_FOUND' : error.code === 'INVALID_INPUT' ? 'INVALID_REQUEST' : 'CONFLICT';
}

/** The JSON 404 of a path no route serves. */
export function noRoute(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return refuse(reply, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`);
}

export type Authorize = (
  request: FastifyRequest,
  roles: readonly ConsoleRole[] | 'any',
  csrf: boolean,
  /** The FORBIDDEN message for a role outside `roles`. */
  forbidden?: (role: ConsoleRole) => string,
) => Promise<{ user: ConsoleUser; token: string }>;

/**
 * The guard of the console's routes (and the back office's): the request's
 * user, 401 without a live session, 403 CSRF_INVALID when a state-changing
 * request lacks the session's token, 403 FORBIDDEN outside `roles`.
 */
export function sessionGuard(options: { hubDb: HubDb; policy: SessionPolicy; now: () => number }): Authorize {
  const { hubDb, policy, now } = options;
  return async (request, roles, csrf, forbidden = (role) => `the ${role} role may not do this`) => {
    const token = sessionToken(request);
    const user = token === null ? null : await sessionUser(hubDb, token, policy, now);
    if (token === null || user === null) throw new ConsoleRefusal('UNAUTHENTICATED', 'sign in first');
    if (csrf) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || sent.length === 0) {
        throw new ConsoleRefusal('CSRF_INVALID', `missing ${CSRF_HEADER} header`);
      }
      if (!csrfMatches(token, sent))
        throw new ConsoleRefusal('CSRF_INVALID', `${CSRF_HEADER} does not match the session`);
    }
    if (roles !== 'any' && !roles.includes(user.role)) {
      request.log.info({ event: 'console.forbidden', userId: user.id, route: request.routeOptions.url }, 'forbidden');
      throw new ConsoleRefusal('FORBIDDEN', forbidden(user.role));
    }
    return { user, token };
  };
}

function sessionToken(request: FastifyRequest): string | null {
  const token = request.cookies[SECURE_SESSION_COOKIE] ?? request.cookies[SESSION_COOKIE];
  return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : null;
}

export function consolePlugin(options: ConsoleOptions) {
  const { hubDb, now, policy, thresholds } = options;

  return async function register(app: FastifyInstance): Promise<void> {
    await app.register(fastifyCookie);

    acceptJsonOnly(app, JSON_BODY_LIMIT);

    // The app's relative asset and API paths need the trailing slash.
    app.addHook('onRequest', (request, reply, done) => {
      const [path, query] = request.url.split('?', 2);
      if (path === CONSOLE_PREFIX && request.method === 'GET') {
        void reply.redirect(`${CONSOLE_PREFIX}/${query === undefined ? '' : `?${query}`}`, 301);
        return;
      }
      done();
    });

    app.addHook('onSend', (request, reply, payload, done) => {
      reply.header('x-content-type-options', 'nosniff');
      reply.header('x-frame-options', 'DENY');
      reply.header('referrer-policy', 'no-referrer');
      reply.header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
      );
      if (request.url.startsWith(`${CONSOLE_PREFIX}/api/`)) reply.header('cache-control', 'no-store');
      done(null, payload);
    });

    app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
      if (error instanceof ConsoleRefusal) return refuse(reply.headers(error.headers), error.code, error.message);
      if (error instanceof HubError) return refuse(reply, hubErrorCode(error), error.message);
      const status = error.statusCode ?? 500;
      if (status === 415) return refuse(reply, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json');
      if (status >= 400 && status < 500) return refuse(reply, 'INVALID_REQUEST', error.code ?? 'bad request');
      request.log.error({ event: 'console.failed', err: error, route: request.routeOptions.url }, 'console failed');
      return refuse(reply, 'INTERNAL', 'the hub failed; retry later');
    });

    app.setNotFoundHandler(noRoute);

    function secure(request: FastifyRequest): boolean {
      return options.secureCookies === 'auto' ? request.protocol === 'https' : options.secureCookies;
    }

    const authorize = sessionGuard({ hubDb, policy, now });

    // ---- session --------------------------------------------------------

    app.post('/api/login', async (request, reply) => {
      const body = parseInput(LoginBody, request.body);
      const outcome = await login(hubDb, body, policy, now);
      if (!outcome.ok) {
        if (outcome.code === 'LOGIN_THROTTLED') {
          throw new ConsoleRefusal('LOGIN_THROTTLED', 'too many attempts; wait and retry', {
            'retry-after': String(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000))),
          });
        }
        throw new ConsoleRefusal('LOGIN_FAILED', 'wrong login or password');
      }
      const isSecure = secure(request);
      return reply
        .setCookie(isSecure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, outcome.token, {
          httpOnly: true,
          sameSite: 'strict',
          path: '/',
          secure: isSecure,
        })
        .send({ user: { login: outcome.user.login, role: outcome.user.role }, csrfToken: outcome.csrfToken });
    });

    app.post('/api/logout', async (request, reply) => {
      const { user, token } = await authorize(request, 'any', true);
      await logout(hubDb, token, user, now);
      return reply
        .clearCookie(SESSION_COOKIE, { path: '/' })
        .clearCookie(SECURE_SESSION_COOKIE, { path: '/', secure: true })
        .send({ ok: true });
    });

    app.get('/api/session', async (request) => {
      const { user, token } = await authorize(request, 'any', false);
      return { user: { login: user.login, role: user.role }, csrfToken: csrfTokenFor(token) };
    });

    // ---- fleet ----------------------------------------------------------

    app.get('/api/fleet', async (request) => {
      await authorize(request, FLEET_ROLES, false);
      await evaluateFleet(hubDb, now, thresholds);
      const at = now();
      const [kiosks, alerts] = await Promise.all([
        fleetOverview(hubDb.db, at, thresholds),
        listAlerts(hubDb.db, { clearedSince: at - CLEARED_VISIBLE_MS }),
      ]);
      return { now: new Date(at).toISOString(), thresholds, kiosks, alerts };
    });

    app.get('/api/fleet/kiosks/:id', async (request) => {
      await authorize(request, FLEET_ROLES, false);
      const { id } = parseInput(IdParams, request.params);
      const { hours } = parseInput(DetailQuery, request.query);
      await evaluateFleet(hubDb, now, thresholds);
      const at = now();
      const detail = await kioskDetail(hubDb.db, id, hours * 3_600_000, at, thresholds);
      if (detail === null) throw new ConsoleRefusal('NOT_FOUND', `no kiosk ${id}`);
      return { now: new Date(at).toISOString(), hours, ...detail };
    });

    app.post('/api/fleet/alerts/:id/ack', async (request) => {
      const { user } = await authorize(request, FLEET_ROLES, true);
      const { id } = parseInput(IdParams, request.params);
      await hubDb.write((db) => acknowledgeAlert(db, id, user.id, now()));
      return { ok: true };
    });

    // ---- technician cards (admin) ----------------------------------------

    app.get('/api/cards', async (request) => {
      await authorize(request, USER_ADMIN_ROLES, false);
      return { cards: await listTechnicianCards(hubDb.db) };
    });

    app.post('/api/cards', async (request, reply) => {
      const { user } = await authorize(request, USER_ADMIN_ROLES, true);
      const body = parseInput(IssueCardBody, request.body);
      const card = await issueTechnicianCard(
        hubDb,
        options.keys,
        {
          login: body.login,
          actor: `console:${user.id}`,
          ...(body.days === undefined ? {} : { validityMs: body.days * 86_400_000 }),
        },
        now(),
      );
      // The token is in this answer only (no-store): the hub keeps the card's row, not the token.
      return reply.code(201).send({ card });
    });

    app.post('/api/cards/:id/revoke', async (request) => {
      const { user } = await authorize(request, USER_ADMIN_ROLES, true);
      const { id } = parseInput(IdParams, request.params);
      const card = await hubDb.write((db) => revokeTechnicianCard(db, id, `console:${user.id}`, now()));
      return { card };
    });

    // ---- users (admin) --------------------------------------------------

    app.get('/api/users', async (request) => {
      await authorize(request, USER_ADMIN_ROLES, false);
      return { users: await listUsers(hubDb.db) };
    });

    app.post('/api/users', async (request, reply) => {
      const { user } = await authorize(request, USER_ADMIN_ROLES, true);
      const body = parseInput(CreateUserBody, request.body);
      const problem = passwordProblem(body.password);
      if (problem !== null) throw new ConsoleRefusal('INVALID_REQUEST', `password: ${problem}`);
      const passwordHash = await hashPassword(body.password);
      const id = await hubDb.write((db) =>
        insertUser(db, { login: body.login, role: body.role, passwordHash, actor: `console:${user.id}` }, now()),
      );
      return reply.code(201).send({ id, login: body.login, role: body.role });
    });

    // ---- the app --------------------------------------------------------

    if (existsSync(`${options.staticDir}/index.html`)) {
      await app.register(fastifyStatic, {
        root: options.staticDir,
        prefix: '/',
        index: 'index.html',
        wildcard: false,
        setHeaders: (res, path) => {
          res.header('cache-control', path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
        },
      });
    } else {
      app.get('/', (_request, reply) =>
        reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send(
            'The console is not built: run `npm run build` (or `npx vite build -c server/console/vite.config.ts`).\n',
          ),
      );
    }
  };
}
