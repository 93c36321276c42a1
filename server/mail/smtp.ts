/**
 * A minimal SMTP client over node:net: plain SMTP to a relay on the comune's
 * network (EHLO, MAIL FROM, RCPT TO, DATA, QUIT), one message per
 * connection, MIME with a base64 text part and optional attachments. No TLS
 * and no authentication: the relay is trusted by address, as municipal mail
 * relays usually are. Failures throw a MailError with a code, never an
 * address or any of the content.
 */
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';

export type SmtpConfig = {
  host: string;
  port: number;
  /** The envelope and header sender, e.g. `sportello@comune.castelnuovomagra.sp.it`. */
  from: string;
  /** The name given in EHLO (default: `sportello-hub`). */
  heloName?: string;
  timeoutMs?: number;
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

/** `smtp://host[:port]` (port 25 by default) and the sender into a config; throws on anything else. */
export function parseSmtpUrl(url: string, from: string): SmtpConfig {
  const parsed = new URL(url);
  if (parsed.protocol !== 'smtp:') throw new MailError('SMTP_URL_INVALID', 'SMTP_URL must be smtp://host:port');
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(from)) throw new MailError('SMTP_FROM_INVALID', 'the sender is not an address');
  return { host: parsed.hostname, port: parsed.port === '' ? 25 : Number(parsed.port), from };
}

/** RFC 2047 encoded-word for a header with non-ASCII text. */
function encodeHeader(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

function base64Lines(content: Buffer): string {
  return (content.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

/** The message as sent after DATA (CRLF lines, without the final dot). Exported for tests. */
export function buildMime(from: string, message: MailMessage, date: Date, boundary: string): string {
  if (/[\r\n<>]/.test(message.to) || /[\r\n]/.test(message.subject)) {
    throw new MailError('MESSAGE_INVALID', 'header injection refused');
  }
  const headers = [
    `From: ${from}`,
    `To: ${message.to}`,
    `Subject: ${encodeHeader(message.subject)}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${from.split('@')[1]}>`,
    'MIME-Version: 1.0',
    'Auto-Submitted: auto-generated',
  ];
  const text = [
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(Buffer.from(message.text, 'utf8')),
  ];
  const attachments = message.attachments ?? [];
  if (attachments.length === 0) return [...headers, ...text].join('\r\n');
  const parts = [...headers, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, ...text];
  for (const a of attachments) {
    const name = a.filename.replace(/["\r\n\\]/g, '_');
    parts.push(
      `--${boundary}`,
      `Content-Type: ${a.contentType}; name="${name}"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="${name}"`,
      '',
      base64Lines(a.content),
    );
  }
  parts.push(`--${boundary}--`);
  return parts.join('\r\n');
}

/** Sends one message; resolves once the relay accepted it (250 after DATA). */
export function sendMail(config: SmtpConfig, message: MailMessage, now: Date = new Date()): Promise<void> {
  const body = buildMime(config.from, message, now, `sportello-${randomBytes(8).toString('hex')}`);
  // Dot-stuffing: a line starting with '.' gets another.
  const data = `${body.replace(/\r\n\./g, '\r\n..')}\r\n.\r\n`;
  const steps: Array<{ send: string | null; expect: number }> = [
    { send: null, expect: 220 },
    { send: `EHLO ${config.heloName ?? 'sportello-hub'}`, expect: 250 },
    { send: `MAIL FROM:<${config.from}>`, expect: 250 },
    { send: `RCPT TO:<${message.to}>`, expect: 250 },
    { send: 'DATA', expect: 354 },
    { send: data, expect: 250 },
    { send: 'QUIT', expect: 221 },
  ];
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: config.host, port: config.port });
    socket.setTimeout(config.timeoutMs ?? 30_000);
    let buffer = '';
    let step = 0;
    let settled = false;
    const fail = (code: string, message: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new MailError(code, message));
    };
    socket.on('timeout', () => fail('SMTP_TIMEOUT', 'the relay did not answer in time'));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      fail(`SMTP_${error.code ?? 'SOCKET'}`, 'cannot reach the relay'),
    );
    socket.on('close', () => fail('SMTP_CLOSED', 'the relay closed the connection'));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      // A reply is complete at a line "NNN text" (a hyphen after the code means more lines follow).
      for (;;) {
        const end = buffer.indexOf('\r\n');
        if (end < 0) return;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (/^\d{3}-/.test(line)) continue;
        const code = Number(line.slice(0, 3));
        const expected = steps[step]!.expect;
        if (code !== expected) {
          // The reply code only: the relay's text may echo an address.
          fail(`SMTP_${code || 'PROTOCOL'}`, `the relay answered ${code} where ${expected} was expected`);
          return;
        }
        step += 1;
        if (step === steps.length) {
          settled = true;
          socket.end();
          resolve();
          return;
        }
        const next = steps[step]!.send;
        if (next !== null) socket.write(next.endsWith('\r\n.\r\n') ? next : `${next}\r\n`);
      }
    });
  });
}
