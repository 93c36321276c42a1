import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../api/contract';
import type { Info, KioskDescription } from '../api/contract';
import { ApiFailure, createDispatcher } from './dispatch';
import type { Handlers } from './dispatch';
import { createLogger } from './log';
import { NOT_SYNCING } from './sync';

const info: Info = { offices: [], nearestStaffedId: null, contacts: [], exampleData: false };

function setup(overrides: Partial<Handlers> = {}) {
  const lines: string[] = [];
  const log = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    }),
  });
  const handlers: Handlers = {
    'kiosk.describe': () => ({}) as KioskDescription,
    'info.get': () => info,
    'session.ended': () => ({ sessions: 1 }),
    'devices.status': () => {
      throw new ApiFailure('NOT_CONFIGURED', 'no devices in this test');
    },
    'devices.testPrint': () => {
      throw new ApiFailure('NOT_CONFIGURED', 'no devices in this test');
    },
    'devices.lastReads': () => [],
    'sync.status': () => NOT_SYNCING,
    'identity.checkCodiceFiscale': () => ({ ok: false, problem: 'cf-malformed' }),
    'services.catalog': () => {
      throw new ApiFailure('SERVICE_UNAVAILABLE', 'no catalog in this test');
    },
    'requests.create': () => {
      throw new ApiFailure('SERVICE_UNAVAILABLE', 'no store in this test');
    },
    'requests.reprint': () => {
      throw new ApiFailure('NOT_FOUND', 'no store in this test');
    },
    'requests.lookup': () => ({ found: false }),
    'speech.say': () => ({}),
    'speech.repeat': () => ({}),
    'speech.stop': () => ({}),
    'speech.volume': () => ({ headphones: false, volume: 100 }),
    'audio.status': () => ({ headphones: false, volume: 100 }),
    'pickup.find': () => ({ status: 'unknown' }),
    'pickup.collect': () => {
      throw new ApiFailure('NOT_FOUND', 'no store in this test');
    },
    'technician.login': () => ({ ok: false, problem: 'wrong', attemptsLeft: 4 }),
    'technician.logout': () => {
      throw new ApiFailure('UNAUTHORIZED', 'no technician session in this test');
    },
    'technician.overview': () => {
      throw new ApiFailure('UNAUTHORIZED', 'no technician session in this test');
    },
    'technician.testPrint': () => {
      throw new ApiFailure('UNAUTHORIZED', 'no technician session in this test');
    },
    'technician.lastReads': () => {
      throw new ApiFailure('UNAUTHORIZED', 'no technician session in this test');
    },
    'technician.paperReplaced': () => {
      throw new ApiFailure('UNAUTHORIZED', 'no technician session in this test');
    },
    'technician.printPreviews': () => [],
    'technician.configure': () => {
      throw new ApiFailure('UNAUTHORIZED', 'no technician session in this test');
    },
    'technician.restart': () => {
      throw new ApiFailure('UNAUTHORIZED', 'no technician session in this test');
    },
    'technician.syncNow': () => {
      throw new ApiFailure('UNAUTHORIZED', 'no technician session in this test');
    },
    'technician.checkIntegrity': () => {
      throw new ApiFailure('UNAUTHORIZED', 'no technician session in this test');
    },
    'technician.logs': () => {
      throw new ApiFailure('UNAUTHORIZED', 'no technician session in this test');
    },
    'technician.setService': () => {
      throw new ApiFailure('UNAUTHORIZED', 'no technician session in this test');
    },
    ...overrides,
  };
  return { dispatch: createDispatcher(handlers, log), lines };
}

describe('kiosk API dispatcher', () => {
  it('answers a valid call with { ok: true, value }', async () => {
    const { dispatch } = setup();
    const res = await dispatch(JSON.stringify({ id: 1, method: 'info.get', input: {} }));
    expect(res).toEqual({ id: 1, result: { ok: true, value: info } });
  });

  it.each([
    ['not JSON', '{nope', null],
    ['a JSON array', '[1,2]', null],
    ['a frame without method', JSON.stringify({ id: 3, input: {} }), 3],
    ['a negative id', JSON.stringify({ id: -1, method: 'info.get', input: {} }), null],
    ['an empty frame', '', null],
  ])('refuses %s with BAD_FRAME', async (_name, raw, id) => {
    const { dispatch } = setup();
    const res = await dispatch(raw);
    expect(res.id).toBe(id);
    expect(res.result).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
  });

  it('refuses a frame larger than the limit unread', async () => {
    const { dispatch } = setup();
    const res = await dispatch(
      JSON.stringify({ id: 1, method: 'info.get', input: { x: 'a'.repeat(MAX_FRAME_BYTES) } }),
    );
    expect(res.result).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
  });

  it('refuses an unknown method, including inherited property names', async () => {
    const { dispatch } = setup();
    for (const method of ['nope.nope', 'toString', '__proto__', 'constructor']) {
      const res = await dispatch(JSON.stringify({ id: 2, method, input: {} }));
      expect(res.result, method).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
  });

  it('refuses input that does not match the method schema, without echoing it', async () => {
    const { dispatch, lines } = setup();
    const cf = 'RSSMRA85T10A562S';
    const res = await dispatch(JSON.stringify({ id: 4, method: 'session.ended', input: { reason: cf } }));
    expect(res.result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(JSON.stringify(res)).not.toContain(cf);
    expect(lines.join('')).not.toContain(cf);
    const extra = await dispatch(JSON.stringify({ id: 5, method: 'info.get', input: { extra: 1 } }));
    expect(extra.result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('passes a handler’s expected failure through with its code', async () => {
    const { dispatch } = setup({
      'info.get': () => {
        throw new ApiFailure('OUT_OF_SERVICE', 'the kiosk is out of service');
      },
    });
    const res = await dispatch(JSON.stringify({ id: 6, method: 'info.get', input: {} }));
    expect(res.result).toEqual({
      ok: false,
      error: { code: 'OUT_OF_SERVICE', message: 'the kiosk is out of service' },
    });
  });

  it('turns an unexpected handler error into INTERNAL and keeps serving', async () => {
    let fail = true;
    const { dispatch, lines } = setup({
      'info.get': () => {
        if (fail) throw new Error('disk I/O error');
        return info;
      },
    });
    const bad = await dispatch(JSON.stringify({ id: 7, method: 'info.get', input: {} }));
    expect(bad.result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(bad)).not.toContain('disk I/O');
    expect(lines.some((l) => l.includes('api.handler-failed'))).toBe(true);
    fail = false;
    const good = await dispatch(JSON.stringify({ id: 8, method: 'info.get', input: {} }));
    expect(good.result.ok).toBe(true);
  });

  it('refuses a handler answer that breaks the contract', async () => {
    const { dispatch } = setup({ 'session.ended': () => ({ sessions: -1 }) });
    const res = await dispatch(JSON.stringify({ id: 9, method: 'session.ended', input: { reason: 'idle' } }));
    expect(res.result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
