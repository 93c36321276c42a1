import { fromCallback, fromPromise } from 'xstate';
import type { PickupCollectInput, PickupCollected, PickupLookup } from '../../kiosk-shell/api/contract';
import type { KioskApi } from '../api/client';
import { unwrap } from '../api/unwrap';
import { pickupEventOf, pickupMachine } from '../machines/pickup';
import type { PickupEvent } from '../machines/pickup';
import { identifyFlow } from './wire-identify';

/** The pickup flow with its actors calling the kiosk API. */
export function pickupFlow(api: KioskApi) {
  return pickupMachine.provide({
    actors: {
      receiptScans: fromCallback<PickupEvent>(({ sendBack }) =>
        api.on('reader.read', (read) => sendBack(pickupEventOf(read))),
      ),
      findDocument: fromPromise<PickupLookup, { receiptCode: string }>(async ({ input }) =>
        unwrap(await api.call('pickup.find', { receiptCode: input.receiptCode })),
      ),
      identify: identifyFlow(api),
      collectDocument: fromPromise<PickupCollected, PickupCollectInput>(async ({ input }) =>
        unwrap(await api.call('pickup.collect', input)),
      ),
    },
  });
}
