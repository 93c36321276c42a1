/**
 * A fault-injecting TCP proxy for tests (issue 4, item 5): it listens on
 * 127.0.0.1 and an ephemeral port in front of the hub, and does to chosen
 * requests one of
 *
 *   pass            forward the request, relay the answer
 *   drop            close the connection without an answer (FIN)
 *   delay(ms)       hold the whole request `ms`, then forward it, even if the
 *                   client gave up meanwhile (a late request reaching the hub)
 *   reset           abort the connection with an RST
 *   cutAfterCommit  forward the request and read the hub's whole answer (so
 *                   the hub has committed), then close the client's
 *                   connection without a byte of it
 *   status(500|503) answer that status itself (unsigned), never forwarding
 *
 * A fault is injected with `inject(fault, { path, times, skip })`: for
 * requests to `path` (the request target without its query), or, without a
 * path, for the next connections as they are accepted (a `drop` or `reset`
 * then hits before a byte is read). The first rule with uses left decides;
 * every other request passes.
 *
 * One request per connection: the proxy reads one HTTP/1.1 request (request
 * line, headers, Content-Length body; chunked bodies are refused) and
 * forwards it with `Connection: close`, so the hub closes after answering and
 * fetch (undici) cannot reuse the connection for a second request that would
 * slip past the rules. That is all the HTTP it knows.
 */
import { EventEmitter } from 'node:events';
import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'pass' }
  | { kind: 'drop' }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset' }
  | { kind: 'cutAfterCommit' }
  | { kind: 'status'; status: 500 | 503 };

export const faults = {
  pass: { kind: 'pass' } as Fault,
  drop: { kind: 'drop' } as Fault,
  delay: (ms: number): Fault => ({ kind: 'delay', ms }),
  reset: { kind: 'reset' } as Fault,
  cutAfterCommit: { kind: 'cutAfterCommit' } as Fault,
  status: (status: 500 | 503): Fault => ({ kind: 'status', status }),
};

/** `delay(1200)`, `status(503)`, `drop`… */
export function faultName(fault: Fault): string {
  if (fault.kind === 'delay') return `delay(${fault.ms})`;
  if (fault.kind === 'status') return `status(${fault.status})`;
  return fault.kind;
}

export type RuleOptions = {
  /** Only requests whose target (without query) is this path; absent: the next connections. */
  path?: string;
  /** How many requests (or connections) the fault hits; default: all of them. */
  times?: number;
  /** Let this many matching requests pass first. */
  skip?: number;
};

export type Rule = {
  readonly fault: Fault;
  readonly path: string | null;
  /** Requests (connections) this rule hit so far. */
  hits: number;
  remaining: number;
  skip: number;
};

/** One request as the proxy handled it. */
export type Exchange = {
  id: number;
  /** null when the connection was faulted before its request was read. */
  method: string | null;
  path: string | null;
  fault: Fault;
  /** The rule that chose the fault; null when the request just passed. */
  rule: Rule | null;
  /**
   * What became of it: `answered` (relayed), `cut` (the hub answered, the
   * client got nothing), `faulted` (drop/reset/status), `unreachable` (the
   * hub could not be reached, or closed before its answer was whole).
   */
  outcome: 'pending' | 'answered' | 'cut' | 'faulted' | 'unreachable';
  /** Status the hub answered with, when it did. */
  hubStatus: number | null;
};

export type FaultProxy = {
  url: string;
  port: number;
  /** Port of the hub behind; may be changed (a hub restarted elsewhere). */
  targetPort: number;
  inject(fault: Fault, options?: RuleOptions): Rule;
  /** Removes every rule: everything passes. */
  clear(): void;
  /** Every request handled so far, in order of arrival. */
  readonly exchanges: readonly Exchange[];
  /** Emits 'request' (a request was read and its fault chosen), 'forward' (sent to the hub) and 'done'. */
  readonly events: EventEmitter<{ request: [Exchange]; forward: [Exchange]; done: [Exchange] }>;
  /** Resolves when no request is waiting, held or being answered. */
  settled(): Promise<void>;
  close(): Promise<void>;
};

const MAX_HEAD_BYTES = 64 * 1024;

type Request = { method: string; path: string; head: string[]; body: Buffer };

/** Reads one request off `socket`; null if the client closed or sent something this proxy does not speak. */
function readRequest(socket: Socket): Promise<Request | null> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    let head: { method: string; path: string; lines: string[]; length: number; bodyAt: number } | null = null;
    const finish = (value: Request | null) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve(value);
    };
    const onClose = () => finish(null);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (head === null) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buffered.length > MAX_HEAD_BYTES) finish(null);
          return;
        }
        const lines = buffered.subarray(0, end).toString('latin1').split('\r\n');
        const [method, target] = (lines[0] ?? '').split(' ');
        const header = (name: string) =>
          lines
            .slice(1)
            .find((l) => l.toLowerCase().startsWith(`${name}:`))
            ?.slice(name.length + 1)
            .trim();
        if (method === undefined || target === undefined || header('transfer-encoding') !== undefined) {
          return finish(null);
        }
        head = {
          method,
          path: target.split('?')[0] ?? target,
          lines,
          length: Number(header('content-length') ?? 0),
          bodyAt: end + 4,
        };
      }
      if (buffered.length - head.bodyAt >= head.length) {
        finish({
          method: head.method,
          path: head.path,
          head: head.lines,
          body: buffered.subarray(head.bodyAt, head.bodyAt + head.length),
        });
      }
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.resume();
  });
}

