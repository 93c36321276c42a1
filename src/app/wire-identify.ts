import { fromCallback, fromPromise } from 'xstate';
import type { KioskApi } from '../api/client';
import { unwrap } from '../api/unwrap';
import type { CheckCodiceFiscaleOutput, IdentifyEvent } from '../machines/identify';
import { identifyMachine } from '../machines/identify';

/** The identification machine with its actors on the kiosk API: reader events, and the runtime's codice fiscale check. */
export function identifyFlow(api: KioskApi) {
  return identifyMachine.provide({
    actors: {
      cardReads: fromCallback<IdentifyEvent>(({ sendBack }) =>
        api.on('reader.read', (read) => sendBack({ type: 'card.read', read })),
      ),
      checkCodiceFiscale: fromPromise<CheckCodiceFiscaleOutput, { codiceFiscale: string }>(async ({ input }) =>
        unwrap(await api.call('identity.checkCodiceFiscale', { codiceFiscale: input.codiceFiscale })),
      ),
    },
  });
}
