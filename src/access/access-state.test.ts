import { describe, expect, it } from 'vitest';
import { DEFAULT_DISPLAY, applyDisplay } from './display';
import { INITIAL_ACCESS, accessReducer } from './useAccess';
import type { AccessEvent, AccessState } from './useAccess';

const run = (events: AccessEvent[], from: AccessState = INITIAL_ACCESS) => events.reduce(accessReducer, from);

describe('access modes', () => {
  it('turns speech on when headphones go in and off when they come out', () => {
    const plugged = run([{ type: 'headphones.changed', headphones: true }]);
    expect(plugged.speech).toBe(true);
    expect(run([{ type: 'headphones.changed', headphones: false }], plugged).speech).toBe(false);
  });

  it('toggles speech with its key without headphones', () => {
    expect(run([{ type: 'speech.toggled' }]).speech).toBe(true);
    expect(run([{ type: 'speech.toggled' }, { type: 'speech.toggled' }]).speech).toBe(false);
  });

  it('resets every display mode at the end of a session, and speech unless headphones are still in', () => {
    const all = run([
      { type: 'display.toggled', mode: 'largeText' },
      { type: 'display.toggled', mode: 'highContrast' },
      { type: 'display.toggled', mode: 'reach' },
      { type: 'speech.toggled' },
    ]);
    expect(all.display).toEqual({ largeText: true, highContrast: true, reach: true });
    const ended = run([{ type: 'session.ended' }], all);
    expect(ended.display).toEqual(DEFAULT_DISPLAY);
    expect(ended.speech).toBe(false);

    const listening = run([
      { type: 'headphones.changed', headphones: true },
      { type: 'display.toggled', mode: 'reach' },
    ]);
    const next = run([{ type: 'session.ended' }], listening);
    expect(next.display).toEqual(DEFAULT_DISPLAY);
    expect(next.speech).toBe(true);
  });

  it('puts the modes on <html> as attributes and removes them when off', () => {
    const attrs = new Map<string, string>();
    const root = {
      setAttribute: (n: string, v: string) => attrs.set(n, v),
      removeAttribute: (n: string) => attrs.delete(n),
    };
    applyDisplay(root, { largeText: true, highContrast: true, reach: true });
    expect(Object.fromEntries(attrs)).toEqual({
      'data-text': 'large',
      'data-contrast': 'high',
      'data-layout': 'reach',
    });
    applyDisplay(root, DEFAULT_DISPLAY);
    expect(attrs.size).toBe(0);
  });
});
