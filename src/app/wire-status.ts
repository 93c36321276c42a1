import { fromCallback, fromPromise } from 'xstate';
import type { KioskApi } from '../api/client';
import { unwrap } from '../api/unwrap';
import { receiptEventOf, statusMachine } from '../machines/status';
import type { LookupAnswer, StatusEvent } from '../machines/status';

/** The status flow with its actors calling the kiosk API; `now` dates each answer (injected in tests). */
export function statusFlow(api: KioskApi, now: () => number = Date.now) {
  return statusMachine.provide({
    actors: {
      receiptScans: fromCallback<StatusEvent>(({ sendBack }) =>
        api.on('reader.read', (read) => sendBack(receiptEventOf(read))),
      ),
      lookupRequest: fromPromise<LookupAnswer, { receiptCode: string }>(async ({ input }) => {
        const lookup = unwrap(await api.call('requests.lookup', { receiptCode: input.receiptCode }));
        return { lookup, checkedAt: now() };
      }),
    },
  });
}
