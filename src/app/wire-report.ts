import { fromPromise } from 'xstate';
import type { CreatedRequest, PrintOutcome, ReportRequest, ServicesCatalog } from '../../kiosk-shell/api/contract';
import type { KioskApi } from '../api/client';
import { unwrap } from '../api/unwrap';
import { reportMachine } from '../machines/report';

/** The report flow with its actors calling the kiosk API. */
export function reportFlow(api: KioskApi) {
  return reportMachine.provide({
    actors: {
      loadCatalog: fromPromise<ServicesCatalog>(async () => unwrap(await api.call('services.catalog', {}))),
      createRequest: fromPromise<CreatedRequest, ReportRequest>(async ({ input }) =>
        unwrap(await api.call('requests.create', input)),
      ),
      reprintReceipt: fromPromise<PrintOutcome, { receiptCode: string }>(async ({ input }) =>
        unwrap(await api.call('requests.reprint', { receiptCode: input.receiptCode })),
      ),
    },
  });
}
