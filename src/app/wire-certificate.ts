import { fromPromise } from 'xstate';
import type { CertificateRequest, CreatedRequest, PrintOutcome, ServicesCatalog } from '../../kiosk-shell/api/contract';
import type { KioskApi } from '../api/client';
import { unwrap } from '../api/unwrap';
import { certificateMachine } from '../machines/certificate';
import { identifyFlow } from './wire-identify';

/** The certificate flow with its actors calling the kiosk API. */
export function certificateFlow(api: KioskApi) {
  return certificateMachine.provide({
    actors: {
      loadCatalog: fromPromise<ServicesCatalog>(async () => unwrap(await api.call('services.catalog', {}))),
      identify: identifyFlow(api),
      createRequest: fromPromise<CreatedRequest, CertificateRequest>(async ({ input }) =>
        unwrap(await api.call('requests.create', input)),
      ),
      reprintReceipt: fromPromise<PrintOutcome, { receiptCode: string }>(async ({ input }) =>
        unwrap(await api.call('requests.reprint', { receiptCode: input.receiptCode })),
      ),
    },
  });
}
