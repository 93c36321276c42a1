import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, setup, waitFor } from 'xstate';
import type { AnyActorRef, EventObject, SnapshotFrom } from 'xstate';
import { getAdjacencyMap, getShortestPaths, getStateNodes } from 'xstate/graph';
import type {
  Identity,
  Locale,
  PickupCollectInput,
  PickupCollected,
  PickupLookup,
  ReaderRead,
} from '../../kiosk-shell/api/contract';
import type { KioskApi } from '../api/client';
import { KioskApiError } from '../api/unwrap';
import { pickupFlow } from '../app/wire-pickup';
import type { FlowInput } from './flow';
import type { IdentifyInput, IdentifyMachine, IdentifyOutput } from './identify';
import { groupPickupCode, isPickupCodeComplete, normalisePickupCode, pickupEventOf, pickupMachine } from './pickup';
import type { PickupEvent } from './pickup';
import { flowKiosk as kiosk, printerReady } from './test-fixtures';

const input: FlowInput = { kiosk, locale: 'it', printer: printerReady };

const identity: Identity = {
  source: 'scanner',
  codiceFiscale: 'RSSMRA80A01L378X',
  surname: null,
  givenNames: null,
  birthDate: null,
  document: null,
};
const SECRET = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYX';
const PICKUP_CODE = '000G40R40M30E209185GR38E1W8124GK2GAHC5R';
const ready: PickupLookup = {
  status: 'ready',
  receiptCode: 'K7Q2-9FXM',
  title: { it: 'Certificato di residenza', en: 'Residence certificate' },
  issuedAt: '2025-03-01T09:00:00.000Z',
  expiresAt: '2025-03-31T09:00:00.000Z',
};
const receiptText = { locale: 'it' as const, lines: ['Certificato di residenza'], codes: [], pickupCode: null };
const collected: PickupCollected = {
  print: { printed: true, problem: null, receipt: receiptText },
  title: 'Certificato di residenza',
  verificationCode: 'C240-7KQ2-M9XD',
};
const apiError = (code: string) => new KioskApiError({ code: code as never, message: 'test' });

/** Stands in for the identification flow: waits for a card, or is cancelled by back. */
const identifyStub = setup({
  types: {
    input: {} as IdentifyInput,
    output: {} as IdentifyOutput,
    context: {} as { locale: Locale },
    events: {} as { type: 'card.read' } | { type: 'back' } | { type: 'locale.changed'; locale: Locale },
  },
}).createMachine({
  context: ({ input }) => ({ locale: input.locale }),
  initial: 'waiting',
  states: {
    waiting: { on: { 'card.read': 'identified', back: 'cancelled' } },
    identified: { type: 'final', output: { outcome: 'identified', identity } satisfies IdentifyOutput },
    cancelled: { type: 'final', output: { outcome: 'cancelled' } satisfies IdentifyOutput },
  },
  output: ({ event }) => (event as unknown as { output: IdentifyOutput }).output,
});

type Options = {
  find?: (code: string) => Promise<PickupLookup>;
  collect?: (input: PickupCollectInput) => Promise<PickupCollected>;
  printer?: FlowInput['printer'];
};

function start(options: Options = {}) {
  let reader: ((read: ReaderRead) => void) | null = null;
  const finds: string[] = [];
  const collects: PickupCollectInput[] = [];
  const machine = pickupMachine.provide({
    actors: {
      receiptScans: fromCallback<PickupEvent>(({ sendBack }) => {
        reader = (read) => sendBack(pickupEventOf(read));
        return () => {
          reader = null;
        };
      }),
      findDocument: fromPromise<PickupLookup, { receiptCode: string }>(({ input: { receiptCode } }) => {
        finds.push(receiptCode);
        return options.find ? options.find(receiptCode) : Promise.resolve(ready);
      }),
      identify: identifyStub as unknown as IdentifyMachine,
      collectDocument: fromPromise<PickupCollected, PickupCollectInput>(({ input: request }) => {
        collects.push(request);
        return options.collect ? options.collect(request) : Promise.resolve(collected);
      }),
    },
  });
  const actor = createActor(machine, {
    input: { ...input, printer: options.printer === undefined ? printerReady : options.printer },
  }).start();
  return {
    actor,
    finds,
    collects,
    scan: (read: ReaderRead) => reader?.(read),
    listening: () => reader !== null,
    async showCard() {
      await waitFor(actor, (s) => s.matches('identifying'));
      (actor.getSnapshot().children.identify as AnyActorRef).send({ type: 'card.read' });
    },
  };
}

const scanned: ReaderRead = { kind: 'receipt', reader: 'scanner', requestCode: 'K7Q2-9FXM', pickupSecret: SECRET };

