import Ajv2020 from 'ajv/dist/2020';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ENDPOINTS,
  ERROR_CODES,
  ERROR_HTTP_STATUS,
  EnrollRequestSchema,
  EnrollResponseSchema,
  ErrorBodySchema,
  HeartbeatRequestSchema,
  HeartbeatResponseSchema,
  MAX_BATCH,
  MAX_BODY_BYTES,
  MAX_SEALED_CHARS,
  PullQuerySchema,
  PullResponseSchema,
  PushRequestSchema,
  PushResponseSchema,
} from './index';
import type { EnrollRequest, HeartbeatRequest, PullResponse, PushItem, PushResponse } from './index';

/** A UUIDv7 (RFC 9562 §5.7): 48-bit ms timestamp, version 7, variant 10, random rest. */
function uuidv7(): string {
  const b = randomBytes(16);
  b.writeUIntBE(Date.now(), 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
const uuidv4 = randomUUID;

const KEY = 'Q2hpYXZlIGRpIGVzZW1waW8gYSAzMiBieXRlIGVzYXR0aQ'.slice(0, 42) + 'A';
const SEALED = Buffer.alloc(120, 7).toString('base64url');
const AT = '2025-03-01T08:15:00.000Z';

function item(overrides: Partial<PushItem> = {}): PushItem {
  return {
    id: uuidv7(),
    kind: 'certificate',
    service: 'residenza',
    locale: 'it',
    frazione: 'molicciara',
    createdAt: AT,
    sealed: SEALED,
    ...overrides,
  };
}

const enroll: EnrollRequest = { code: 'K7QX-92MD-PL4A', publicKey: KEY, softwareVersion: '0.1.0' };

const heartbeat: HeartbeatRequest = {
  devices: [
    { device: 'printer', state: 'warning', code: 'PAPER_OUT' },
    { device: 'barcode', state: 'ok', code: null },
  ],
  queueDepth: 3,
  oldestQueuedAgeMs: 125_000,
  versions: { app: '0.1.0', catalogs: { catalog: '7', stradario: 'sha256-abc' } },
  uptimeS: 86_400,
};

const pullResponse: PullResponse = {
  cursor: 'c1.00042',
  hasMore: false,
  statusChanges: [{ submissionId: uuidv7(), status: 'answered', answer: 'Il certificato è pronto.', at: AT }],
  catalogs: {
    catalog: {
      version: '7',
      services: [{ code: 'residenza', kind: 'certificate', title: { it: 'Certificato di residenza' }, enabled: true }],
      certificateTypes: [
        { code: 'residenza', name: { it: 'Residenza', en: 'Residence' }, stampDuty: true, enabled: true },
      ],
    },
    stradario: {
      version: '3',
      streets: [{ code: '00123', name: 'Via Aurelia', frazione: 'molicciara', postcode: '19033' }],
    },
    offices: {
      version: '2',
      offices: [
        {
          id: 'anagrafe',
          name: 'Ufficio anagrafe',
          address: 'Piazza Querciola 1',
          phone: '+39 0187 0000',
          email: 'anagrafe@example.it',
          staffed: true,
          lat: 44.08,
          lon: 10.01,
          hours: [{ day: 1, opens: '08:30', closes: '12:30' }],
        },
      ],
      contacts: [{ topic: 'registry', phone: '+39 0187 0000', email: 'anagrafe@example.it' }],
    },
  },
  alerts: [{ id: 'a1', level: 'warning', title: { it: 'Ufficio chiuso lunedì' }, validUntil: AT }],
};

const pushResponse: PushResponse = {
  results: [
    { id: uuidv7(), status: 'accepted', protocolNumber: '2025/000123', acceptedAt: AT },
    { id: uuidv7(), status: 'rejected', code: 'SEAL_INVALID', reason: 'envelope does not open' },
  ],
};

function ok(schema: z.ZodType, value: unknown): void {
  const result = schema.safeParse(value);
  expect(result.success, result.error?.message).toBe(true);
}
function refused(schema: z.ZodType, value: unknown): void {
  expect(schema.safeParse(value).success).toBe(false);
}

describe('push', () => {
  it('accepts a batch of well-formed items', () => {
    ok(PushRequestSchema, { items: [item(), item({ kind: 'report', service: 'buca-stradale', locale: 'ar' })] });
  });

  it('accepts exactly MAX_BATCH items and refuses one more, or none', () => {
    ok(PushRequestSchema, { items: Array.from({ length: MAX_BATCH }, () => item()) });
    refused(PushRequestSchema, { items: Array.from({ length: MAX_BATCH + 1 }, () => item()) });
    refused(PushRequestSchema, { items: [] });
  });

  it('refuses an id that is not a lowercase UUIDv7', () => {
    refused(PushRequestSchema, { items: [item({ id: uuidv4() })] });
    refused(PushRequestSchema, { items: [item({ id: uuidv7().toUpperCase() })] });
    refused(PushRequestSchema, { items: [item({ id: 'not-a-uuid' })] });
  });

  it('refuses the same id twice in one batch', () => {
    const id = uuidv7();
    refused(PushRequestSchema, { items: [item({ id }), item({ id })] });
  });

  it('refuses unknown fields, on an item or on the batch', () => {
    refused(PushRequestSchema, { items: [{ ...item(), codiceFiscale: 'RSSMRA80A01E463X' }] });
    refused(PushRequestSchema, { items: [item()], kioskId: 'x' });
  });

  it('refuses bad field values', () => {
    const bad: Array<Record<string, unknown>> = [
      { kind: 'complaint' },
      { locale: 'es' },
      { service: 'Residenza' },
      { frazione: '' },
      { createdAt: '2025-03-01T09:15:00+01:00' },
      { createdAt: 1740816900000 },
      { sealed: 'a+b/' + SEALED },
      { sealed: 'AAAA' },
      { sealed: 'A'.repeat(MAX_SEALED_CHARS + 1) },
    ];
    for (const overrides of bad) refused(PushRequestSchema, { items: [{ ...item(), ...overrides }] });
  });

  it('fits the largest valid batch within the body limit', () => {
    const longest = (n: number) => 'a'.repeat(n);
    const items = Array.from({ length: MAX_BATCH }, () =>
      item({
        kind: 'info-request',
        service: longest(64),
        frazione: longest(64),
        createdAt: '2025-03-01T08:15:00.123456789Z',
        sealed: 'A'.repeat(MAX_SEALED_CHARS),
      }),
    );
    const request = { items };
    ok(PushRequestSchema, request);
    expect(Buffer.byteLength(JSON.stringify(request, null, 2))).toBeLessThanOrEqual(MAX_BODY_BYTES);
  });

  it('answers one result per item, accepted with a protocol number or rejected with a code', () => {
    ok(PushResponseSchema, pushResponse);
    refused(PushResponseSchema, { results: [{ id: uuidv7(), status: 'accepted', acceptedAt: AT }] });
    refused(PushResponseSchema, { results: [{ id: uuidv7(), status: 'rejected', code: 'NOPE', reason: '' }] });
  });
});

describe('enroll', () => {
  it('accepts a code, a raw public key and a version', () => ok(EnrollRequestSchema, enroll));

  it('refuses a malformed key, a bad code, or an unknown field', () => {
    refused(EnrollRequestSchema, { ...enroll, publicKey: KEY.slice(0, 42) + 'B' }); // non-canonical last character
    refused(EnrollRequestSchema, { ...enroll, publicKey: KEY.slice(1) });
    refused(EnrollRequestSchema, { ...enroll, code: 'abc' });
    refused(EnrollRequestSchema, { ...enroll, code: 'K7QX 92MD' });
    refused(EnrollRequestSchema, { ...enroll, softwareVersion: 'latest' });
    refused(EnrollRequestSchema, { ...enroll, frazione: 'molicciara' });
  });

  it('answers the kiosk id, comune, frazione and the hub keys to pin', () => {
    ok(EnrollResponseSchema, {
      kioskId: uuidv7(),
      comune: { istat: '011011', name: 'Castelnuovo Magra' },
      frazione: { code: 'molicciara', name: 'Molicciara' },
      hubKeys: { signing: KEY, encryption: KEY },
    });
    refused(EnrollResponseSchema, {
      kioskId: uuidv7(),
      comune: { istat: '11011', name: 'Castelnuovo Magra' },
      frazione: { code: 'molicciara', name: 'Molicciara' },
      hubKeys: { signing: KEY, encryption: KEY },
    });
  });
});

describe('pull', () => {
  it('takes an optional URL-safe cursor and nothing else', () => {
    ok(PullQuerySchema, {});
    ok(PullQuerySchema, { cursor: 'c1.00042' });
    refused(PullQuerySchema, { cursor: 'a b' });
    refused(PullQuerySchema, { cursor: 'a%20b' });
    refused(PullQuerySchema, { cursor: '' });
    refused(PullQuerySchema, { since: '1' });
  });

  it('answers status changes, changed catalogs and the alerts', () => {
    ok(PullResponseSchema, pullResponse);
    ok(PullResponseSchema, { cursor: 'c2', hasMore: true, statusChanges: [], alerts: [] });
  });

  it('tolerates fields a newer hub adds, and drops them', () => {
    const parsed = PullResponseSchema.parse({ ...pullResponse, appointments: [] });
    expect(parsed).not.toHaveProperty('appointments');
  });

  it('refuses a status it does not know, and text without Italian', () => {
    const [change] = pullResponse.statusChanges;
    refused(PullResponseSchema, { ...pullResponse, statusChanges: [{ ...change, status: 'lost' }] });
    refused(PullResponseSchema, {
      ...pullResponse,
      alerts: [{ id: 'a1', level: 'info', title: { en: 'Closed' }, validUntil: AT }],
    });
  });
});

describe('heartbeat', () => {
  it('accepts device states, queue figures, versions and uptime', () => {
    ok(HeartbeatRequestSchema, heartbeat);
    ok(HeartbeatRequestSchema, { ...heartbeat, devices: [], queueDepth: 0, oldestQueuedAgeMs: null });
    ok(HeartbeatResponseSchema, { ok: true, serverTime: AT });
  });

  it('refuses negative or fractional figures, unknown devices, catalogs and fields', () => {
    refused(HeartbeatRequestSchema, { ...heartbeat, queueDepth: -1 });
    refused(HeartbeatRequestSchema, { ...heartbeat, uptimeS: 1.5 });
    refused(HeartbeatRequestSchema, { ...heartbeat, devices: [{ device: 'toaster', state: 'ok', code: null }] });
    refused(HeartbeatRequestSchema, { ...heartbeat, versions: { app: '0.1.0', catalogs: { menu: '1' } } });
    refused(HeartbeatRequestSchema, { ...heartbeat, hostname: 'kiosk-1' });
  });
});

describe('errors', () => {
  it('gives every code an HTTP status and a body shape', () => {
    for (const code of ERROR_CODES) {
      expect(ERROR_HTTP_STATUS[code]).toBeGreaterThanOrEqual(400);
      ok(ErrorBodySchema, { error: { code, message: 'technician text' } });
    }
    refused(ErrorBodySchema, { error: { code: 'TEAPOT', message: '' } });
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});

describe('JSON Schema for the OpenAPI document', () => {
  it('converts every endpoint schema with z.toJSONSchema', () => {
    for (const [name, endpoint] of Object.entries(ENDPOINTS)) {
      const input = 'body' in endpoint ? endpoint.body : endpoint.query;
      const request = z.toJSONSchema(input, { io: 'input' });
      const response = z.toJSONSchema(endpoint.response, { io: 'output' });
      expect(request, name).toMatchObject({ type: 'object', additionalProperties: false });
      expect(response, name).toMatchObject({ type: 'object' });
    }
    expect(z.toJSONSchema(ErrorBodySchema)).toMatchObject({ type: 'object' });
  });

  it('carries the limits a generated client must respect', () => {
    const push = z.toJSONSchema(PushRequestSchema, { io: 'input' }) as unknown as {
      properties: { items: { maxItems: number; items: { properties: Record<string, { pattern?: string }> } } };
    };
    expect(push.properties.items.maxItems).toBe(MAX_BATCH);
    const { id } = push.properties.items.items.properties;
    expect(id?.pattern).toBeDefined();
    expect(new RegExp(id!.pattern!).test(uuidv7())).toBe(true);
    expect(new RegExp(id!.pattern!).test(uuidv4())).toBe(false);
  });

  it('generates schemas a JSON Schema validator applies as zod does', () => {
    // Formats are left to the patterns zod emits next to them (ajv-formats is not installed).
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const cases: Array<{ schema: z.ZodType; io: 'input' | 'output'; good: unknown[]; bad: unknown[] }> = [
      {
        schema: PushRequestSchema,
        io: 'input',
        good: [{ items: [item(), item({ kind: 'report' })] }],
        bad: [
          { items: [item({ id: uuidv4() })] },
          { items: [item({ id: uuidv7().toUpperCase() })] },
          { items: [{ ...item(), extra: 1 }] },
          { items: Array.from({ length: MAX_BATCH + 1 }, () => item()) },
          { items: [item({ createdAt: '2025-03-01T09:15:00+01:00' })] },
        ],
      },
      { schema: EnrollRequestSchema, io: 'input', good: [enroll], bad: [{ ...enroll, publicKey: KEY.slice(1) }] },
      {
        schema: HeartbeatRequestSchema,
        io: 'input',
        good: [heartbeat],
        bad: [
          { ...heartbeat, queueDepth: -1 },
          { ...heartbeat, extra: true },
        ],
      },
      { schema: PullQuerySchema, io: 'input', good: [{}, { cursor: 'c1' }], bad: [{ cursor: 'a b' }] },
      { schema: PullResponseSchema, io: 'output', good: [pullResponse], bad: [{ ...pullResponse, cursor: '' }] },
      { schema: PushResponseSchema, io: 'output', good: [pushResponse], bad: [{ results: [{ id: uuidv7() }] }] },
    ];
    for (const { schema, io, good, bad } of cases) {
      const validate = ajv.compile(z.toJSONSchema(schema, { io }));
      for (const value of good) {
        expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
        expect(schema.safeParse(value).success).toBe(true);
      }
      for (const value of bad) {
        expect(validate(value)).toBe(false);
        expect(schema.safeParse(value).success).toBe(false);
      }
    }
  });
});
