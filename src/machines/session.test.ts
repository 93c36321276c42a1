import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, fromPromise, initialTransition, setup, transition } from 'xstate';
import type { KioskDescription } from '../../kiosk-shell/api/contract';
import { IDLE_WARNING_SECONDS, sessionMachine } from './session';
import type { SessionEndReason } from './session';
import type { FlowEvent, FlowInput, FlowOutput } from './flow';
import type { CertificateMachine } from './certificate';
import type { ReportMachine } from './report';
import type { StatusMachine } from './status';
import { demoKiosk as kiosk, fakeSessionActors, flush, printerOut } from './test-fixtures';

function fakeMachine(opts: { describe?: () => Promise<KioskDescription>; ended?: SessionEndReason[] } = {}) {
  return sessionMachine.provide({
    actors: fakeSessionActors(opts),
    delays: { IDLE_TIMEOUT: 1000, COUNTDOWN_TICK: 100, BOOT_RETRY: 500 },
  });
}

async function started(machine = fakeMachine()) {
  const clock = new SimulatedClock();
  const actor = createActor(machine, { clock }).start();
  await flush();
  return { actor, clock };
}

describe('session machine (pure transitions)', () => {
  it('starts by asking the runtime who this kiosk is', () => {
    const [snapshot, actions] = initialTransition(sessionMachine);
    expect(snapshot.value).toBe('booting');
    expect(actions.some((a) => a.type === 'xstate.spawnChild')).toBe(true);
  });

  it('goes from the attract screen to home on a touch', () => {
    const attract = sessionMachine.resolveState({ value: 'attract', context: { ...initialContext(), kiosk } });
    const [next] = transition(sessionMachine, attract, { type: 'screen.touched' });
    expect(next.matches({ active: { screen: 'home', idle: 'watching' } })).toBe(true);
  });

  it('takes the chosen language on the attract screen straight into the session', () => {
    const attract = sessionMachine.resolveState({ value: 'attract', context: { ...initialContext(), kiosk } });
    const [next] = transition(sessionMachine, attract, { type: 'language.selected', locale: 'ar' });
    expect(next.context.locale).toBe('ar');
    expect(next.matches({ active: { screen: 'home' } })).toBe(true);
  });

  it('opens a service from home and goes back home from it', () => {
    const home = sessionMachine.resolveState({
      value: { active: { screen: 'home', idle: 'watching' } },
      context: { ...initialContext(), kiosk },
    });
    const [info] = transition(sessionMachine, home, { type: 'service.selected', service: 'info' });
    expect(info.matches({ active: { screen: 'info' } })).toBe(true);
    const [back] = transition(sessionMachine, info, { type: 'back.requested' });
    expect(back.matches({ active: { screen: 'home' } })).toBe(true);
    const [home2] = transition(sessionMachine, info, { type: 'home.requested' });
    expect(home2.matches({ active: { screen: 'home' } })).toBe(true);
  });

  it('goes out of service when the runtime says so, and back when it clears', () => {
    const home = sessionMachine.resolveState({
      value: { active: { screen: 'home', idle: 'watching' } },
      context: { ...initialContext(), kiosk },
    });
    const [oos] = transition(sessionMachine, home, {
      type: 'kiosk.statusChanged',
      status: { inService: false, outOfServiceReason: 'STORE_INTEGRITY' },
    });
    expect(oos.value).toBe('outOfService');
    const [back] = transition(sessionMachine, oos, {
      type: 'kiosk.statusChanged',
      status: { inService: true, outOfServiceReason: null },
    });
    expect(back.value).toBe('attract');
  });
});

function initialContext() {
  return initialTransition(sessionMachine)[0].context;
}

