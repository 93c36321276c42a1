/**
 * The endpoint table: method, path and schemas of every call, for the hub's
 * routes, the kiosk's client and the OpenAPI generator alike.
 *
 * Every request is signed (sync/crypto/sign): `auth: 'kiosk'` with the key of
 * an enrolled kiosk, `auth: 'enrolling-key'` with the key named in the body.
 * Every refusal answers `ErrorBodySchema` with the status of ERROR_HTTP_STATUS.
 */
import { AuditRequestSchema, AuditResponseSchema } from './audit';
import { CollectRequestSchema, CollectResponseSchema } from './collect';
import { EnrollRequestSchema, EnrollResponseSchema } from './enroll';
import { HeartbeatRequestSchema, HeartbeatResponseSchema } from './heartbeat';
import { PullQuerySchema, PullResponseSchema } from './pull';
import { PushRequestSchema, PushResponseSchema } from './push';

export const ENDPOINTS = {
  enroll: {
    method: 'POST',
    path: '/v1/enroll',
    auth: 'enrolling-key',
    body: EnrollRequestSchema,
    response: EnrollResponseSchema,
  },
  push: {
    method: 'POST',
    path: '/v1/push',
    auth: 'kiosk',
    body: PushRequestSchema,
    response: PushResponseSchema,
  },
  pull: {
    method: 'GET',
    path: '/v1/pull',
    auth: 'kiosk',
    query: PullQuerySchema,
    response: PullResponseSchema,
  },
  heartbeat: {
    method: 'POST',
    path: '/v1/heartbeat',
    auth: 'kiosk',
    body: HeartbeatRequestSchema,
    response: HeartbeatResponseSchema,
  },
  collect: {
    method: 'POST',
    path: '/v1/collect',
    auth: 'kiosk',
    body: CollectRequestSchema,
    response: CollectResponseSchema,
  },
  audit: {
    method: 'POST',
    path: '/v1/audit',
    auth: 'kiosk',
    body: AuditRequestSchema,
    response: AuditResponseSchema,
  },
} as const;
export type EndpointName = keyof typeof ENDPOINTS;
