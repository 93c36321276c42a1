import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import type { Info } from '../../kiosk-shell/api/contract';
import { infoMachine } from './info';

const info: Info = { offices: [], nearestStaffedId: null, contacts: [], exampleData: true };

describe('info machine', () => {
  it('loads the office information and shows it', async () => {
    const actor = createActor(
      infoMachine.provide({ actors: { loadInfo: fromPromise(() => Promise.resolve(info)) } }),
    ).start();
    const s = await waitFor(actor, (s) => s.matches('ready'));
    expect(s.context.info).toEqual(info);
  });

  it('offers a retry when the runtime fails, and loads on retry', async () => {
    let calls = 0;
    const loadInfo = fromPromise<Info>(() => (++calls === 1 ? Promise.reject(new Error('x')) : Promise.resolve(info)));
    const actor = createActor(infoMachine.provide({ actors: { loadInfo } })).start();
    await waitFor(actor, (s) => s.matches('failed'));
    actor.send({ type: 'retry.requested' });
    await waitFor(actor, (s) => s.matches('ready'));
    expect(calls).toBe(2);
  });
});
