/**
 * Typed device errors. Inside hardware/ a failure throws one of these with a
 * `code`; the runtime turns them into `{ ok: false, error }` answers and into
 * messages the UI can explain ("the printer is out of paper").
 */
export const DEVICE_ERROR_CODES = [
  'PAPER_OUT',
  'COVER_OPEN',
  'OFFLINE', // the device does not answer, or its port is gone
  'TIMEOUT', // a write or a status query got no answer in time
  'DEVICE_ERROR', // cutter jam, unrecoverable error, anything the device reports as broken
  'NOT_CONFIGURED',
] as const;
export type DeviceErrorCode = (typeof DEVICE_ERROR_CODES)[number];

export class DeviceError extends Error {
  constructor(
    readonly code: DeviceErrorCode,
    message: string,
    readonly device?: string,
  ) {
    super(message);
    this.name = 'DeviceError';
  }
}