/** The request as forwarded: the same, asking the hub to close the connection after answering. */
function serialize(request: Request): Buffer {
  const [requestLine, ...headers] = request.head;
  const kept = headers.filter((l) => !/^(connection|keep-alive):/i.test(l));
  return Buffer.concat([
    Buffer.from([requestLine, ...kept, 'connection: close', '', ''].join('\r\n'), 'latin1'),
    request.body,
  ]);
}

function reset(socket: Socket): void {
  // Node ≥ 18.3 / 16.17: close with an RST instead of a FIN.
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

/** Starts a proxy to `127.0.0.1:targetPort`. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const rules: Rule[] = [];
  const exchanges: Exchange[] = [];
  const events = new EventEmitter<{ request: [Exchange]; forward: [Exchange]; done: [Exchange] }>();
  const sockets = new Set<Socket>();
  let busy = 0;
  let idleWaiters: Array<() => void> = [];

  function take(path: string | null): Rule | null {
    for (const rule of rules) {
      if (rule.remaining <= 0 || rule.path !== path) continue;
      if (rule.skip > 0) {
        rule.skip -= 1;
        continue;
      }
      rule.remaining -= 1;
      rule.hits += 1;
      return rule;
    }
    return null;
  }

  function track<T extends Socket>(socket: T): T {
    sockets.add(socket);
    socket.on('error', () => {}); // resets and refusals are the point here
    socket.on('close', () => sockets.delete(socket));
    return socket;
  }

  function done(exchange: Exchange, outcome: Exchange['outcome']): void {
    if (exchange.outcome !== 'pending') return;
    exchange.outcome = outcome;
    events.emit('done', exchange);
    busy -= 1;
    if (busy === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Sends the request to the hub; relays its answer, or (cut) drops it once it is whole. */
  function forward(client: Socket, request: Request, exchange: Exchange, cut: boolean): void {
    const upstream = track(createConnection({ host: '127.0.0.1', port: proxy.targetPort }));
    let answer = Buffer.alloc(0);
    upstream.on('connect', () => {
      events.emit('forward', exchange);
      upstream.write(serialize(request));
    });
    upstream.on('data', (chunk: Buffer) => {
      if (exchange.hubStatus === null) {
        answer = Buffer.concat([answer, chunk]);
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer.toString('latin1', 0, 16));
        if (status) exchange.hubStatus = Number(status[1]);
      }
      if (!cut && !client.destroyed) client.write(chunk);
    });
    upstream.on('end', () => {
      if (cut) {
        client.destroy();
        done(exchange, 'cut');
      } else {
        client.end();
        done(exchange, 'answered');
      }
    });
    upstream.on('close', () => {
      if (exchange.outcome !== 'pending') return;
      // Refused, or the hub went away mid-answer: the client sees the connection fail.
      reset(client);
      done(exchange, 'unreachable');
    });
    // A client that gives up meanwhile (its timeout) does not stop the request: the hub finishes it.
  }

  function answerStatus(client: Socket, status: 500 | 503, exchange: Exchange): void {
    const body = `fault proxy: injected ${status}`;
    const reason = status === 500 ? 'Internal Server Error' : 'Service Unavailable';
    client.end(
      [
        `HTTP/1.1 ${status} ${reason}`,
        'content-type: text/plain',
        `content-length: ${Buffer.byteLength(body)}`,
        'connection: close',
        '',
        body,
      ].join('\r\n'),
    );
    done(exchange, 'faulted');
  }

  function begin(): Exchange {
    busy += 1;
    const exchange: Exchange = {
      id: exchanges.length + 1,
      method: null,
      path: null,
      fault: faults.pass,
      rule: null,
      outcome: 'pending',
      hubStatus: null,
    };
    exchanges.push(exchange);
    return exchange;
  }

  async function handle(client: Socket): Promise<void> {
    const early = take(null);
    if (early?.fault.kind === 'drop' || early?.fault.kind === 'reset') {
      const exchange = begin();
      exchange.fault = early.fault;
      exchange.rule = early;
      events.emit('request', exchange);
      if (early.fault.kind === 'drop') client.destroy();
      else reset(client);
      return done(exchange, 'faulted');
    }
    // fetch may open a connection it sends nothing on: only requests are logged and awaited.
    const request = await readRequest(client);
    if (request === null) {
      client.destroy();
      return;
    }
    const exchange = begin();
    exchange.method = request.method;
    exchange.path = request.path;
    const rule = early ?? take(request.path);
    const fault = rule?.fault ?? faults.pass;
    exchange.rule = rule;
    exchange.fault = fault;
    events.emit('request', exchange);
    switch (fault.kind) {
      case 'pass':
        return forward(client, request, exchange, false);
      case 'drop':
        client.destroy();
        return done(exchange, 'faulted');
      case 'reset':
        reset(client);
        return done(exchange, 'faulted');
      case 'delay':
        setTimeout(() => forward(client, request, exchange, false), fault.ms);
        return;
      case 'cutAfterCommit':
        return forward(client, request, exchange, true);
      case 'status':
        return answerStatus(client, fault.status, exchange);
    }
  }

  const server = createServer((client) => void handle(track(client)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    targetPort,
    inject(fault, options = {}) {
      const rule: Rule = {
        fault,
        path: options.path ?? null,
        hits: 0,
        remaining: options.times ?? Infinity,
        skip: options.skip ?? 0,
      };
      rules.push(rule);
      return rule;
    },
    clear() {
      rules.length = 0;
    },
    exchanges,
    events,
    settled() {
      return busy === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
