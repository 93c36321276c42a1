/**
 * The hub's OpenAPI 3.1 document, generated from the protocol's zod schemas
 * (`z.toJSONSchema`, JSON Schema 2020-12, which OpenAPI 3.1 uses as is). The
 * hub serves it at /openapi.json and a copy is committed as docs/openapi.json
 * (`npm run hub -- openapi > docs/openapi.json`; a test fails when they differ).
 */
import { z } from 'zod';
import { HEADER_DIGEST, HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP } from '../sync/crypto/sign';
import { ENDPOINTS, ERROR_CODES, ERROR_HTTP_STATUS, ErrorBodySchema, MAX_BODY_BYTES } from '../sync/protocol';
import type { EndpointName } from '../sync/protocol';

type JsonObject = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as JsonObject;
  return rest;
}

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const SIGNATURE_HEADERS: Array<{ name: string; description: string; pattern: string }> = [
  {
    name: HEADER_KEY,
    description: 'Key id of the signing kiosk key: base64url of the first 16 bytes of SHA-256 of the raw public key.',
    pattern: '^[A-Za-z0-9_-]{22}$',
  },
  {
    name: HEADER_TIMESTAMP,
    description: 'Milliseconds since the epoch, by the kiosk clock.',
    pattern: '^(0|[1-9]\\d{0,15})$',
  },
  {
    name: HEADER_NONCE,
    description: '16 random bytes, base64url; never reused by a key.',
    pattern: '^[A-Za-z0-9_-]{22}$',
  },
  { name: HEADER_DIGEST, description: 'SHA-256 of the exact body bytes, base64url.', pattern: '^[A-Za-z0-9_-]{43}$' },
  {
    name: HEADER_SIGNATURE,
    description:
      'Ed25519 over "sportello-request-v1\\nMETHOD\\npath?query\\ntimestamp\\nnonce\\ndigest\\nkeyId", base64url.',
    pattern: '^[A-Za-z0-9_-]{86}$',
  },
];

const SUMMARIES: Record<EndpointName, string> = {
  enroll: 'Enroll a kiosk key with a one-time code (signed with the key being enrolled)',
  push: 'Deliver queued submissions; idempotent per item id',
  pull: 'Fetch status changes, changed catalogs and current alerts since a cursor',
  heartbeat: 'Report device states, queue and versions; returns the hub clock',
  collect: 'Report documents collected at the kiosk; idempotent per document id',
  audit: "Send the kiosk's technician audit log; idempotent per kiosk row id",
};

/** Responses of every refusal status, each listing the codes it carries. */
function errorResponses(): JsonObject {
  const byStatus = new Map<number, string[]>();
  for (const code of ERROR_CODES) {
    const status = ERROR_HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, codes]) => [
        String(status),
        {
          description: `Refused: ${codes.join(', ')}. Nothing of the request was stored.`,
          content: { 'application/json': { schema: ref('ErrorBody') } },
        },
      ]),
  );
}

const RESPONSE_SIGNATURE_HEADERS = {
  [HEADER_DIGEST]: { description: 'SHA-256 of the response body, base64url.', schema: { type: 'string' } },
  [HEADER_SIGNATURE]: {
    description:
      'Ed25519 by the hub signing key over "sportello-response-v1\\nstatus\\nrequest keyId\\nrequest nonce\\ndigest", base64url.',
    schema: { type: 'string' },
  },
};

export function buildOpenApi(): JsonObject {
  const schemas: JsonObject = { ErrorBody: jsonSchema(ErrorBodySchema, 'output') };
  const paths: JsonObject = {};
  for (const [name, endpoint] of Object.entries(ENDPOINTS) as Array<[EndpointName, (typeof ENDPOINTS)[EndpointName]]>) {
    const type = pascal(name);
    schemas[`${type}Response`] = jsonSchema(endpoint.response, 'output');
    const parameters: JsonObject[] = SIGNATURE_HEADERS.map((h) => ({
      name: h.name,
      in: 'header',
      required: true,
      description: h.description,
      schema: { type: 'string', pattern: h.pattern },
    }));
    const operation: JsonObject = {
      operationId: name,
      summary: SUMMARIES[name],
      parameters,
      responses: {
        '200': {
          description: 'Done.',
          headers: RESPONSE_SIGNATURE_HEADERS,
          content: { 'application/json': { schema: ref(`${type}Response`) } },
        },
        ...errorResponses(),
      },
    };
    if ('body' in endpoint) {
      schemas[`${type}Request`] = jsonSchema(endpoint.body, 'input');
      operation.requestBody = { required: true, content: { 'application/json': { schema: ref(`${type}Request`) } } };
    } else {
      const query = jsonSchema(endpoint.query, 'input') as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [param, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({ name: param, in: 'query', required: query.required?.includes(param) ?? false, schema });
      }
    }
    paths[endpoint.path] = { [endpoint.method.toLowerCase()]: operation };
  }
  paths['/openapi.json'] = {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      responses: { '200': { description: 'OpenAPI 3.1 document.', content: { 'application/json': {} } } },
    },
  };
  paths['/healthz'] = {
    get: {
      operationId: 'health',
      summary: 'Liveness and database reachability (unsigned)',
      responses: {
        '200': {
          description: 'Up.',
          content: {
            'application/json': {
              schema: { type: 'object', properties: { ok: { const: true } }, required: ['ok'] },
            },
          },
        },
        '500': {
          description: 'The database is unreachable.',
          content: { 'application/json': { schema: ref('ErrorBody') } },
        },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sportello hub — kiosk sync API',
      version: '1',
      description:
        'The sync protocol between Sportello kiosks and the municipal hub (sync/protocol). ' +
        'Every /v1 request is signed by the kiosk key (Ed25519, headers below) and every answer to it by the hub ' +
        `signing key pinned at enrollment. Bodies are at most ${MAX_BODY_BYTES} bytes.`,
    },
    paths,
    components: { schemas },
  };
}