// ── The graph: every state reachable, every path ends home or at the end ─────

describe('pickup flow graph', { timeout: 30_000 }, () => {
  const done = (id: string, output: unknown) => ({ type: `xstate.done.actor.${id}`, output });
  const error = (id: string, code: string) => ({ type: `xstate.error.actor.${id}`, error: apiError(code) });
  const events = [
    { type: 'receipt.scanned', requestCode: 'K7Q2-9FXM', pickupSecret: SECRET },
    { type: 'receipt.scanned', requestCode: 'nonsense', pickupSecret: null },
    { type: 'receipt.unusable', problem: 'unreadable' },
    { type: 'code.typed', code: 'k7q2 9fxm' },
    { type: 'code.submitted' },
    { type: 'pickupCode.typed', code: PICKUP_CODE },
    { type: 'pickupCode.submitted' },
    done('find', ready),
    done('find', { status: 'unknown' }),
    done('find', { status: 'notReady' }),
    done('find', { status: 'collected', collectedAt: '2025-03-02T09:00:00.000Z' }),
    done('find', { status: 'expired', expiredAt: '2025-03-02T09:00:00.000Z' }),
    done('find', { status: 'locked', until: '2025-03-02T09:00:00.000Z' }),
    error('find', 'INTERNAL'),
    done('identify', { outcome: 'identified', identity }),
    done('identify', { outcome: 'cancelled' }),
    done('collect', collected),
    done('collect', { ...collected, print: { printed: false, problem: 'PAPER_OUT', receipt: receiptText } }),
    error('collect', 'PICKUP_WRONG_CODE'),
    error('collect', 'PICKUP_WRONG_CARD'),
    error('collect', 'RATE_LIMITED'),
    error('collect', 'NOT_FOUND'),
    error('collect', 'INTERNAL'),
    { type: 'retry.requested' },
    { type: 'finish.requested' },
    { type: 'anotherService.requested' },
    { type: 'back' },
  ] as unknown as PickupEvent[];
  const traversal = {
    input,
    events,
    // While identifying, back goes to the identification flow (not running here): its cancelled outcome stands for it.
    filterEvents: (s: SnapshotFrom<typeof pickupMachine>, e: EventObject) =>
      !(s.matches('identifying') && e.type === 'back') && s.can(e as PickupEvent),
    serializeState: (s: SnapshotFrom<typeof pickupMachine>) => {
      const c = s.context;
      return JSON.stringify([
        s.value,
        s.status,
        c.requestCode,
        c.pickupSecret !== null,
        isPickupCodeComplete(c.typedPickupCode),
        c.typedCode !== '',
        c.identity !== null,
        c.lookup?.status ?? null,
      ]);
    },
  };
  const leafIds = (s: SnapshotFrom<typeof pickupMachine>) =>
    getStateNodes(pickupMachine.root)
      .filter((n) => n.type !== 'compound' && s.matches(n.path.join('.') as never))
      .map((n) => n.id);

  it('reaches every state of the flow', () => {
    const paths = getShortestPaths(pickupMachine, traversal as never);
    const reached = new Set(paths.flatMap((p) => leafIds(p.state)));
    const all = getStateNodes(pickupMachine.root)
      .filter((n) => n.type !== 'compound')
      .map((n) => n.id);
    expect(all.filter((id) => !reached.has(id))).toEqual([]);
  });

  it('leaves no dead end: from every reachable state home or the end can be reached', () => {
    const adjacency = getAdjacencyMap(pickupMachine, traversal as never) as unknown as Record<
      string,
      { state: SnapshotFrom<typeof pickupMachine>; transitions: Record<string, { state: unknown }> }
    >;
    const keys = Object.keys(adjacency);
    const canFinish = new Set(keys.filter((k) => adjacency[k]!.state.status === 'done'));
    let grew = true;
    while (grew) {
      grew = false;
      for (const key of keys) {
        if (canFinish.has(key)) continue;
        const next = Object.values(adjacency[key]!.transitions).map((t) => traversal.serializeState(t.state as never));
        if (next.some((n) => canFinish.has(n))) {
          canFinish.add(key);
          grew = true;
        }
      }
    }
    expect(keys.filter((k) => !canFinish.has(k))).toEqual([]);
    const outputs = new Set(keys.filter((k) => canFinish.has(k)).map((k) => adjacency[k]!.state.output?.next));
    expect([...outputs].filter(Boolean).sort()).toEqual(['end', 'home']);
  });

  it('takes 2 taps by the shortest route: confirm the card, finish', () => {
    const paths = getShortestPaths(pickupMachine, {
      ...traversal,
      toState: (s: SnapshotFrom<typeof pickupMachine>) => s.status === 'done' && s.output?.next === 'end',
    });
    // Scanning the QR and showing the card are not taps; the stub's identified outcome stands for the confirm tap.
    const taps = (p: (typeof paths)[number]) =>
      p.steps.filter((step) => !String(step.event.type).startsWith('xstate.') && step.event.type !== 'receipt.scanned')
        .length + p.steps.filter((step) => String(step.event.type) === 'xstate.done.actor.identify').length;
    const collectedPaths = paths.filter((p) =>
      p.steps.some((s) => String(s.event.type) === 'xstate.done.actor.collect'),
    );
    expect(Math.min(...collectedPaths.map(taps))).toBe(2);
  });
});

