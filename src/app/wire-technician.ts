import { fromCallback, fromPromise } from 'xstate';
import type { TechnicianLogin, TechnicianOverview } from '../../kiosk-shell/api/contract';
import type { KioskApi } from '../api/client';
import { unwrap } from '../api/unwrap';
import { technicianMachine } from '../machines/technician';
import type { ActionResult, TechAction, TechnicianEvent } from '../machines/technician';

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
        ];
        const timer = setInterval(refresh, LIVE_REFRESH_MS);
        return () => {
          stopped = true;
          clearInterval(timer);
          for (const off of offs) off();
        };
      }),
      logout: fromPromise<void, { token: string }>(async ({ input }) => {
        if (input.token) await api.call('technician.logout', { token: input.token });
      }),
    },
  });
}
