/** Technician cards in the UI's machines: a good card opens the screens, a bad one is explained on the PIN pad. */
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import type { ActorRefFrom } from 'xstate';
import type { TechnicianCardEvent, TechnicianOverview } from '../../kiosk-shell/api/contract';
import { sessionMachine } from './session';
import type { SessionEndReason } from './session';
import { technicianMachine } from './technician';
import { fakeSessionActors, flush } from './test-fixtures';

const GOOD: TechnicianCardEvent = { ok: true, token: 'session-token-0123456789', idleTimeoutS: 300 };
const REVOKED: TechnicianCardEvent = { ok: false, problem: 'revoked', attemptsLeft: 3 };

function technicianFlow(overviews: string[]) {
  return technicianMachine.provide({
    actors: {
      loadOverview: fromPromise<TechnicianOverview, { token: string }>(({ input }) => {
        overviews.push(input.token);
        return new Promise<TechnicianOverview>(() => undefined);
      }),
    },
  });
}

async function session(overviews: string[] = [], ended: SessionEndReason[] = []) {
  const machine = sessionMachine.provide({
    actors: { ...fakeSessionActors({ ended }), technicianFlow: technicianFlow(overviews) },
  });
  const actor = createActor(machine).start();
  await flush();
  return actor;
}

const technicianOf = (actor: Awaited<ReturnType<typeof session>>) =>
  actor.getSnapshot().children.technician as ActorRefFrom<typeof technicianMachine>;

describe('technician card in the session machine', () => {
  it('opens the technician screens from the attract screen with the session of a good card', async () => {
    const overviews: string[] = [];
    const actor = await session(overviews);
    expect(actor.getSnapshot().value).toBe('attract');
    actor.send({ type: 'technician.card', card: GOOD });
    await flush();
    expect(actor.getSnapshot().value).toBe('technician');
    expect(technicianOf(actor).getSnapshot().matches('session')).toBe(true);
    expect(overviews).toEqual([GOOD.ok ? GOOD.token : '']);
  });

  it('shows why a card was refused on the PIN pad, and still takes the PIN there', async () => {
    const actor = await session();
    actor.send({ type: 'technician.card', card: REVOKED });
    await flush();
    const technician = technicianOf(actor).getSnapshot();
    expect(technician.value).toBe('pin');
    expect(technician.context).toMatchObject({ problem: 'card', cardProblem: 'revoked', attemptsLeft: 3, token: null });
    // A good card on the PIN pad opens the screens.
    actor.send({ type: 'technician.card', card: GOOD });
    await flush();
    expect(technicianOf(actor).getSnapshot().matches('session')).toBe(true);
  });

  it('ends the resident session at home first, and ignores a card while a service is in progress', async () => {
    const ended: SessionEndReason[] = [];
    const actor = await session([], ended);
    actor.send({ type: 'screen.touched' });
    actor.send({ type: 'service.selected', service: 'info' });
    actor.send({ type: 'technician.card', card: GOOD });
    await flush();
    expect(actor.getSnapshot().matches({ active: { screen: 'info' } })).toBe(true);
    actor.send({ type: 'back.requested' });
    actor.send({ type: 'technician.card', card: GOOD });
    await flush();
    expect(ended).toEqual(['home']);
    expect(actor.getSnapshot().value).toBe('technician');
  });

  it('reports a lockout from a card as the PIN pad does', async () => {
    const actor = await session();
    actor.send({
      type: 'technician.card',
      card: { ok: false, problem: 'locked', retryAt: '2026-11-27T23:00:00.000Z' },
    });
    await flush();
    expect(technicianOf(actor).getSnapshot().context).toMatchObject({
      problem: 'locked',
      retryAt: '2026-11-27T23:00:00.000Z',
    });
  });
});