// ── Behaviour ───────────────────────────────────────────────────────────────

describe('pickup flow', () => {
  it('scan the QR, show the same card: the document is collected with the scanned secret', async () => {
    const flow = start();
    expect(flow.listening()).toBe(true);
    flow.scan(scanned);
    await flow.showCard();
    const s = await waitFor(flow.actor, (st) => st.matches('done'));
    expect(flow.finds).toEqual(['K7Q29FXM']);
    expect(flow.collects).toEqual([
      { receiptCode: 'K7Q29FXM', key: { kind: 'scanned', pickupSecret: SECRET }, identity },
    ]);
    expect(s.context.collected).toEqual(collected);
    expect(flow.listening()).toBe(false);
    flow.actor.send({ type: 'finish.requested' });
    expect(flow.actor.getSnapshot().output).toEqual({ next: 'end' });
  });

  it('a typed receipt code asks for the pickup code printed under the QR, however it is spaced', async () => {
    const flow = start();
    flow.actor.send({ type: 'code.typed', code: 'k7q2-9fxm' });
    flow.actor.send({ type: 'code.submitted' });
    await waitFor(flow.actor, (s) => s.matches('typingPickupCode'));
    flow.actor.send({ type: 'pickupCode.typed', code: PICKUP_CODE.slice(0, 20) });
    flow.actor.send({ type: 'pickupCode.submitted' });
    expect(flow.actor.getSnapshot().value).toBe('typingPickupCode');
    flow.actor.send({ type: 'pickupCode.typed', code: groupPickupCode(PICKUP_CODE).toLowerCase() });
    flow.actor.send({ type: 'pickupCode.submitted' });
    await flow.showCard();
    await waitFor(flow.actor, (s) => s.matches('done'));
    expect(flow.collects[0]?.key).toEqual({ kind: 'typed', pickupCode: PICKUP_CODE });
  });

  it('says why nothing can be collected: no document yet, no such request, collected, expired, locked', async () => {
    const cases: Array<[PickupLookup, string]> = [
      [{ status: 'notReady' }, 'notReady'],
      [{ status: 'unknown' }, 'notFound'],
      [{ status: 'collected', collectedAt: '2025-03-02T09:00:00.000Z' }, 'alreadyCollected'],
      [{ status: 'expired', expiredAt: '2025-03-02T09:00:00.000Z' }, 'expired'],
      [{ status: 'locked', until: '2025-03-02T09:00:00.000Z' }, 'locked'],
    ];
    for (const [lookup, state] of cases) {
      const flow = start({ find: () => Promise.resolve(lookup) });
      flow.scan(scanned);
      await waitFor(flow.actor, (s) => s.matches(state as never));
      expect(flow.collects).toEqual([]);
    }
  });

  it('a wrong card can be followed by the right one; the identity is forgotten in between', async () => {
    let calls = 0;
    const flow = start({
      collect: () => (++calls === 1 ? Promise.reject(apiError('PICKUP_WRONG_CARD')) : Promise.resolve(collected)),
    });
    flow.scan(scanned);
    await flow.showCard();
    const wrong = await waitFor(flow.actor, (s) => s.matches('wrongCard'));
    expect(wrong.context.identity).toBeNull();
    flow.actor.send({ type: 'retry.requested' });
    await flow.showCard();
    await waitFor(flow.actor, (s) => s.matches('done'));
  });

  it('a wrong typed pickup code goes back to typing it; a wrong scanned one back to the start', async () => {
    const typed = start({ collect: () => Promise.reject(apiError('PICKUP_WRONG_CODE')) });
    typed.actor.send({ type: 'code.typed', code: 'K7Q29FXM' });
    typed.actor.send({ type: 'code.submitted' });
    await waitFor(typed.actor, (s) => s.matches('typingPickupCode'));
    typed.actor.send({ type: 'pickupCode.typed', code: PICKUP_CODE });
    typed.actor.send({ type: 'pickupCode.submitted' });
    await typed.showCard();
    await waitFor(typed.actor, (s) => s.matches('wrongCode'));
    typed.actor.send({ type: 'retry.requested' });
    expect(typed.actor.getSnapshot().value).toBe('typingPickupCode');
    expect(typed.actor.getSnapshot().context.typedPickupCode).toBe('');

    const qr = start({ collect: () => Promise.reject(apiError('PICKUP_WRONG_CODE')) });
    qr.scan(scanned);
    await qr.showCard();
    await waitFor(qr.actor, (s) => s.matches('wrongCode'));
    qr.actor.send({ type: 'retry.requested' });
    expect(qr.actor.getSnapshot().value).toBe('waiting');
    expect(qr.actor.getSnapshot().context.pickupSecret).toBeNull();
  });

  it('too many attempts lock the pickup; the resident is sent to a staffed counter', async () => {
    const flow = start({ collect: () => Promise.reject(apiError('RATE_LIMITED')) });
    flow.scan(scanned);
    await flow.showCard();
    await waitFor(flow.actor, (s) => s.matches('locked'));
    flow.actor.send({ type: 'finish.requested' });
    expect(flow.actor.getSnapshot().output).toEqual({ next: 'end' });
  });

  it('when the printer fails the document is not lost: try again', async () => {
    let calls = 0;
    const flow = start({
      collect: () =>
        Promise.resolve(
          ++calls === 1
            ? { ...collected, print: { printed: false, problem: 'PAPER_OUT' as const, receipt: receiptText } }
            : collected,
        ),
    });
    flow.scan(scanned);
    await flow.showCard();
    await waitFor(flow.actor, (s) => s.matches('printFailed'));
    flow.actor.send({ type: 'retry.requested' });
    await waitFor(flow.actor, (s) => s.matches('done'));
    expect(flow.collects).toHaveLength(2);
  });

  it('a card cancelled, or back, forgets the receipt and its secret', async () => {
    const flow = start();
    flow.scan(scanned);
    await waitFor(flow.actor, (s) => s.matches('identifying'));
    (flow.actor.getSnapshot().children.identify as AnyActorRef).send({ type: 'back' });
    const s = await waitFor(flow.actor, (st) => st.matches('waiting'));
    expect(s.context).toMatchObject({ pickupSecret: null, requestCode: null, identity: null, lookup: null });
    flow.actor.send({ type: 'back' });
    expect(flow.actor.getSnapshot().output).toEqual({ next: 'home' });
  });

  it('tells an identity card or a bad read apart from a receipt', () => {
    const flow = start();
    flow.scan({ kind: 'identity', reader: 'scanner', identity });
    expect(flow.actor.getSnapshot().context.scanProblem).toBe('notAReceipt');
    flow.scan({ kind: 'problem', reader: 'scanner', problem: 'unreadable' });
    expect(flow.actor.getSnapshot().context.scanProblem).toBe('unreadable');
    expect(flow.actor.getSnapshot().value).toBe('waiting');
  });

  it('normalises a typed pickup code as the runtime does', () => {
    expect(normalisePickupCode(' abcd-efgh oil ')).toBe('ABCDEFGH011');
    expect(isPickupCodeComplete(groupPickupCode(PICKUP_CODE))).toBe(true);
    expect(isPickupCodeComplete(PICKUP_CODE.slice(1))).toBe(false);
  });
});

