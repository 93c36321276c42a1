/**
 * The Content-Security-Policy of the kiosk UI, shared by Electron main (app://
 * responses) and the browser-mode server, so both modes run the same page
 * under the same rules. No remote origin anywhere: the kiosk is often offline
 * and must never load code it did not ship.
 */
export type CspOptions = {
  /** Loopback port of the browser-mode WebSocket, when the page talks to one. */
  websocketPort?: number;
};

export function contentSecurityPolicy(options: CspOptions = {}): string {
  const connect = ["'self'"];
  if (options.websocketPort !== undefined) {
    const port = options.websocketPort;
    // The port is interpolated into a header, so anything but a port is a bug.
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`invalid websocket port: ${String(port)}`);
    }
    connect.push(`ws://127.0.0.1:${port}`);
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    // React sets style attributes; no inline <style> or script is ever served.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
