/**
 * A local SMTP server for tests, on `smtp-server`: 127.0.0.1, STARTTLS with a
 * certificate made at start (openssl, valid a day for 127.0.0.1), AUTH PLAIN
 * and LOGIN required after the upgrade, messages kept in memory with a small
 * MIME reader for what nodemailer writes. Tests can change the password (the
 * hub's then fails), refuse recipients, or stop and restart it on its port.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerAuthentication } from 'smtp-server';
import type { SmtpSettings } from '../mail/smtp';

export type SinkMessage = {
  from: string;
  to: string[];
  /** Whether the message came over TLS (after STARTTLS). */
  secure: boolean;
  /** The authenticated user, and with which method (PLAIN or LOGIN). */
  user: string | null;
  authMethod: string | null;
  /** The DATA as received, CRLF lines. */
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>;
};

export type SmtpSink = {
  url: string;
  port: number;
  user: string;
  /** The password the sink accepts now; change it to make the hub's login fail. */
  password: string;
  /** The sink's certificate (PEM), for the hub to trust. */
  ca: string;
  messages: SinkMessage[];
  /** Failed logins (method only: what was tried is not kept). */
  authFailures: number;
  /** While true, RCPT is answered 451 (a temporary failure). */
  refuse: boolean;
  /** The hub's mail settings for this sink: STARTTLS required, AUTH as `user`. */
  settings(from: string): SmtpSettings;
  /** Resolves with the first message (arrived or arriving) matching `predicate`. */
  waitFor(predicate: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  /** Stops listening (connections are cut): the hub finds its mail server down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
};

let certificate: { key: string; cert: string } | null = null;

/** A self-signed certificate for 127.0.0.1 and localhost, made once per test process. */
function testCertificate(): { key: string; cert: string } {
  if (certificate !== null) return certificate;
  const dir = mkdtempSync(join(tmpdir(), 'sportello-smtp-cert-'));
  try {
    execFileSync(
      '/usr/bin/openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=sportello test SMTP sink',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    certificate = {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
    return certificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Decodes RFC 2047 encoded words (B and Q), joining adjacent ones. */
function decodeWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/(?:=\?UTF-8\?[BQ]\?[^?]*\?=)+/gi, (run) => {
    const bytes: Buffer[] = [];
    for (const [, encoding, data] of run.matchAll(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi)) {
      bytes.push(
        encoding!.toUpperCase() === 'B'
          ? Buffer.from(data!, 'base64')
          : decodeQuotedPrintable(data!.replace(/_/g, ' ')),
      );
    }
    return Buffer.concat(bytes).toString('utf8');
  });
}

function decodeQuotedPrintable(text: string): Buffer {
  const joined = text.replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < joined.length; i += 1) {
    const c = joined[i]!;
    if (c === '=' && /^[0-9A-F]{2}$/i.test(joined.slice(i + 1, i + 3))) {
      out.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(out);
}

function splitHead(part: string): { headers: Record<string, string>; body: string } {
  const at = part.indexOf('\r\n\r\n');
  const head = at < 0 ? part : part.slice(0, at);
  const body = at < 0 ? '' : part.slice(at + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decodeBody(headers: Record<string, string>, body: string): Buffer {
  const encoding = headers['content-transfer-encoding'] ?? '';
  if (/base64/i.test(encoding)) return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (/quoted-printable/i.test(encoding)) return decodeQuotedPrintable(body);
  return Buffer.from(body, 'utf8');
}

/** Reads a message as nodemailer writes it (a text part, attachments; base64 or quoted-printable). */
export function parseMessage(raw: string): Pick<SinkMessage, 'headers' | 'subject' | 'text' | 'attachments'> {
  const { headers, body } = splitHead(raw);
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  let text = '';
  const attachments: SinkMessage['attachments'] = [];
  if (boundary === undefined) text = decodeBody(headers, body).toString('utf8');
  else {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitHead(chunk.replace(/^\r\n/, '').replace(/\r\n$/, ''));
      const partType = part.headers['content-type'] ?? 'text/plain';
      const disposition = part.headers['content-disposition'] ?? '';
      const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1];
      if (filename !== undefined) {
        attachments.push({
          filename: decodeWords(filename),
          contentType: partType.split(';')[0]!.trim(),
          content: decodeBody(part.headers, part.body),
        });
      } else if (partType.startsWith('text/plain')) text += decodeBody(part.headers, part.body).toString('utf8');
    }
  }
  return { headers, subject: decodeWords(headers.subject ?? ''), text: text.replace(/\r\n/g, '\n'), attachments };
}

export async function startSmtpSink(
  options: {
    user?: string;
    password?: string;
    /** false: the server has no STARTTLS (a hub that requires it must refuse to send). Default true. */
    startTls?: boolean;
    /** Default both. */
    authMethods?: Array<'PLAIN' | 'LOGIN'>;
  } = {},
): Promise<SmtpSink> {
  const { key, cert } = testCertificate();
  const messages: SinkMessage[] = [];
  const waiters: Array<{ predicate: (m: SinkMessage) => boolean; done: (m: SinkMessage) => void }> = [];
  const sockets = new Set<Socket>();
  const methods = new Map<string, string>();
  let port = 0;

  const sink = {
    user: options.user ?? 'sportello',
    password: options.password ?? 'sink-password-for-tests',
    ca: cert,
    messages,
    authFailures: 0,
    refuse: false,
  } as SmtpSink;

  function create(): SMTPServer {
    const server = new SMTPServer({
      name: 'sink.test',
      key,
      cert,
      authMethods: options.authMethods ?? ['PLAIN', 'LOGIN'],
      disabledCommands: options.startTls === false ? ['STARTTLS'] : [],
      authOptional: false,
      allowInsecureAuth: false,
      logger: false,
      disableReverseLookup: true,
      size: 16 * 1024 * 1024,
      onAuth(auth: SMTPServerAuthentication, session, done) {
        if (auth.username === sink.user && auth.password === sink.password) {
          methods.set(session.id, auth.method);
          return done(null, { user: auth.username });
        }
        sink.authFailures += 1;
        const error = new Error('5.7.8 authentication failed') as Error & { responseCode: number };
        error.responseCode = 535;
        return done(error);
      },
      onRcptTo(_address, _session, done) {
        if (!sink.refuse) return done();
        const error = new Error('4.3.0 try again later') as Error & { responseCode: number };
        error.responseCode = 451;
        return done(error);
      },
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const message: SinkMessage = {
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            user: typeof session.user === 'string' ? session.user : null,
            authMethod: methods.get(session.id) ?? null,
            raw,
            ...parseMessage(raw),
          };
          messages.push(message);
          for (const waiter of [...waiters]) {
            if (waiter.predicate(message)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.done(message);
            }
          }
          done();
        });
      },
    });
    server.on('error', () => undefined);
    server.server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return server;
  }

  let server: SMTPServer | null = create();
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  port = (server.server.address() as AddressInfo).port;

  async function stop(): Promise<void> {
    const running = server;
    server = null;
    if (running === null) return;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((done) => running.close(() => done()));
  }

  Object.assign(sink, {
    url: `smtp://127.0.0.1:${port}`,
    port,
    settings(from: string): SmtpSettings {
      return { smtpUrl: sink.url, from, user: sink.user, password: sink.password, startTls: 'required', ca: sink.ca };
    },
    waitFor(predicate: (m: SinkMessage) => boolean, timeoutMs = 10_000) {
      const found = messages.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<SinkMessage>((done, fail) => {
        const timer = setTimeout(() => fail(new Error('no matching message reached the SMTP sink')), timeoutMs);
        waiters.push({
          predicate,
          done: (m) => {
            clearTimeout(timer);
            done(m);
          },
        });
      });
    },
    stop,
    async restart() {
      if (server !== null) return;
      server = create();
      await new Promise<void>((done) => server!.listen(port, '127.0.0.1', done));
    },
    close: stop,
  } satisfies Omit<SmtpSink, 'user' | 'password' | 'ca' | 'messages' | 'authFailures' | 'refuse'>);
  return sink;
}
