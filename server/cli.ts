/**
 * The hub's admin CLI: `npm run hub -- <command>` (see USAGE). The hub's data
 * is in SPORTELLO_HUB_DATA_DIR, else <SPORTELLO_DATA_DIR or ./var>/hub;
 * DATABASE_URL selects PostgreSQL instead of the SQLite file there. Admin
 * commands work on the database directly, so they work whether or not a hub
 * is running on it.
 */
import { realpathSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { SUBMISSION_STATUSES } from '../sync/protocol';
import type { SubmissionStatus } from '../sync/protocol';
import { HubError } from './errors';
import { DEFAULT_RATE_LIMIT, openHub, startHub } from './hub';
import type { OpenedHub } from './hub';
import { buildOpenApi } from './openapi';
import { issueTechnicianCard, listTechnicianCards, revokeTechnicianCard } from './fleet/cards';
import { buildConsole, consoleNeedsBuild } from './console-api/build';
import { CONSOLE_ROLES } from './db/schema';
import type { ConsoleRole } from './db/schema';
import { MailError, START_TLS_MODES } from './mail/smtp';
import type { SmtpSettings, StartTls } from './mail/smtp';

export const USAGE = `usage: npm run hub -- <command>

  start [--port N] [--host H] [--no-demo] [--rate-limit N]
                                            serve the sync API (Ctrl+C stops); default port 8787,
                                            N requests per kiosk per minute (default ${DEFAULT_RATE_LIMIT.max})
  comune create <istat> <catastale> <name>  add a comune (e.g. 011011 C240 "Castelnuovo Magra")
  frazione create <istat> <code> <name>     add a frazione (code: lowercase-kebab, e.g. molino-del-piano)
  enroll-code <istat> <frazione> [--ttl-hours N]
                                            make a one-time kiosk enrollment code (default 24 h)
  revoke <kioskId>                          refuse every later request of this kiosk
  requests [--json]                         stored requests, without their personal data
  kiosks [--json]                           enrolled kiosks and their last heartbeat
  status <requestId> <status> [answer]      record a back-office status (${SUBMISSION_STATUSES.join(', ')})
  openapi                                   print the OpenAPI document
  user create --role <role> --name <login>  add a console user (role: ${CONSOLE_ROLES.join(', ')}); the password is
                                            read from SPORTELLO_CONSOLE_PASSWORD, else from stdin (never argv)
  user list [--json]                        console users (no passwords)
  technician-card issue --login <login> [--days N] [--comune <istat>] [--svg <file>]
                                            issue a technician card to a technician or admin (default a year):
                                            prints the card text once (the hub keeps no copy); --svg writes its QR
  technician-card revoke <cardId>           revoke a card: kiosks refuse it after their next pull
  technician-card list [--json]             issued cards (ids, holders, validity; no tokens)

environment: SPORTELLO_HUB_DATA_DIR, else <SPORTELLO_DATA_DIR or ./var>/hub; DATABASE_URL for PostgreSQL;
SPORTELLO_CONSOLE_SECURE_COOKIES=1 behind a TLS proxy that talks http to the hub;
SMTP_URL=smtp://host:587 (STARTTLS) or smtps://host:465 (TLS) and SMTP_FROM=<address> to e-mail residents,
SMTP_USER and SMTP_PASSWORD to log in, SMTP_STARTTLS=required (default), optional or off (a relay without TLS
and without a password); NODE_EXTRA_CA_CERTS=<pem> trusts a comune's own CA; SPORTELLO_HUB_PUBLIC_URL, the
address printed in verification links (default: the hub's own).
The console (fleet dashboard and back office) is served at <hub URL>/console/; /verify checks documents.
The demo comune (Castelnuovo Magra, 011011) is written on first use unless --no-demo.
`;

export type CliIo = {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Resolves when the running hub should stop (Ctrl+C); `start` only. */
  stopSignal?: () => Promise<void>;
  /** Called with the running hub's URL once it listens; `start` only. */
  onStarted?: (url: string) => void;
  /** The whole of standard input (a password for `user create`); default: process.stdin. */
  stdin?: () => Promise<string>;
};

export function hubDataDir(env: NodeJS.ProcessEnv): string {
  if (env.SPORTELLO_HUB_DATA_DIR) return resolve(env.SPORTELLO_HUB_DATA_DIR);
  return resolve(env.SPORTELLO_DATA_DIR ?? 'var', 'hub');
}

class UsageError extends Error {}

/** The mail settings from the environment; the password only from SMTP_PASSWORD (never argv, never logged). */
function smtpSettings(env: NodeJS.ProcessEnv, smtpUrl: string): SmtpSettings {
  const startTls = env.SMTP_STARTTLS || 'required';
  if (!(START_TLS_MODES as readonly string[]).includes(startTls)) {
    throw new UsageError(`SMTP_STARTTLS must be one of ${START_TLS_MODES.join(', ')}`);
  }
  return {
    smtpUrl,
    from: env.SMTP_FROM ?? 'sportello@localhost',
    startTls: startTls as StartTls,
    ...(env.SMTP_USER ? { user: env.SMTP_USER } : {}),
    ...(env.SMTP_PASSWORD ? { password: env.SMTP_PASSWORD } : {}),
  };
}

function waitForSignal(): Promise<void> {
  return new Promise((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

function table(rows: Array<Record<string, string>>, columns: string[]): string {
  if (rows.length === 0) return '(none)\n';
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => r[c] ?? '')))].join('\n') + '\n';
}