describe('session machine (with a simulated clock)', () => {
  it('shows the attract screen once the runtime describes an in-service kiosk', async () => {
    const { actor } = await started();
    expect(actor.getSnapshot().value).toBe('attract');
    expect(actor.getSnapshot().context.kiosk?.frazione).toBe('Colombiera');
  });

  it('shows out of service at boot when the store failed its check', async () => {
    const { actor } = await started(
      fakeMachine({
        describe: () =>
          Promise.resolve({ ...kiosk, status: { inService: false, outOfServiceReason: 'STORE_INTEGRITY' } }),
      }),
    );
    expect(actor.getSnapshot().value).toBe('outOfService');
    actor.send({ type: 'screen.touched' });
    expect(actor.getSnapshot().value).toBe('outOfService');
  });

  it('retries the runtime after BOOT_RETRY when it does not answer', async () => {
    let calls = 0;
    const { actor, clock } = await started(
      fakeMachine({
        describe: () => (++calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve(kiosk)),
      }),
    );
    expect(actor.getSnapshot().value).toBe('unreachable');
    clock.increment(500);
    await flush();
    expect(actor.getSnapshot().value).toBe('attract');
    expect(calls).toBe(2);
  });

  it('asks "more time?" after IDLE_TIMEOUT without input, and any input before that restarts the wait', async () => {
    const { actor, clock } = await started();
    actor.send({ type: 'screen.touched' });
    clock.increment(900);
    actor.send({ type: 'user.acted' });
    clock.increment(900);
    expect(actor.getSnapshot().matches({ active: { idle: 'watching' } })).toBe(true);
    clock.increment(100);
    expect(actor.getSnapshot().matches({ active: { idle: 'warning' } })).toBe(true);
    expect(actor.getSnapshot().context.secondsLeft).toBe(IDLE_WARNING_SECONDS);
  });

  it('counts down once per tick and gives more time when asked, keeping the screen', async () => {
    const { actor, clock } = await started();
    actor.send({ type: 'screen.touched' });
    actor.send({ type: 'service.selected', service: 'info' });
    clock.increment(1000);
    clock.increment(100);
    clock.increment(100);
    expect(actor.getSnapshot().context.secondsLeft).toBe(IDLE_WARNING_SECONDS - 2);
    actor.send({ type: 'idle.moreTimeRequested' });
    const s = actor.getSnapshot();
    expect(s.matches({ active: { screen: 'info', idle: 'watching' } })).toBe(true);
    expect(s.context.extensions).toBe(1);
  });

  it('ends the session when the countdown runs out: back to attract, language and state wiped', async () => {
    const ended: SessionEndReason[] = [];
    const { actor, clock } = await started(fakeMachine({ ended }));
    actor.send({ type: 'language.selected', locale: 'de' });
    actor.send({ type: 'service.selected', service: 'info' });
    expect(actor.getSnapshot().children.info).toBeDefined();
    clock.increment(1000);
    for (let i = 0; i < IDLE_WARNING_SECONDS; i++) clock.increment(100);
    await flush();
    const s = actor.getSnapshot();
    expect(s.value).toBe('attract');
    expect(s.context.locale).toBe('it');
    expect(s.context.extensions).toBe(0);
    expect(s.children.info).toBeUndefined();
    expect(ended).toEqual(['idle']);
  });

  it('ends the session when the resident says they are done, and when they go back from home', async () => {
    const ended: SessionEndReason[] = [];
    const { actor, clock } = await started(fakeMachine({ ended }));
    actor.send({ type: 'screen.touched' });
    clock.increment(1000);
    actor.send({ type: 'idle.finishRequested' });
    await flush();
    expect(actor.getSnapshot().value).toBe('attract');
    actor.send({ type: 'screen.touched' });
    actor.send({ type: 'back.requested' });
    await flush();
    expect(actor.getSnapshot().value).toBe('attract');
    expect(ended).toEqual(['done', 'home']);
  });

  it('still wipes the session when the runtime cannot record its end', async () => {
    const machine = fakeMachine().provide({
      actors: { reportSessionEnd: fromPromise(() => Promise.reject(new Error('runtime gone'))) },
    });
    const { actor } = await started(machine);
    actor.send({ type: 'language.selected', locale: 'fr' });
    actor.send({ type: 'back.requested' });
    await flush();
    expect(actor.getSnapshot().value).toBe('attract');
    expect(actor.getSnapshot().context.locale).toBe('it');
  });
});

