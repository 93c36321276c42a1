import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import type { TechnicianLogin, TechnicianOverview } from '../../kiosk-shell/api/contract';
import { technicianMachine } from './technician';
import type { ActionResult, TechAction, TechnicianEvent, TechnicianMachine } from './technician';

const overview = { appVersion: '0.1.0' } as unknown as TechnicianOverview;
const unauthorized = Object.assign(new Error('expired'), { code: 'UNAUTHORIZED' });

function start(opts: {
  login?: (pin: string) => Promise<TechnicianLogin>;
  run?: (action: TechAction) => Promise<ActionResult>;
  load?: () => Promise<TechnicianOverview>;
  delays?: { PIN_IDLE?: number; SESSION_IDLE?: number };
}) {
  const pins: string[] = [];
  const loggedOut: string[] = [];
  const machine = technicianMachine.provide({
    actors: {
      login: fromPromise<TechnicianLogin, { pin: string }>(({ input }) => {
        pins.push(input.pin);
        return (opts.login ?? (() => Promise.resolve({ ok: true, token: 't'.repeat(43), idleTimeoutS: 300 })))(
          input.pin,
        );
      }),
      loadOverview: fromPromise<TechnicianOverview, { token: string }>(() =>
        (opts.load ?? (() => Promise.resolve(overview)))(),
      ),
      runAction: fromPromise<ActionResult, { token: string; action: TechAction }>(({ input }) =>
        (opts.run ?? (() => Promise.resolve({ kind: 'testPrint', mm: 40 })))(input.action),
      ),
      logout: fromPromise<void, { token: string }>(({ input }) => {
        loggedOut.push(input.token);
        return Promise.resolve();
      }),
    },
    delays: { PIN_IDLE: 60_000, SESSION_IDLE: 300_000, ...opts.delays },
  });
  const actor = createActor(machine).start();
  const typePin = (pin: string) => {
    for (const digit of pin) actor.send({ type: 'pin.digit', digit });
    actor.send({ type: 'pin.submitted' });
  };
  return { actor, pins, loggedOut, typePin };
}

describe('technician machine', () => {
  it('reaches every state from the PIN pad', () => {
    const events = [
      { type: 'pin.digit', digit: '1' },
      { type: 'pin.submitted' },
      { type: 'pin.erase' },
      { type: 'xstate.done.actor.login', output: { ok: true, token: 't', idleTimeoutS: 300 } },
      { type: 'xstate.done.actor.login', output: { ok: false, problem: 'wrong', attemptsLeft: 4 } },
      { type: 'xstate.done.actor.overview', output: overview },
      { type: 'xstate.error.actor.overview', error: unauthorized },
      { type: 'action.requested', action: { kind: 'testPrint' } },
      { type: 'xstate.done.actor.action', output: { kind: 'testPrint', mm: 40 } },
      { type: 'xstate.error.actor.action', error: { code: 'PAPER_OUT' } },
      { type: 'exit.requested' },
      { type: 'xstate.done.actor.logout' },
    ] as unknown as TechnicianEvent[];
    const serializeState = (s: SnapshotFrom<TechnicianMachine>) =>
      JSON.stringify({ value: s.value, pin: s.context.pin.length >= 4 ? 'full' : s.context.pin.length });
    const reached = new Set(
      getShortestPaths(technicianMachine, { events, serializeState }).map((p) => JSON.stringify(p.state.value)),
    );
    for (const value of [
      'pin',
      'checking',
      { session: { screen: 'loading', idle: 'watching' } },
      { session: { screen: 'ready', idle: 'watching' } },
      { session: { screen: 'running', idle: 'watching' } },
      'leaving',
      'done',
    ]) {
      expect(reached, JSON.stringify(value)).toContain(JSON.stringify(value));
    }
  });

  it('submits only a PIN of at least four digits, and forgets it after the check', async () => {
    const { actor, pins, typePin } = start({});
    typePin('12');
    expect(actor.getSnapshot().matches('pin')).toBe(true);
    actor.send({ type: 'pin.erase' });
    typePin('3579');
    await waitFor(actor, (s) => s.matches({ session: { screen: 'ready' } }));
    expect(pins).toEqual(['13579']);
    expect(actor.getSnapshot().context.pin).toBe('');
  });

  it('shows tries left after a wrong PIN, and the lockout time when locked', async () => {
    const answers: TechnicianLogin[] = [
      { ok: false, problem: 'wrong', attemptsLeft: 1 },
      { ok: false, problem: 'locked', retryAt: '2025-03-10T09:00:30.000Z' },
    ];
    const { actor, typePin } = start({ login: () => Promise.resolve(answers.shift()!) });
    typePin('0000');
    await waitFor(actor, (s) => s.matches('pin') && s.context.problem === 'wrong');
    expect(actor.getSnapshot().context).toMatchObject({ pin: '', attemptsLeft: 1 });
    typePin('0000');
    await waitFor(actor, (s) => s.context.problem === 'locked');
    expect(actor.getSnapshot().context.retryAt).toBe('2025-03-10T09:00:30.000Z');
  });

  it('runs an action and records a failure code without leaving the screens', async () => {
    const { actor, typePin } = start({
      run: () => Promise.reject(Object.assign(new Error('x'), { code: 'PAPER_OUT' })),
    });
    typePin('1357');
    await waitFor(actor, (s) => s.matches({ session: { screen: 'ready' } }));
    actor.send({ type: 'action.requested', action: { kind: 'testPrint' } });
    await waitFor(actor, (s) => s.context.action?.state === 'failed');
    expect(actor.getSnapshot().context.action).toEqual({ kind: 'testPrint', state: 'failed', code: 'PAPER_OUT' });
    expect(actor.getSnapshot().matches({ session: { screen: 'ready' } })).toBe(true);
  });

  it('goes back to the PIN pad when the runtime no longer knows the session', async () => {
    const { actor, typePin } = start({ run: () => Promise.reject(unauthorized) });
    typePin('1357');
    await waitFor(actor, (s) => s.matches({ session: { screen: 'ready' } }));
    actor.send({ type: 'action.requested', action: { kind: 'syncNow' } });
    await waitFor(actor, (s) => s.matches('pin'));
    expect(actor.getSnapshot().context.token).toBeNull();
  });

  it('logs out after the session idle time without a touch, and a touch restarts it', async () => {
    const { actor, loggedOut, typePin } = start({ delays: { SESSION_IDLE: 80 } });
    typePin('1357');
    await waitFor(actor, (s) => s.matches({ session: { screen: 'ready' } }));
    await new Promise((r) => setTimeout(r, 50));
    actor.send({ type: 'user.acted' });
    await new Promise((r) => setTimeout(r, 50));
    expect(actor.getSnapshot().matches('session')).toBe(true);
    await waitFor(actor, (s) => s.status === 'done', { timeout: 1000 });
    expect(loggedOut).toEqual(['t'.repeat(43)]);
  });

  it('leaves the PIN pad by itself when nobody types', async () => {
    const { actor } = start({ delays: { PIN_IDLE: 20 } });
    actor.send({ type: 'pin.digit', digit: '1' });
    await waitFor(actor, (s) => s.status === 'done', { timeout: 1000 });
  });
});
