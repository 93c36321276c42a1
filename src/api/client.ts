/**
 * The renderer's typed kiosk API client. It speaks the contract's wire format
 * over whichever transport the shell provides: Electron hands the page a
 * MessagePort; browser mode gives a WebSocket URL with the boot token.
 */
import type {
  EventName,
  EventPayload,
  MethodInput,
  MethodName,
  MethodOutput,
  Result,
  ServerFrame,
} from '../../kiosk-shell/api/contract';

export type KioskApi = {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

type Transport = {
  send(text: string): boolean;
  onMessage(listener: (text: string) => void): void;
};

const CALL_TIMEOUT_MS = 10_000;

function createClient(transport: Transport): KioskApi {
  let nextId = 1;
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  transport.onMessage((text) => {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return;
    }
    if ('event' in frame) {
      listeners.get(frame.event)?.forEach((l) => l(frame.payload));
    } else if (frame.id !== null) {
      pending.get(frame.id)?.(frame.result);
      pending.delete(frame.id);
    }
  });

  return {
    call(method, input) {
      const id = nextId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({ ok: false, error: { code: 'INTERNAL', message: 'no answer from the kiosk runtime' } });
        }, CALL_TIMEOUT_MS);
        pending.set(id, (result) => {
          clearTimeout(timer);
          resolve(result as never);
        });
        if (!transport.send(JSON.stringify({ id, method, input }))) {
          clearTimeout(timer);
          pending.delete(id);
          resolve({ ok: false, error: { code: 'INTERNAL', message: 'the kiosk runtime is not connected' } });
        }
      });
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
  };
}

/** WebSocket transport that reconnects after a drop (the runtime may restart). */
function webSocketTransport(url: string): Transport {
  let ws: WebSocket | null = null;
  let listener: (text: string) => void = () => undefined;
  const queue: string[] = [];
  let retryMs = 250;

  const connect = () => {
    const socket = new WebSocket(url);
    ws = socket;
    socket.onopen = () => {
      retryMs = 250;
      for (const text of queue.splice(0)) socket.send(text);
    };
    socket.onmessage = (e) => listener(String(e.data));
    socket.onclose = () => {
      ws = null;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };
  connect();

  return {
    send(text) {
      if (ws?.readyState === WebSocket.OPEN) ws.send(text);
      else queue.push(text);
      return true;
    },
    onMessage(l) {
      listener = l;
    },
  };
}

/**
 * MessagePort transport: the Electron preload forwards a port to the page, and
 * a new one each time main restarts the runtime; calls go to the latest.
 */
function messagePortTransport(onPort: (use: (port: MessagePort) => void) => void): Transport {
  let port: MessagePort | null = null;
  let listener: (text: string) => void = () => undefined;
  const queue: string[] = [];
  onPort((p) => {
    port?.close();
    port = p;
    p.onmessage = (e) => listener(typeof e.data === 'string' ? e.data : JSON.stringify(e.data));
    p.start();
    for (const text of queue.splice(0)) p.postMessage(text);
  });
  return {
    send(text) {
      if (port) port.postMessage(text);
      else queue.push(text);
      return true;
    },
    onMessage(l) {
      listener = l;
    },
  };
}

const TOKEN_KEY = 'sportello.token';

/**
 * Picks the transport for this page. In browser mode the token arrives in the
 * URL fragment once; it is kept for this tab only (a reload must reconnect)
 * and removed from the address bar.
 */
export function connectKioskApi(win: Window = window): KioskApi {
  const hash = new URLSearchParams(win.location.hash.slice(1));
  const fromHash = hash.get('token');
  if (fromHash) {
    win.sessionStorage.setItem(TOKEN_KEY, fromHash);
    win.history.replaceState(null, '', win.location.pathname);
  }
  const token = win.sessionStorage.getItem(TOKEN_KEY);
  if (win.location.protocol.startsWith('http') && token) {
    const wsUrl = `ws://${win.location.host}/api?token=${encodeURIComponent(token)}`;
    return createClient(webSocketTransport(wsUrl));
  }
  return createClient(
    messagePortTransport((use) =>
      win.addEventListener('message', (e: MessageEvent) => {
        const port = e.ports[0];
        if (e.source === win && e.origin === win.location.origin && e.data === 'kiosk-api-port' && port) use(port);
      }),
    ),
  );
}