describe('session machine running a service flow', () => {
  /** A stand-in flow: records what the session forwards and ends as told. */
  function stubFlow(seen: string[]) {
    return setup({
      types: { input: {} as FlowInput, output: {} as FlowOutput, events: {} as FlowEvent | { type: 'finish' } },
    }).createMachine({
      initial: 'open',
      context: {},
      states: {
        open: {
          on: {
            back: { target: 'home', actions: () => seen.push('back') },
            'locale.changed': { actions: ({ event }) => seen.push(`locale:${event.locale}`) },
            'printer.changed': { actions: ({ event }) => seen.push(`printer:${event.printer.problem}`) },
          },
        },
        home: { type: 'final' },
      },
      output: (): FlowOutput => ({ next: 'home' }),
    });
  }

  function finishingFlow() {
    return setup({ types: { input: {} as FlowInput, output: {} as FlowOutput } }).createMachine({
      initial: 'done',
      states: { done: { type: 'final' } },
      output: (): FlowOutput => ({ next: 'end' }),
    });
  }

  const printer = printerOut;

  it('forwards back, the language and the printer to the flow, and returns home when it ends', async () => {
    const seen: string[] = [];
    const machine = fakeMachine().provide({
      actors: { certificateFlow: stubFlow(seen) as unknown as CertificateMachine },
    });
    const { actor } = await started(machine);
    actor.send({ type: 'screen.touched' });
    actor.send({ type: 'service.selected', service: 'certificate' });
    expect(actor.getSnapshot().matches({ active: { screen: 'certificate' } })).toBe(true);
    actor.send({ type: 'language.selected', locale: 'de' });
    actor.send({ type: 'printer.changed', printer });
    actor.send({ type: 'back.requested' });
    await flush();
    expect(seen).toEqual(['locale:de', 'printer:PAPER_OUT', 'back']);
    expect(actor.getSnapshot().matches({ active: { screen: 'home' } })).toBe(true);
    expect(actor.getSnapshot().context.locale).toBe('de');
  });

  it('leaves a flow for home at once when the resident asks, stopping it', async () => {
    const seen: string[] = [];
    const machine = fakeMachine().provide({ actors: { reportFlow: stubFlow(seen) as unknown as ReportMachine } });
    const { actor } = await started(machine);
    actor.send({ type: 'screen.touched' });
    actor.send({ type: 'service.selected', service: 'report' });
    expect(actor.getSnapshot().children.flow).toBeDefined();
    actor.send({ type: 'home.requested' });
    expect(actor.getSnapshot().matches({ active: { screen: 'home' } })).toBe(true);
    expect(actor.getSnapshot().children.flow).toBeUndefined();
  });

  it('ends the whole session when a flow says the resident is done', async () => {
    const ended: SessionEndReason[] = [];
    const machine = fakeMachine({ ended }).provide({
      actors: { statusFlow: finishingFlow() as unknown as StatusMachine },
    });
    const { actor } = await started(machine);
    actor.send({ type: 'screen.touched' });
    actor.send({ type: 'service.selected', service: 'status' });
    await flush();
    expect(actor.getSnapshot().value).toBe('attract');
    expect(ended).toEqual(['done']);
  });

  it('drops a flow that is running when the idle countdown runs out', async () => {
    const ended: SessionEndReason[] = [];
    const machine = fakeMachine({ ended }).provide({
      actors: { certificateFlow: stubFlow([]) as unknown as CertificateMachine },
    });
    const { actor, clock } = await started(machine);
    actor.send({ type: 'screen.touched' });
    actor.send({ type: 'service.selected', service: 'certificate' });
    clock.increment(1000);
    for (let i = 0; i < IDLE_WARNING_SECONDS; i++) clock.increment(100);
    await flush();
    expect(actor.getSnapshot().value).toBe('attract');
    expect(actor.getSnapshot().children.flow).toBeUndefined();
    expect(ended).toEqual(['idle']);
  });
});

describe('session machine with speech output on', () => {
  it('doubles the idle wait and the countdown while speech is on, and keeps that across sessions', async () => {
    const ended: SessionEndReason[] = [];
    const { describeKiosk, reportSessionEnd } = fakeSessionActors({ ended });
    const machine = sessionMachine.provide({ actors: { describeKiosk, reportSessionEnd } });
    const { actor, clock } = await started(machine);
    actor.send({ type: 'access.timeFactorChanged', factor: 2 });
    actor.send({ type: 'screen.touched' });
    clock.increment(60_000);
    expect(actor.getSnapshot().matches({ active: { idle: 'watching' } })).toBe(true);
    clock.increment(60_000);
    expect(actor.getSnapshot().matches({ active: { idle: 'warning' } })).toBe(true);
    expect(actor.getSnapshot().context.secondsLeft).toBe(IDLE_WARNING_SECONDS * 2);
    // More time, as often as asked: at least ten times.
    for (let i = 0; i < 12; i++) {
      actor.send({ type: 'idle.moreTimeRequested' });
      clock.increment(120_000);
    }
    expect(actor.getSnapshot().context.extensions).toBe(12);
    actor.send({ type: 'idle.finishRequested' });
    await flush();
    expect(actor.getSnapshot().value).toBe('attract');
    expect(actor.getSnapshot().context.timeFactor).toBe(2);
    expect(ended).toEqual(['done']);
  });
});
