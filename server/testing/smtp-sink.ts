/**
 * A local SMTP server for tests: accepts every message on 127.0.0.1 and keeps
 * it in memory, with a small MIME reader for the messages the hub's mailer
 * writes (base64 text part, base64 attachments). Can be told to refuse
 * recipients, to test retries.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export type SinkMessage = {
  from: string;
  to: string[];
  /** The DATA as received, dot-unstuffed, CRLF lines. */
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>;
};

export type SmtpSink = {
  url: string;
  port: number;
  messages: SinkMessage[];
  /** While true, RCPT is answered 451 (a temporary failure). */
  refuse: boolean;
  /** Resolves with the first message (arrived or arriving) matching `predicate`. */
  waitFor(predicate: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  close(): Promise<void>;
};

function decodeWord(value: string): string {
  return value.replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
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
  return /base64/i.test(headers['content-transfer-encoding'] ?? '')
    ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
    : Buffer.from(body, 'utf8');
}

/** Reads a message as the mailer writes it. */
export function parseMessage(raw: string): Omit<SinkMessage, 'from' | 'to' | 'raw'> {
  const { headers, body } = splitHead(raw);
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="([^"]+)"/.exec(type)?.[1];
  let text = '';
  const attachments: SinkMessage['attachments'] = [];
  if (boundary === undefined) text = decodeBody(headers, body).toString('utf8');
  else {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitHead(chunk.replace(/^\r\n/, '').replace(/\r\n$/, ''));
      const partType = part.headers['content-type'] ?? 'text/plain';
      const filename = /filename="([^"]+)"/.exec(part.headers['content-disposition'] ?? '')?.[1];
      if (filename !== undefined) {
        attachments.push({
          filename,
          contentType: partType.split(';')[0]!,
          content: decodeBody(part.headers, part.body),
        });
      } else if (partType.startsWith('text/plain')) text += decodeBody(part.headers, part.body).toString('utf8');
    }
  }
  return { headers, subject: decodeWord(headers.subject ?? ''), text, attachments };
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const waiters: Array<{ predicate: (m: SinkMessage) => boolean; done: (m: SinkMessage) => void }> = [];
  const sockets = new Set<Socket>();

  const sink = {} as SmtpSink;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let inData = false;
    let from = '';
    let to: string[] = [];
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 sink.test ESMTP test sink');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const data = Buffer.from(buffer.slice(0, end), 'latin1').toString('utf8');
          buffer = buffer.slice(end + 5);
          inData = false;
          const raw = data.replace(/^\.\./gm, '.');
          const message: SinkMessage = { from, to, raw, ...parseMessage(raw) };
          messages.push(message);
          for (const waiter of [...waiters]) {
            if (waiter.predicate(message)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.done(message);
            }
          }
          reply('250 2.0.0 queued');
          continue;
        }
        const end = buffer.indexOf('\r\n');
        if (end < 0) return;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') {
          reply('250-sink.test');
          reply('250 8BITMIME');
        } else if (verb === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          to = [];
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          if (sink.refuse) reply('451 4.3.0 try again later');
          else {
            to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
            reply('250 2.1.5 ok');
          }
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          socket.end();
        } else if (verb === 'RSET' || verb === 'NOOP') reply('250 ok');
        else reply('502 5.5.1 not implemented');
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  Object.assign(sink, {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    refuse: false,
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
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((done) => server.close(() => done()));
    },
  });
  return sink;
}
