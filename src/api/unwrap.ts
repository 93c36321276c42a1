import type { ApiError, Result } from '../../kiosk-shell/api/contract';

/** An API failure as a thrown error, for `fromPromise` actors: `onError` gets it with its `code`. */
export class KioskApiError extends Error {
  readonly code: ApiError['code'];
  constructor(error: ApiError) {
    super(error.message);
    this.name = 'KioskApiError';
    this.code = error.code;
  }
}

/** The value of a successful call; throws a KioskApiError otherwise. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new KioskApiError(result.error);
}

/** The error code of something a `fromPromise` actor threw, or INTERNAL. */
export function errorCode(error: unknown): ApiError['code'] {
  return error instanceof KioskApiError ? error.code : 'INTERNAL';
}
