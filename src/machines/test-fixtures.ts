/**
 * Fixtures shared by the machines' unit tests: the kiosk the runtime
 * describes, the printer states a flow is given, and the session machine's
 * I/O actors replaced by answers that never reach a runtime.
 */
import { fromPromise } from 'xstate';
import type { Info, KioskDescription } from '../../kiosk-shell/api/contract';
import type { PrinterState } from './flow';
import { infoMachine } from './info';
import type { SessionEndReason } from './session';

/** The demo comune's kiosk, in service, as `kiosk.describe` answers it. */
export const demoKiosk: KioskDescription = {
  comune: { name: 'Castelnuovo Magra', istat: '011011', province: 'SP' },
  frazione: 'Colombiera',
  locales: ['it', 'en', 'de', 'fr', 'ar'],
  defaultLocale: 'it',
  supportPhone: '+39 0187 000 099',
  nearestCounter: null,
  exampleData: true,
  status: { inService: true, outOfServiceReason: null },
};

/** A fictional comune's kiosk with a nearest staffed counter, as the service flows' tests use. */
export const flowKiosk: KioskDescription = {
  ...demoKiosk,
  comune: { name: 'Valdimonte', istat: '099999', province: 'TN' },
  frazione: 'San Rocco',
  supportPhone: '0461 000000',
  nearestCounter: { name: 'Municipio', address: 'Piazza Municipio 1', phone: '0461 111111' },
};

export const printerReady: PrinterState = {
  connection: 'connected',
  problem: null,
  paperNearEnd: false,
  remainingReceipts: 200,
};
export const printerOut: PrinterState = { ...printerReady, problem: 'PAPER_OUT', remainingReceipts: 0 };

/** Lets promise actors settle. */
export const flush = () => new Promise((r) => setTimeout(r, 0));

/**
 * The session machine's actors with no runtime behind them: `describe`
 * answers `kiosk.describe` (the demo kiosk by default), every session end is
 * pushed to `ended`, and Informazioni never finishes loading.
 */
export function fakeSessionActors(
  opts: { describe?: () => Promise<KioskDescription>; ended?: SessionEndReason[] } = {},
) {
  const ended = opts.ended ?? [];
  return {
    describeKiosk: fromPromise(opts.describe ?? (() => Promise.resolve(demoKiosk))),
    reportSessionEnd: fromPromise<void, { reason: SessionEndReason }>(({ input }) => {
      ended.push(input.reason);
      return Promise.resolve();
    }),
    infoFlow: infoMachine.provide({
      actors: { loadInfo: fromPromise<Info>(() => new Promise<Info>(() => undefined)) },
    }),
  };
}