describe('pickup flow: wired to the kiosk API', () => {
  it('calls pickup.find and pickup.collect, and listens to the reader only while waiting', async () => {
    const listeners = new Set<(read: ReaderRead) => void>();
    const calls: Array<[string, unknown]> = [];
    const api = {
      call: (method: string, callInput: unknown) => {
        calls.push([method, callInput]);
        return Promise.resolve({ ok: true, value: method === 'pickup.find' ? ready : collected });
      },
      on: (_event: string, listener: (read: ReaderRead) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    } as unknown as KioskApi;
    const actor = createActor(pickupFlow(api), { input }).start();
    for (const l of [...listeners]) l(scanned);
    await waitFor(actor, (s) => s.matches('identifying'));
    // The identification flow now listens for the card.
    for (const l of [...listeners]) l({ kind: 'identity', reader: 'scanner', identity });
    await waitFor(actor, (s) => (s.children.identify?.getSnapshot() as { value?: unknown })?.value === 'confirming');
    (actor.getSnapshot().children.identify as AnyActorRef).send({ type: 'identity.confirmed' });
    await waitFor(actor, (s) => s.matches('done'));
    expect(calls).toEqual([
      ['pickup.find', { receiptCode: 'K7Q29FXM' }],
      ['pickup.collect', { receiptCode: 'K7Q29FXM', key: { kind: 'scanned', pickupSecret: SECRET }, identity }],
    ]);
    expect(listeners.size).toBe(0);
  });
});
