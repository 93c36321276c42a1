import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrub } from './log';

function capture() {
  const lines: string[] = [];
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    }),
  });
  return { log, text: () => lines.join('') };
}

const CF = 'RSSMRA85T10A562S';
const OMOCODE_CF = 'RSSMRA85T10A56NH';

describe('logger', () => {
  it('writes structured lines with the event name', () => {
    const { log, text } = capture();
    log.child({ module: 'store' }).info({ event: 'store.opened', version: 2 }, 'opened');
    const line = JSON.parse(text()) as Record<string, unknown>;
    expect(line).toMatchObject({ module: 'store', event: 'store.opened', version: 2, msg: 'opened' });
  });

  it('censors personal fields wherever a careless caller logs them', () => {
    const { log, text } = capture();
    log.info({ codiceFiscale: CF, name: 'Mario', input: { cf: CF }, card: { track: ';123?' } }, 'oops');
    expect(text()).not.toContain(CF);
    expect(text()).not.toContain('Mario');
    expect(text()).not.toContain(';123?');
    expect(text()).toContain('[redacted]');
  });

  it('scrubs a codice fiscale (omocodia included) from messages and error messages', () => {
    const { log, text } = capture();
    log.warn(`resident ${CF} not found`);
    log.error({ err: new Error(`UNIQUE failed for ${OMOCODE_CF}`) }, 'failed');
    expect(text()).not.toContain(CF);
    expect(text()).not.toContain(OMOCODE_CF);
    expect(text()).toContain('[codice fiscale]');
  });

  it('leaves ordinary text alone', () => {
    expect(scrub('queue depth 12, kiosk chiosco-colombiera')).toBe('queue depth 12, kiosk chiosco-colombiera');
  });
});
