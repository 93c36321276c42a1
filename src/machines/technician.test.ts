import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import type { TechnicianLogin, TechnicianOverview } from '../../kiosk-shell/api/contract';
import { technicianMachine } from './technician';
import type { ActionResult, RestartTarget, TechAction, TechnicianEvent, TechnicianMachine } from './technician';

const overview = { appVersion: '0.1.0' } as unknown as TechnicianOverview;
const unauthorized = Object.assign(new Error('expired'), { code: 'UNAUTHORIZED' });

function start(opts: {
  login?: (pin: string) => Promise<TechnicianLogin>;
  run?: (action: TechAction) => Promise<ActionResult>;
  load?: () => Promise<TechnicianOverview>;
  delays?: { PIN_IDLE?: number; SESSION_IDLE?: number };
  restart?: (target: RestartTarget) => Promise<void>;
}) {
  const restarts: RestartTarget[] = [];
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
      restart: fromPromise<void, { token: string; target: RestartTarget }>(({ input }) => {
        restarts.push(input.target);
        return (opts.restart ?? (() => Promise.resolve()))(input.target);
      }),
    },
    delays: { PIN_IDLE: 60_000, SESSION_IDLE: 300_000, ...opts.delays },
  });
  const actor = createActor(machine).start();
  const typePin = (pin: string) => {
    for (const digit of pin) actor.send({ type: 'pin.digit', digit });
    actor.send({ type: 'pin.submitted' });
  };
  return { actor, pins, loggedOut, restarts, typePin };
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
      { type: 'restart.requested', target: 'runtime' },
      { type: 'xstate.done.actor.restart' },
      { type: 'xstate.error.actor.restart', error: unauthorized },
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
      'restarting',
      'leaving',
      'done',
    ]) {
      expect(reached, JSON.stringify(value)).toContain(JSON.stringify(value));
    }
  });

  it('keeps progress only for the action running, and where it stopped once it ends', () => {
    const sync = (done: number) => ({ action: 'syncNow', done, total: 120 });
    const events = [
      { type: 'pin.digit', digit: '1' },
      { type: 'pin.submitted' },
      { type: 'xstate.done.actor.login', output: { ok: true, token: 't', idleTimeoutS: 300 } },
      { type: 'xstate.done.actor.overview', output: overview },
      { type: 'action.requested', action: { kind: 'syncNow' } },
      { type: 'action.requested', action: { kind: 'checkIntegrity' } },
      { type: 'action.progressed', progress: sync(50) },
      { type: 'action.progressed', progress: { action: 'checkIntegrity', done: 3, total: 15 } },
      { type: 'xstate.error.actor.action', error: { code: 'HUB_UNREACHABLE' } },
    ] as unknown as TechnicianEvent[];
    const serializeState = (s: SnapshotFrom<TechnicianMachine>) =>
      JSON.stringify({
        value: s.value,
        pin: Math.min(s.context.pin.length, 4),
        action: s.context.action,
        progress: s.context.progress,
      });
    const reached = getShortestPaths(technicianMachine, { events, serializeState }).map((p) => p.state);
    for (const state of reached) {
      const { action, progress } = state.context;
      // A report never lands on another action's screen.
      if (progress !== null) expect(action?.kind).toBe(progress.action);
    }
    const stopped = reached.find(
      (s) => s.matches({ session: { screen: 'ready' } }) && s.context.action?.state === 'failed' && s.context.progress,
    );
    expect(stopped?.context).toMatchObject({
      action: { kind: 'syncNow', state: 'failed', code: 'HUB_UNREACHABLE' },
      progress: sync(50),
    });
    // Outside a running action a report changes nothing.
    expect(
      reached.some(
        (s) => s.matches({ session: { screen: 'ready' } }) && s.context.action === null && s.context.progress,
      ),
    ).toBe(false);
  });

  it('follows the reports of a running sync to the end, and starts the next action without them', async () => {
    let finish: (result: ActionResult) => void = () => undefined;
    const { actor, typePin } = start({ run: () => new Promise<ActionResult>((resolve) => (finish = resolve)) });
    typePin('1357');
    await waitFor(actor, (s) => s.matches({ session: { screen: 'ready' } }));
    actor.send({ type: 'action.requested', action: { kind: 'syncNow' } });
    expect(actor.getSnapshot().context.progress).toBeNull();
    for (const done of [0, 50, 100, 120]) {
      actor.send({ type: 'action.progressed', progress: { action: 'syncNow', done, total: 120 } });
      expect(actor.getSnapshot().context.progress).toEqual({ action: 'syncNow', done, total: 120 });
    }
    finish({ kind: 'syncNow', sync: { queued: 0 } as never });
    await waitFor(actor, (s) => s.context.action?.state === 'done');
    // A late report after the answer is ignored; the bar stays full.
    actor.send({ type: 'action.progressed', progress: { action: 'syncNow', done: 7, total: 9 } });
    expect(actor.getSnapshot().context.progress).toEqual({ action: 'syncNow', done: 120, total: 120 });
    actor.send({ type: 'action.requested', action: { kind: 'checkIntegrity' } });
    expect(actor.getSnapshot().context.progress).toBeNull();
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

  it('keeps the previews and a refused configuration change, and takes the new configuration when applied', async () => {
    const config = {
      hubUrl: 'http://hub',
      frazione: 'Colombiera',
      devices: { printer: '/dev/a', barcode: null, magstripe: null, mrz: null },
    };
    const answers: ActionResult[] = [
      {
        kind: 'previews',
        previews: [{ id: 1, at: '2025-03-10T09:00:00Z', kind: 'test', printed: true, problem: null, svg: '<svg/>' }],
      },
      { kind: 'configure', result: { ok: false, problem: 'path-missing', field: 'devices.printer' } },
      {
        kind: 'configure',
        result: { ok: true, config: { ...config, hubUrl: 'http://new' }, reopened: [], syncRestarted: true },
      },
    ];
    const { actor, typePin } = start({
      run: () => Promise.resolve(answers.shift()!),
      load: () => Promise.resolve({ ...overview, config } as TechnicianOverview),
    });
    typePin('1357');
    await waitFor(actor, (s) => s.matches({ session: { screen: 'ready' } }));
    actor.send({ type: 'action.requested', action: { kind: 'previews' } });
    await waitFor(actor, (s) => s.context.action?.state === 'done');
    expect(actor.getSnapshot().context.previews).toHaveLength(1);
    actor.send({ type: 'action.requested', action: { kind: 'configure', change: { devices: { printer: '/dev/x' } } } });
    await waitFor(actor, (s) => s.context.configResult !== null);
    expect(actor.getSnapshot().context.configResult).toMatchObject({ ok: false, problem: 'path-missing' });
    expect(actor.getSnapshot().context.overview?.config.hubUrl).toBe('http://hub');
    actor.send({ type: 'action.requested', action: { kind: 'configure', change: { hubUrl: 'http://new' } } });
    await waitFor(actor, (s) => s.context.configResult?.ok === true);
    expect(actor.getSnapshot().context.overview?.config.hubUrl).toBe('http://new');
  });

  it('ends the session with a restart, and logs out when the restart was refused', async () => {
    const ok = start({});
    ok.typePin('1357');
    await waitFor(ok.actor, (s) => s.matches({ session: { screen: 'ready' } }));
    ok.actor.send({ type: 'restart.requested', target: 'runtime' });
    await waitFor(ok.actor, (s) => s.status === 'done');
    expect(ok.restarts).toEqual(['runtime']);
    expect(ok.actor.getSnapshot().context.token).toBeNull();

    const refused = start({ restart: () => Promise.reject(unauthorized) });
    refused.typePin('1357');
    await waitFor(refused.actor, (s) => s.matches({ session: { screen: 'ready' } }));
    refused.actor.send({ type: 'restart.requested', target: 'ui' });
    await waitFor(refused.actor, (s) => s.status === 'done');
    expect(refused.loggedOut).toEqual(['t'.repeat(43)]);
  });

  it('leaves the PIN pad by itself when nobody types', async () => {
    const { actor } = start({ delays: { PIN_IDLE: 20 } });
    actor.send({ type: 'pin.digit', digit: '1' });
    await waitFor(actor, (s) => s.status === 'done', { timeout: 1000 });
  });
});
