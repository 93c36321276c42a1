import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { MAX_FRAME_BYTES } from '../api/contract';
import type { EventName, EventPayload } from '../api/contract';
import { contentSecurityPolicy } from '../api/csp';
import type { Dispatch } from './dispatch';
import type { Logger } from './log';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ico': 'image/x-icon',
};

export type BrowserServer = {
  /** The URL a browser opens, token included (in the fragment, so it never reaches a log line). */
  url: string;
  origin: string;
  port: number;
  broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void;
  close(): Promise<void>;
};

function sameToken(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function rawDataToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function refuseUpgrade(socket: Duplex, status: 400 | 401 | 403 | 404, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`,
  );
}

/**
 * Browser mode: serves the built UI and carries the kiosk API over a
 * WebSocket on 127.0.0.1. A connection without this boot's token is refused
 * before the upgrade, so no other local page or process can drive the kiosk.
 */
export async function startBrowserServer(opts: {
  dispatch: Dispatch;
  uiDir: string;
  token: string;
  log: Logger;
  host?: string;
  port?: number;
}): Promise<BrowserServer> {
  const { dispatch, uiDir, token, log } = opts;
  const host = opts.host ?? '127.0.0.1';
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const clients = new Set<WebSocket>();
  let origin = '';
  let csp = '';

  const server = createServer((req, res) => {
    serveStatic(req, res).catch((err: unknown) => {
      log.error({ event: 'http.failed', err }, 'static file failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = {
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    const pathname = decodeURIComponent(new URL(req.url ?? '/', origin).pathname);
    const relative = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^[/\\]+/, '');
    const file = join(uiDir, relative);
    if (!file.startsWith(uiDir + sep) || relative.split(/[/\\]/).includes('..')) {
      res.writeHead(404, headers).end();
      return;
    }
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      if (relative === 'index.html') {
        res
          .writeHead(503, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' })
          .end('The kiosk UI is not built: run `npm run build`.\n');
      } else {
        res.writeHead(404, headers).end();
      }
      return;
    }
    const body = await readFile(file);
    res.writeHead(200, {
      ...headers,
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      // Hashed asset names can be cached; the page itself is always fresh.
      'Cache-Control': relative.startsWith('assets/') ? 'max-age=31536000, immutable' : 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== '/api') return refuseUpgrade(socket, 404, 'Not Found');
    if (!sameToken(url.searchParams.get('token'), token)) {
      log.warn({ event: 'api.token-refused' }, 'refused a connection without the boot token');
      return refuseUpgrade(socket, 401, 'Unauthorized');
    }
    // A browser always sends Origin; a page from anywhere else is refused even with a token.
    if (req.headers.origin !== undefined && req.headers.origin !== origin) {
      log.warn({ event: 'api.origin-refused' }, 'refused a connection from another origin');
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', (err) => log.warn({ event: 'api.socket-error', err }, 'socket error'));
      ws.on('message', (data, isBinary) => {
        // Text frames only; a binary frame reaches the dispatcher as an empty, unreadable frame.
        const raw = isBinary ? '' : rawDataToString(data);
        void dispatch(raw).then((response) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(response));
        });
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  origin = `http://${host}:${address.port}`;
  csp = contentSecurityPolicy({ websocketPort: address.port });

  return {
    url: `${origin}/#token=${token}`,
    origin,
    port: address.port,
    broadcast(event, payload) {
      const frame = JSON.stringify({ event, payload });
      for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(frame);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