/** Runs one CLI command; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'no-demo': { type: 'boolean', default: false },
        'ttl-hours': { type: 'string' },
        'rate-limit': { type: 'string' },
        json: { type: 'boolean', default: false },
        role: { type: 'string' },
        name: { type: 'string' },
        login: { type: 'string' },
        days: { type: 'string' },
        comune: { type: 'string' },
        svg: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr(`hub: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || command === undefined || command === 'help') {
    io.stdout(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const dataDir = hubDataDir(io.env);
  const databaseUrl = io.env.DATABASE_URL || undefined;
  const seed = values['no-demo'] ? ('none' as const) : ('demo' as const);

  try {
    if (command === 'openapi') {
      io.stdout(`${JSON.stringify(buildOpenApi(), null, 2)}\n`);
      return 0;
    }
    if (command === 'start') {
      const port = values.port === undefined ? 8787 : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad port ${values.port}`);
      const perMinute = values['rate-limit'] === undefined ? DEFAULT_RATE_LIMIT.max : Number(values['rate-limit']);
      if (!Number.isInteger(perMinute) || perMinute < 1)
        throw new UsageError(`bad --rate-limit ${values['rate-limit']}`);
      if (consoleNeedsBuild() && !buildConsole()) io.stderr('hub: the console build failed; /console/ says so\n');
      const hub = await startHub({
        dataDir,
        ...(databaseUrl ? { databaseUrl } : {}),
        host: values.host ?? '127.0.0.1',
        port,
        seed,
        rateLimit: { max: perMinute, windowMs: 60_000 },
        log: pino({ level: io.env.SPORTELLO_HUB_LOG_LEVEL ?? 'info', name: 'hub' }, pino.destination(2)),
        consoleSecureCookies: io.env.SPORTELLO_CONSOLE_SECURE_COOKIES === '1' ? true : 'auto',
        ...(io.env.SPORTELLO_HUB_PUBLIC_URL ? { publicUrl: io.env.SPORTELLO_HUB_PUBLIC_URL } : {}),
        ...(io.env.SMTP_URL ? { mail: smtpSettings(io.env, io.env.SMTP_URL) } : {}),
      });
      io.stdout(`Sportello hub: ${hub.url}\n`);
      io.stdout(`Sportello console: ${hub.url}/console/\n`);
      if ((await hub.users.list()).length === 0) {
        io.stdout('No console users yet: npm run hub -- user create --role admin --name <login>\n');
      }
      io.onStarted?.(hub.url);
      await (io.stopSignal ?? waitForSignal)();
      await hub.close();
      return 0;
    }
    const opened = await openHub({ dataDir, ...(databaseUrl ? { databaseUrl } : {}), seed });
    try {
      return await adminCommand(opened, command, args, values, io);
    } finally {
      await opened.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`hub: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof HubError || error instanceof MailError) {
      io.stderr(`hub: ${error.message} (${error.code})\n`);
      return 1;
    }
    throw error;
  }
}

async function adminCommand(
  opened: OpenedHub,
  command: string,
  args: string[],
  values: {
    json?: boolean;
    'ttl-hours'?: string;
    role?: string;
    name?: string;
    login?: string;
    days?: string;
    comune?: string;
    svg?: string;
  },
  io: CliIo,
): Promise<number> {
  const admin = opened.admin(`cli:${userInfo().username}`);
  const need = (count: number, shape: string) => {
    if (args.length < count) throw new UsageError(`${command}: expected ${shape}`);
  };
  switch (command) {
    case 'comune': {
      if (args[0] !== 'create') throw new UsageError('comune: expected "comune create <istat> <catastale> <name>"');
      need(4, 'create <istat> <catastale> <name>');
      const [, istat, catastale, ...name] = args as [string, string, string, ...string[]];
      await admin.createComune({ istat, catastale, name: name.join(' ') });
      io.stdout(`comune ${istat} created\n`);
      return 0;
    }
    case 'frazione': {
      if (args[0] !== 'create') throw new UsageError('frazione: expected "frazione create <istat> <code> <name>"');
      need(4, 'create <istat> <code> <name>');
      const [, istat, code, ...name] = args as [string, string, string, ...string[]];
      await admin.createFrazione({ istat, code, name: name.join(' ') });
      io.stdout(`frazione ${istat}/${code} created\n`);
      return 0;
    }
    case 'enroll-code': {
      need(2, '<istat> <frazione>');
      const hours = values['ttl-hours'] === undefined ? 24 : Number(values['ttl-hours']);
      if (!(hours > 0)) throw new UsageError(`bad --ttl-hours ${values['ttl-hours']}`);
      const code = await admin.createEnrollmentCode({ istat: args[0]!, frazione: args[1]!, ttlMs: hours * 3_600_000 });
      io.stdout(values.json ? `${JSON.stringify({ code, ttlHours: hours })}\n` : `${code}\n`);
      return 0;
    }
    case 'revoke': {
      need(1, '<kioskId>');
      await admin.revokeKiosk(args[0]!);
      io.stdout(`kiosk ${args[0]} revoked\n`);
      return 0;
    }
    case 'requests': {
      const requests = await admin.listRequests();
      if (values.json) {
        io.stdout(`${JSON.stringify(requests, null, 2)}\n`);
      } else {
        io.stdout(
          table(
            requests.map((r) => ({
              id: r.id,
              received: r.receivedAt,
              protocol: r.protocolNumber ?? r.rejection?.code ?? '',
              status: r.status,
              kind: r.kind,
              service: r.service,
              frazione: r.frazione,
            })),
            ['id', 'received', 'protocol', 'status', 'kind', 'service', 'frazione'],
          ),
        );
      }
      return 0;
    }
    case 'kiosks': {
      const kiosks = await admin.listKiosks();
      if (values.json) {
        io.stdout(`${JSON.stringify(kiosks, null, 2)}\n`);
      } else {
        io.stdout(
          table(
            kiosks.map((k) => ({
              id: k.id,
              comune: k.comune,
              frazione: k.frazione,
              version: k.softwareVersion,
              revoked: k.revokedAt ?? '',
              heartbeat: k.lastHeartbeatAt ?? '',
            })),
            ['id', 'comune', 'frazione', 'version', 'revoked', 'heartbeat'],
          ),
        );
      }
      return 0;
    }
    case 'status': {
      need(2, '<requestId> <status> [answer]');
      const [requestId, status, ...answer] = args as [string, string, ...string[]];
      if (!(SUBMISSION_STATUSES as readonly string[]).includes(status)) {
        throw new UsageError(`status must be one of ${SUBMISSION_STATUSES.join(', ')}`);
      }
      await admin.addStatusChange(
        requestId,
        status as SubmissionStatus,
        answer.length > 0 ? answer.join(' ') : undefined,
      );
      io.stdout(`request ${requestId}: ${status}\n`);
      return 0;
    }
    case 'user': {
      const users = opened.users(`cli:${userInfo().username}`);
      if (args[0] === 'list') {
        const list = await users.list();
        io.stdout(
          values.json
            ? `${JSON.stringify(list, null, 2)}\n`
            : table(
                list.map((u) => ({
                  login: u.login,
                  role: u.role,
                  created: u.createdAt,
                  locked: u.lockedUntil ?? '',
                  disabled: u.disabledAt ?? '',
                })),
                ['login', 'role', 'created', 'locked', 'disabled'],
              ),
        );
        return 0;
      }
      if (args[0] !== 'create') throw new UsageError('user: expected "user create" or "user list"');
      const role = values.role;
      if (role === undefined || !(CONSOLE_ROLES as readonly string[]).includes(role)) {
        throw new UsageError(`user create: --role must be one of ${CONSOLE_ROLES.join(', ')}`);
      }
      if (values.name === undefined) throw new UsageError('user create: --name <login> is required');
      const password = io.env.SPORTELLO_CONSOLE_PASSWORD ?? (await (io.stdin ?? readPassword)()).replace(/\r?\n$/, '');
      await users.create({ login: values.name, role: role as ConsoleRole, password });
      io.stdout(`console user ${values.name.trim().toLowerCase()} (${role}) created\n`);
      return 0;
    }
    case 'technician-card': {
      const actor = `cli:${userInfo().username}`;
      if (args[0] === 'list') {
        const cards = await listTechnicianCards(opened.hubDb.db);
        io.stdout(
          values.json
            ? `${JSON.stringify(cards, null, 2)}\n`
            : table(
                cards.map((c) => ({
                  id: c.id,
                  login: c.login,
                  comune: c.comune,
                  issued: c.issuedAt,
                  expires: c.expiresAt,
                  revoked: c.revokedAt ?? '',
                })),
                ['id', 'login', 'comune', 'issued', 'expires', 'revoked'],
              ),
        );
        return 0;
      }
      if (args[0] === 'revoke') {
        if (args[1] === undefined) throw new UsageError('technician-card revoke: expected <cardId>');
        const cardId = args[1];
        const card = await opened.hubDb.write((db) => revokeTechnicianCard(db, cardId, actor, Date.now()));
        io.stdout(`technician card ${card.id} revoked\n`);
        return 0;
      }
      if (args[0] !== 'issue') throw new UsageError('technician-card: expected "issue", "revoke" or "list"');
      if (values.login === undefined) throw new UsageError('technician-card issue: --login <login> is required');
      const days = values.days === undefined ? undefined : Number(values.days);
      if (days !== undefined && !(Number.isInteger(days) && days > 0))
        throw new UsageError(`bad --days ${values.days}`);
      const card = await issueTechnicianCard(
        opened.hubDb,
        opened.keys,
        {
          login: values.login,
          actor,
          ...(values.comune === undefined ? {} : { comune: values.comune }),
          ...(days === undefined ? {} : { validityMs: days * 86_400_000 }),
        },
        Date.now(),
      );
      if (values.svg !== undefined) writeFileSync(values.svg, card.qrSvg, { mode: 0o600 });
      io.stdout(
        values.json
          ? `${JSON.stringify({ id: card.id, login: card.login, comune: card.comune, expiresAt: card.expiresAt, text: card.text })}\n`
          : `technician card ${card.id} for ${card.login} (comune ${card.comune}), valid until ${card.expiresAt}\n${card.text}\n`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

/**
 * The password for `user create`: piped in (all of stdin), or typed at a
 * terminal without echo, up to Enter.
 */
function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return new Promise((resolve, reject) => {
      let text = '';
      stdin.setEncoding('utf8');
      stdin.on('data', (chunk: string) => (text += chunk));
      stdin.once('end', () => resolve(text));
      stdin.once('error', reject);
    });
  }
  process.stderr.write('Password (not shown): ');
  return new Promise((resolve, reject) => {
    let text = '';
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new UsageError('cancelled'));
        if (char === '\u007f' || char === '\b') text = text.slice(0, -1);
        else text += char;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  runCli(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`hub: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
