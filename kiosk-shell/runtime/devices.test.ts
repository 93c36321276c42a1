import { describe, expect, it } from 'vitest';
import { PREVIEW_LIMIT, createPreviewLog } from './devices';

describe('print previews', () => {
  it('keeps the last five, newest first', () => {
    let t = Date.parse('2025-03-10T09:00:00Z');
    const log = createPreviewLog(() => new Date((t += 1000)));
    for (let i = 0; i < PREVIEW_LIMIT + 2; i++) {
      log.add({ kind: 'test', printed: true, problem: null, svg: `<svg>${i}</svg>` });
    }
    const list = log.list();
    expect(list.map((p) => p.svg)).toEqual([
      '<svg>6</svg>',
      '<svg>5</svg>',
      '<svg>4</svg>',
      '<svg>3</svg>',
      '<svg>2</svg>',
    ]);
    expect(list.map((p) => p.id)).toEqual([7, 6, 5, 4, 3]);
    expect(list[0]!.at).toBe('2025-03-10T09:00:07.000Z');
  });
});
