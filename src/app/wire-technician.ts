import { fromCallback, fromPromise } from 'xstate';
import type { TechnicianLogin, TechnicianOverview } from '../../kiosk-shell/api/contract';
import type { KioskApi } from '../api/client';
import { unwrap } from '../api/unwrap';
import { technicianMachine } from '../machines/technician';
import type { ActionResult, RestartTarget, TechAction, TechnicianEvent } from '../machines/technician';

/** How often the technician's overview is read again while the screens are open. */
const LIVE_REFRESH_MS = 3_000;

async function run(api: KioskApi, token: string, action: TechAction): Promise<ActionResult> {
  switch (action.kind) {
    case 'testPrint':
      return { kind: 'testPrint', ...unwrap(await api.call('technician.testPrint', { token })) };
    case 'paperReplaced':
      return { kind: 'paperReplaced', printer: unwrap(await api.call('technician.paperReplaced', { token })) };
    case 'readerTest':
      return { kind: 'readerTest', reads: unwrap(await api.call('technician.lastReads', { token })) };
    case 'syncNow':
      return { kind: 'syncNow', sync: unwrap(await api.call('technician.syncNow', { token })) };
    case 'checkIntegrity': {
      const r = unwrap(await api.call('technician.checkIntegrity', { token }));
      return { kind: 'checkIntegrity', ok: r.ok, detail: r.detail };
    }
    case 'logs':
      return {
        kind: 'logs',
        lines: unwrap(
          await api.call('technician.logs', {
            token,
            ...(action.minLevel && { minLevel: action.minLevel }),
            ...(action.module && { module: action.module }),
            limit: 200,
          }),
        ),
      };
    case 'setService':
      return {
        kind: 'setService',
        status: unwrap(
          await api.call('technician.setService', {
            token,
            inService: action.inService,
            ...(!action.inService && action.message.trim() && { message: action.message.trim() }),
          }),
        ),
      };
    case 'previews':
      return { kind: 'previews', previews: unwrap(await api.call('technician.printPreviews', { token })) };
    case 'configure':
      return { kind: 'configure', result: unwrap(await api.call('technician.configure', { token, ...action.change })) };
  }
}

/** The technician machine with its actors calling the kiosk API's Technician section. */
export function technicianFlow(api: KioskApi) {
  return technicianMachine.provide({
    actors: {
      login: fromPromise<TechnicianLogin, { pin: string }>(async ({ input }) =>
        unwrap(await api.call('technician.login', { pin: input.pin })),
      ),
      loadOverview: fromPromise<TechnicianOverview, { token: string }>(async ({ input }) =>
        unwrap(await api.call('technician.overview', { token: input.token })),
      ),
      runAction: fromPromise<ActionResult, { token: string; action: TechAction }>(({ input }) =>
        run(api, input.token, input.action),
      ),
      liveUpdates: fromCallback<TechnicianEvent, { token: string }>(({ sendBack, input }) => {
        let stopped = false;
        const refresh = () => {
          void api.call('technician.overview', { token: input.token }).then((r) => {
            if (!stopped && r.ok) sendBack({ type: 'overview.updated', overview: r.value });
          });
        };
        // Device, queue and service changes show at once; the rest (disk, ages) every few seconds.
        const offs = [
          api.on('devices.status', refresh),
          api.on('sync.status', refresh),
          api.on('kiosk.status', refresh),
          // How far a running sync or integrity check is: the machine keeps it for the running action only.
          api.on('technician.progress', (progress) => sendBack({ type: 'action.progressed', progress })),
        ];
        const timer = setInterval(refresh, LIVE_REFRESH_MS);
        return () => {
          stopped = true;
          clearInterval(timer);
          for (const off of offs) off();
        };
      }),
      restart: fromPromise<void, { token: string; target: RestartTarget }>(async ({ input }) => {
        unwrap(await api.call('technician.restart', { token: input.token, target: input.target }));
        if (input.target === 'ui') {
          // The session ends before the page goes: a reload starts from the attract screen.
          await api.call('technician.logout', { token: input.token });
          window.location.reload();
        }
      }),
      logout: fromPromise<void, { token: string }>(async ({ input }) => {
        if (input.token) await api.call('technician.logout', { token: input.token });
      }),
    },
  });
}
