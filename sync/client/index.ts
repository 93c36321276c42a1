/** The kiosk's sync client: enrollment, the push/pull/heartbeat loop, and their building blocks. */
export {
  createSyncClient,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_POLL_INTERVAL_MS,
  LOCAL_REJECTION_CODE,
} from './client';
export type { HeartbeatPayload, SyncClient, SyncClientOptions, SyncStatus } from './client';
export { enroll } from './enroll';
export type { EnrollOptions } from './enroll';
export { EnrollmentSchema, loadEnrollment, saveEnrollment } from './enrollment';
export type { Enrollment, StoredEnrollment } from './enrollment';
export { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from './backoff';
export type { BackoffPolicy } from './backoff';
export { CLIENT_ERROR_CODES, SyncError, isBatchRefusal } from './errors';
export type { ClientErrorCode, SyncErrorCode, SyncErrorDetails } from './errors';
export { applyStatusChanges, getSubmissionStatus } from './status-changes';
export type { FetchLike, TimerHandle } from './http';
export type { SyncLogger } from './log';
