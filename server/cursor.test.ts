import { describe, expect, it } from 'vitest';
import { CursorSchema, MAX_CURSOR_CHARS } from '../sync/protocol';
import { INITIAL_CURSOR, decodeCursor, encodeCursor } from './cursor';

describe('pull cursor', () => {
  it('round-trips the last seq and the catalog versions', () => {
    const state = {
      seq: 1234,
      versions: { catalog: 'sha256-0123456789abcdef01234567', stradario: 'sha256-aa', offices: 'x:1' },
    };
    expect(decodeCursor(encodeCursor(state))).toEqual(state);
    expect(decodeCursor(encodeCursor(INITIAL_CURSOR))).toEqual(INITIAL_CURSOR);
  });

  it('fits the protocol cursor schema even with the longest versions', () => {
    const long = 'v'.repeat(64);
    const cursor = encodeCursor({
      seq: Number.MAX_SAFE_INTEGER,
      versions: { catalog: long, stradario: long, offices: long },
    });
    expect(cursor.length).toBeLessThanOrEqual(MAX_CURSOR_CHARS);
    expect(CursorSchema.safeParse(cursor).success).toBe(true);
  });

  it('refuses cursors the hub did not make', () => {
    for (const bad of [
      'c1.00042',
      'v1.',
      'v1.not-base64!',
      `v1.${Buffer.from('{"s":-1,"v":{}}').toString('base64url')}`,
      `v1.${Buffer.from('{"s":1,"v":{"menu":"1"}}').toString('base64url')}`,
      `v1.${Buffer.from('[]').toString('base64url')}`,
      `v1.${Buffer.from('{"s":1,"v":{}}').toString('base64')}=`,
    ]) {
      expect(decodeCursor(bad), bad).toBeNull();
    }
  });
});
