import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PrinterStatus, StatusQuery } from './status';
import {
  PAPER_STATUS_BARRIER,
  STATUS_QUERY_ALL,
  decodeStatus,
  isPaperStatusByte,
  isRealTimeStatusByte,
  paperStatusAnswer,
  parsePaperStatus,
  parseStatusByte,
  statusAnswer,
  statusCommand,
  statusProblem,
} from './status';

type Fixtures = {
  bytes: { n: StatusQuery; byte: string; facts: Partial<PrinterStatus>; why: string }[];
  notAnswers: string[];
  printers: { name: string; answers: string[]; status: PrinterStatus; problem: string | null }[];
  paperSensor: { byte: string; facts: { paperNearEnd: boolean; paperOut: boolean }; why: string }[];
};

const fixtures = JSON.parse(
  readFileSync(new URL('../../tests/fixtures/hardware/printer/status-answers.json', import.meta.url), 'utf8'),
) as Fixtures;
const hex = (s: string) => Number.parseInt(s, 16);

describe('status commands', () => {
  it('asks DLE EOT n as 0x10 0x04 n', () => {
    expect([...statusCommand(1)]).toEqual([0x10, 0x04, 0x01]);
    expect([...statusCommand(4)]).toEqual([0x10, 0x04, 0x04]);
  });

  it('asks all four in one write, in order', () => {
    expect([...STATUS_QUERY_ALL]).toEqual([0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x03, 0x10, 0x04, 0x04]);
  });

  it('ends a receipt with GS r 1 as the barrier', () => {
    expect([...PAPER_STATUS_BARRIER]).toEqual([0x1d, 0x72, 0x01]);
  });
});

describe('status answers', () => {
  it.each(fixtures.bytes)('DLE EOT $n → $byte: $why', ({ n, byte, facts }) => {
    expect(parseStatusByte(n, hex(byte))).toEqual(facts);
  });

  it.each(fixtures.notAnswers)('rejects %s, which is not a DLE EOT answer', (byte) => {
    expect(isRealTimeStatusByte(hex(byte))).toBe(false);
    for (const n of [1, 2, 3, 4] as const) expect(parseStatusByte(n, hex(byte))).toBeNull();
  });

  it.each(fixtures.printers)('decodes a printer that is $name', ({ answers, status, problem }) => {
    const decoded = decodeStatus(answers.map(hex));
    expect(decoded).toEqual(status);
    expect(statusProblem(decoded!)).toBe(problem);
  });

  it('decodes nothing from a short or garbled answer', () => {
    expect(decodeStatus([0x12, 0x12, 0x12])).toBeNull();
    expect(decodeStatus([0x12, 0x12, 0x00, 0x12])).toBeNull();
  });

  it.each(fixtures.paperSensor)('GS r 1 → $byte: $why', ({ byte, facts }) => {
    expect(parsePaperStatus(hex(byte))).toEqual(facts);
  });

  it('tells a GS r 1 answer from a DLE EOT answer by bit 4', () => {
    for (let b = 0; b < 256; b += 1) expect(isRealTimeStatusByte(b) && isPaperStatusByte(b)).toBe(false);
  });

  it('round-trips every consistent printer state through its answers (property)', () => {
    const state = fc
      .record({
        coverOpen: fc.boolean(),
        paperNearEnd: fc.boolean(),
        paperOut: fc.boolean(),
        cutterError: fc.boolean(),
        unrecoverableError: fc.boolean(),
      })
      .map((s) => {
        const paperNearEnd = s.paperNearEnd || s.paperOut; // the near-end sensor sees an empty roll too
        const online = !(s.coverOpen || s.paperOut || s.cutterError || s.unrecoverableError);
        return { ...s, paperNearEnd, online };
      });
    fc.assert(
      fc.property(state, (s) => {
        const answers = ([1, 2, 3, 4] as const).map((n) => statusAnswer(n, s));
        expect(decodeStatus(answers)).toEqual(s);
        expect(parsePaperStatus(paperStatusAnswer(s))).toEqual({ paperNearEnd: s.paperNearEnd, paperOut: s.paperOut });
      }),
    );
  });
});
