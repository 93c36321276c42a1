/**
 * Sandboxed preload: its only job is to pass the kiosk API port from the main
 * process to the page. Nothing is exposed with contextBridge, so the page has
 * no path to Node or Electron. Bundled to `dist/main/preload.cjs`; a sandboxed
 * preload may require nothing but `electron`, so it imports nothing else.
 */
import { ipcRenderer } from 'electron';

const PORT_MESSAGE = 'kiosk-api-port';

ipcRenderer.on(PORT_MESSAGE, (event) => {
  // Only to our own origin, so a frame from elsewhere could never receive it.
  window.postMessage(PORT_MESSAGE, window.location.origin, event.ports);
});
