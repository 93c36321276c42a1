import { describe, expect, it } from 'vitest';
import type { CreatedRequest } from '../../kiosk-shell/api/contract';
import { KioskApiError } from '../api/unwrap';
import { withReprint, withReprintFailure } from './flow';

const created: CreatedRequest = {
  receiptCode: 'K7Q29FXM',
  createdAt: '2025-03-01T09:30:00.000Z',
  print: {
    printed: false,
    problem: 'PAPER_OUT',
    receipt: { locale: 'it', lines: ['Comune di Valdimonte', 'K7Q2-9FXM'], codes: ['K7Q2-9FXM'], pickupCode: null },
  },
};
const failure = (code: string) => new KioskApiError({ code: code as never, message: 'test' });

describe('a reprint on the receipt screen', () => {
  it('keeps the receipt text the resident hears and takes what the printer did', () => {
    expect(withReprint(created, { printed: true, problem: null })).toEqual({
      ...created,
      print: { ...created.print, printed: true, problem: null },
    });
  });

  it('names the printer problem of a failed reprint, and reads any other error as a device error', () => {
    const printed = withReprint(created, { printed: true, problem: null });
    expect(withReprintFailure(printed, failure('COVER_OPEN'))?.print).toEqual({
      ...created.print,
      printed: false,
      problem: 'COVER_OPEN',
    });
    expect(withReprintFailure(printed, failure('INTERNAL'))?.print.problem).toBe('DEVICE_ERROR');
    expect(withReprintFailure(printed, new Error('socket closed'))?.print.problem).toBe('DEVICE_ERROR');
  });

  it('has nothing to change before a request was registered', () => {
    expect(withReprint(null, { printed: true, problem: null })).toBeNull();
    expect(withReprintFailure(null, failure('PAPER_OUT'))).toBeNull();
  });
});
