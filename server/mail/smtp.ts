/**
 * The hub's SMTP sender, on nodemailer: one connection per message to the
 * comune's mail server, over implicit TLS (`smtps://`) or STARTTLS (required
 * by default), with AUTH when a user is configured. Failures throw a MailError
 * whose code names the kind of failure (never an address, a password or any
 * of the content: the server's text may echo an address, so it is dropped).
 */
import { createTransport } from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';

/** `required`: refuse to send unless the server upgrades to TLS; `optional`: upgrade when offered; `off`: never. */
export type StartTls = 'required' | 'optional' | 'off';
export const START_TLS_MODES: readonly StartTls[] = ['required', 'optional', 'off'];

export type SmtpConfig = {
  host: string;
  port: number;
  /** true for implicit TLS (`smtps://`, port 465); otherwise STARTTLS as `startTls` says. */
  secure: boolean;
  startTls: StartTls;
  /** AUTH PLAIN/LOGIN, whichever the server offers; only over TLS. */
  auth: { user: string; pass: string } | null;
  /** The envelope and header sender, e.g. `sportello@comune.castelnuovomagra.sp.it`. */
  from: string;
  /** PEM certificates to trust besides the system's (a comune's own CA; a test sink's). */
  ca?: string;
  /** The name given in EHLO (default: `sportello-hub`). */
  heloName?: string;
  timeoutMs?: number;
};

/** What the hub's configuration says (environment or `startHub({ mail })`). */
export type SmtpSettings = {
  /** `smtp://host[:port]` (STARTTLS, port 587 by default) or `smtps://host[:port]` (TLS, port 465). */
  smtpUrl: string;
  from: string;
  user?: string;
  /** Read from the environment (SMTP_PASSWORD), never from the URL or argv; never logged. */
  password?: string;
  /** For `smtp://` only (default `required`). */
  startTls?: StartTls;
  ca?: string;
};

export type MailMessage = {
  to: string;
  subject: string;
  text: string;
  attachments?: Array<{ filename: string; contentType: string; content: Buffer }>;
};

export class MailError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MailError';
  }
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

/** The hub's SMTP settings into a config; throws a MailError on anything unusable or unsafe. */
export function smtpConfig(settings: SmtpSettings): SmtpConfig {
  let parsed: URL;
  try {
    parsed = new URL(settings.smtpUrl);
  } catch {
    throw new MailError('SMTP_URL_INVALID', 'SMTP_URL must be smtp://host[:port] or smtps://host[:port]');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new MailError('SMTP_URL_INVALID', 'SMTP_URL must be smtp://host[:port] or smtps://host[:port]');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // A URL ends up in logs and process lists; the password has its own variable.
    throw new MailError(
      'SMTP_URL_INVALID',
      'put the user in SMTP_USER and the password in SMTP_PASSWORD, not in SMTP_URL',
    );
  }
  if (!ADDRESS.test(settings.from)) throw new MailError('SMTP_FROM_INVALID', 'the sender is not an address');
  const secure = parsed.protocol === 'smtps:';
  const startTls = settings.startTls ?? 'required';
  const user = settings.user?.trim() ?? '';
  if ((user === '') !== (settings.password === undefined || settings.password === '')) {
    throw new MailError('SMTP_AUTH_INCOMPLETE', 'set both SMTP_USER and SMTP_PASSWORD, or neither');
  }
  if (user !== '' && !secure && startTls !== 'required') {
    throw new MailError(
      'SMTP_AUTH_INSECURE',
      'a password is sent only over TLS: use smtps:// or SMTP_STARTTLS=required',
    );
  }
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? (secure ? 465 : 587) : Number(parsed.port),
    secure,
    startTls,
    auth: user === '' ? null : { user, pass: settings.password! },
    from: settings.from,
    ...(settings.ca === undefined ? {} : { ca: settings.ca }),
  };
}

/** A nodemailer error as a code for the outbox and the log: what failed, never the server's text. */
export function mailErrorCode(error: unknown): string {
  const e = error as { code?: unknown; responseCode?: unknown; command?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const reply = typeof e?.responseCode === 'number' ? e.responseCode : null;
  switch (code) {
    case 'EAUTH':
      return reply === null ? 'SMTP_AUTH_FAILED' : `SMTP_AUTH_FAILED_${reply}`;
    case 'ETLS':
      return 'SMTP_TLS_FAILED';
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
      // A refused or broken connection, or a certificate the hub does not trust.
      return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME/i.test(String((error as Error).message ?? ''))
        ? 'SMTP_TLS_UNTRUSTED'
        : 'SMTP_UNREACHABLE';
    case 'ETIMEDOUT':
    case 'EGREETING':
      return 'SMTP_TIMEOUT';
    case 'EENVELOPE':
    case 'EMESSAGE':
    case 'EPROTOCOL':
      return reply === null ? `SMTP_${code.slice(1)}` : `SMTP_REFUSED_${reply}`;
    default:
      return reply === null ? 'SMTP_FAILED' : `SMTP_REFUSED_${reply}`;
  }
}

export type SmtpSender = {
  /** Sends one message; resolves once the server accepted it. */
  send(message: MailMessage, date: Date): Promise<void>;
  close(): void;
};

export function createSmtpSender(config: SmtpConfig): SmtpSender {
  const timeout = config.timeoutMs ?? 30_000;
  const options: SMTPTransport.Options = {
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: !config.secure && config.startTls === 'required',
    ignoreTLS: !config.secure && config.startTls === 'off',
    name: config.heloName ?? 'sportello-hub',
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // nodemailer's own logging would write addresses and server replies: off.
    logger: false,
    debug: false,
    ...(config.auth === null ? {} : { auth: { type: 'login', user: config.auth.user, pass: config.auth.pass } }),
    tls: {
      minVersion: 'TLSv1.2',
      ...(config.ca === undefined ? {} : { ca: [config.ca] }),
    },
  };
  const transporter: Transporter<SMTPTransport.SentMessageInfo> = createTransport(options);
  return {
    async send(message, date) {
      if (/[\r\n<>]/.test(message.to) || /[\r\n]/.test(message.subject)) {
        throw new MailError('MESSAGE_INVALID', 'header injection refused');
      }
      try {
        await transporter.sendMail({
          from: config.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          date,
          headers: { 'Auto-Submitted': 'auto-generated' },
          ...(message.attachments === undefined
            ? {}
            : {
                attachments: message.attachments.map((a) => ({
                  filename: a.filename,
                  contentType: a.contentType,
                  content: a.content,
                })),
              }),
        });
      } catch (error) {
        const code = mailErrorCode(error);
        throw new MailError(code, `the mail server did not take the message (${code})`);
      }
    },
    close() {
      transporter.close();
    },
  };
}
