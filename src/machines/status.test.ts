import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, waitFor } from 'xstate';
import type { AnyStateNode, EventObject, Snapshot, StateValue } from 'xstate';
import { getAdjacencyMap, getShortestPaths, getStateNodes, serializeSnapshot } from 'xstate/graph';
import type { AdjacencyMap, AdjacencyValue } from 'xstate/graph';
import type { ReaderRead, RequestLookup } from '../../kiosk-shell/api/contract';
import type { KioskApi } from '../api/client';
import { KioskApiError } from '../api/unwrap';
import { statusFlow } from '../app/wire-status';
import type { FlowInput } from './flow';
import {
  formatReceiptCode,
  isAnswerStale,
  isReceiptCodeComplete,
  normaliseReceiptCode,
  receiptEventOf,
  statusMachine,
} from './status';
import type { LookupAnswer, StatusEvent } from './status';
import { flowKiosk as kiosk } from './test-fixtures';

const input: FlowInput = { kiosk, locale: 'it', printer: null };

const NOW = Date.parse('2025-03-02T10:00:00.000Z');

const found: RequestLookup = {
  found: true,
  receiptCode: 'K7Q29FXM',
  kind: 'report',
  service: 'lighting',
  serviceName: null,
  createdAt: '2025-03-01T09:30:00.000Z',
  delivery: 'delivered',
  protocolNumber: '2025/0001234',
  status: 'answered',
  answer: 'Il lampione sarà riparato entro venerdì.',
  statusAt: '2025-03-02T08:00:00.000Z',
  lastPullAt: '2025-03-02T09:58:00.000Z',
  online: true,
};

const identity: ReaderRead = {
  kind: 'identity',
  reader: 'magstripe',
  identity: {
    source: 'magstripe',
    codiceFiscale: 'RSSMRA80A01L378X',
    surname: null,
    givenNames: null,
    birthDate: null,
    document: null,
  },
};

/** A stand-in for the reader: tests push reads through it as the runtime would. */
function fakeReader() {
  let listener: ((read: ReaderRead) => void) | null = null;
  const receiptScans = fromCallback<StatusEvent>(({ sendBack }) => {
    listener = (read) => sendBack(receiptEventOf(read));
    return () => {
      listener = null;
    };
  });
  return {
    receiptScans,
    read: (read: ReaderRead) => listener?.(read),
    listening: () => listener !== null,
  };
}

function start(lookup: (code: string) => Promise<RequestLookup> = () => Promise.resolve(found)) {
  const reader = fakeReader();
  const asked: string[] = [];
  const machine = statusMachine.provide({
    actors: {
      receiptScans: reader.receiptScans,
      lookupRequest: fromPromise<LookupAnswer, { receiptCode: string }>(async ({ input: { receiptCode } }) => {
        asked.push(receiptCode);
        return { lookup: await lookup(receiptCode), checkedAt: NOW };
      }),
    },
  });
  const actor = createActor(machine, { input }).start();
  return { actor, reader, asked };
}

function stateIds(value: StateValue, prefix = 'status'): string[] {
  if (typeof value === 'string') return [`${prefix}.${value}`];
  return Object.entries(value).flatMap(([key, child]) => [
    `${prefix}.${key}`,
    ...(child ? stateIds(child, `${prefix}.${key}`) : []),
  ]);
}

/** The serialised states from which no sequence of the given events reaches a final state. */
function statesThatCannotEnd(adjacency: AdjacencyMap<Snapshot<unknown>, EventObject>): string[] {
  const vertices = Object.entries(adjacency) as Array<[string, AdjacencyValue<Snapshot<unknown>, EventObject>]>;
  const cameFrom = new Map<string, Set<string>>();
  for (const [key, { transitions }] of vertices) {
    for (const { state } of Object.values(transitions) as Array<{ state: Snapshot<unknown> }>) {
      const target = serializeSnapshot(state);
      cameFrom.set(target, (cameFrom.get(target) ?? new Set()).add(key));
    }
  }
  const canEnd = new Set(vertices.filter(([, v]) => v.state.status === 'done').map(([key]) => key));
  const queue = [...canEnd];
  for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
    for (const from of cameFrom.get(key) ?? []) {
      if (!canEnd.has(from)) {
        canEnd.add(from);
        queue.push(from);
      }
    }
  }
  return vertices.map(([key]) => key).filter((key) => !canEnd.has(key));
}

const graphEvents = [
  { type: 'receipt.scanned', requestCode: 'K7Q2-9FXM' },
  { type: 'receipt.scanned', requestCode: 'nonsense' },
  { type: 'receipt.unusable', problem: 'notAReceipt' },
  { type: 'code.typed', code: 'k7q2 9fxm' },
  { type: 'code.submitted' },
  { type: 'xstate.done.actor.lookupRequest', output: { lookup: found, checkedAt: NOW } },
  { type: 'xstate.done.actor.lookupRequest', output: { lookup: { found: false }, checkedAt: NOW } },
  { type: 'xstate.error.actor.lookupRequest', error: new KioskApiError({ code: 'INTERNAL', message: 'x' }) },
  { type: 'retry.requested' },
  { type: 'another.requested' },
  { type: 'finish.requested' },
  { type: 'back' },
] as unknown as StatusEvent[];

describe('status flow: the graph', () => {
  const reached = getShortestPaths(statusMachine, { input, events: graphEvents }).map((p) => p.state);

  it('reaches every state of the flow', () => {
    const visited = new Set(reached.flatMap((s) => stateIds(s.value)));
    const all = getStateNodes(statusMachine.root).map((n: AnyStateNode) => n.id);
    expect(all.filter((id) => !visited.has(id))).toEqual([]);
  });

  it('can end, from every state it reaches, at home or at the end of the session', () => {
    expect(statesThatCannotEnd(getAdjacencyMap(statusMachine, { input, events: graphEvents }))).toEqual([]);
    const outputs = new Set(reached.filter((s) => s.status === 'done').map((s) => s.output?.next));
    expect([...outputs].sort()).toEqual(['end', 'home']);
  });
});

describe('status flow: behaviour', () => {
  it('looks up a typed code, with or without a dash, in upper case', async () => {
    const { actor, asked } = start();
    actor.send({ type: 'code.typed', code: 'k7q2-9fx' });
    actor.send({ type: 'code.submitted' }); // 7 characters: not yet
    expect(actor.getSnapshot().value).toBe('waiting');
    actor.send({ type: 'code.typed', code: 'k7q2-9fxm' });
    actor.send({ type: 'code.submitted' });
    const s = await waitFor(actor, (st) => st.matches('found'));
    expect(asked).toEqual(['K7Q29FXM']);
    expect(s.context.found).toEqual(found);
    expect(s.context.stale).toBe(false);
    actor.send({ type: 'finish.requested' });
    expect(actor.getSnapshot().output).toEqual({ next: 'end' });
  });

  it('looks up the code of a scanned receipt', async () => {
    const { actor, reader, asked } = start();
    expect(reader.listening()).toBe(true);
    reader.read({ kind: 'receipt', reader: 'scanner', requestCode: 'K7Q2-9FXM', pickupSecret: null });
    await waitFor(actor, (st) => st.matches('found'));
    expect(asked).toEqual(['K7Q29FXM']);
    expect(reader.listening()).toBe(false); // the scanner is ignored once the code is known
  });

  it('says an identity card or a bad read is not a receipt, and still waits', () => {
    const { actor, reader } = start();
    reader.read(identity);
    expect(actor.getSnapshot().context.scanProblem).toBe('notAReceipt');
    reader.read({ kind: 'problem', reader: 'scanner', problem: 'unreadable' });
    expect(actor.getSnapshot().context.scanProblem).toBe('unreadable');
    reader.read({ kind: 'problem', reader: 'scanner', problem: 'not-a-card' });
    expect(actor.getSnapshot().context.scanProblem).toBe('notAReceipt');
    reader.read({ kind: 'receipt', reader: 'scanner', requestCode: 'XYZ', pickupSecret: null });
    expect(actor.getSnapshot().context.scanProblem).toBe('notAReceipt');
    expect(actor.getSnapshot().value).toBe('waiting');
    actor.send({ type: 'code.typed', code: 'K' });
    expect(actor.getSnapshot().context.scanProblem).toBeNull();
  });

  it('says when no request has this code, and lets the resident correct it', async () => {
    const { actor, asked } = start(() => Promise.resolve({ found: false }));
    actor.send({ type: 'code.typed', code: 'K7Q29FXN' });
    actor.send({ type: 'code.submitted' });
    await waitFor(actor, (st) => st.matches('notFound'));
    actor.send({ type: 'retry.requested' });
    expect(actor.getSnapshot().value).toBe('waiting');
    expect(actor.getSnapshot().context.typedCode).toBe('K7Q29FXN');
    actor.send({ type: 'code.submitted' });
    await waitFor(actor, (st) => st.matches('notFound'));
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().value).toBe('waiting');
    expect(asked).toHaveLength(2);
  });

  it('offers a retry when the kiosk cannot answer, and goes back to the code', async () => {
    let calls = 0;
    const { actor } = start(() =>
      ++calls === 1 ? Promise.reject(new KioskApiError({ code: 'INTERNAL', message: 'x' })) : Promise.resolve(found),
    );
    actor.send({ type: 'code.typed', code: 'K7Q29FXM' });
    actor.send({ type: 'code.submitted' });
    await waitFor(actor, (st) => st.matches('failed'));
    actor.send({ type: 'retry.requested' });
    await waitFor(actor, (st) => st.matches('found'));
    expect(calls).toBe(2);
  });

  it('looks up another request with a clean slate', async () => {
    const { actor } = start();
    actor.send({ type: 'code.typed', code: 'K7Q29FXM' });
    actor.send({ type: 'code.submitted' });
    await waitFor(actor, (st) => st.matches('found'));
    actor.send({ type: 'another.requested' });
    expect(actor.getSnapshot().value).toBe('waiting');
    expect(actor.getSnapshot().context).toMatchObject({ typedCode: '', requestCode: null, found: null });
  });

  it('goes back: from a result home, from the lookup to the code, from the code home', async () => {
    const { actor } = start(() => new Promise(() => undefined));
    actor.send({ type: 'code.typed', code: 'K7Q29FXM' });
    actor.send({ type: 'code.submitted' });
    expect(actor.getSnapshot().value).toBe('looking');
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().value).toBe('waiting');
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().output).toEqual({ next: 'home' });

    const other = start();
    other.actor.send({ type: 'code.typed', code: 'K7Q29FXM' });
    other.actor.send({ type: 'code.submitted' });
    await waitFor(other.actor, (st) => st.matches('found'));
    other.actor.send({ type: 'back' });
    expect(other.actor.getSnapshot().output).toEqual({ next: 'home' });
  });

  it('marks an answer from an offline kiosk, or pulled long ago, as possibly out of date', async () => {
    const { actor } = start(() => Promise.resolve({ ...found, online: false }));
    actor.send({ type: 'code.typed', code: 'K7Q29FXM' });
    actor.send({ type: 'code.submitted' });
    expect((await waitFor(actor, (st) => st.matches('found'))).context.stale).toBe(true);

    expect(isAnswerStale({ online: true, lastPullAt: '2025-03-02T09:58:00.000Z' }, NOW)).toBe(false);
    expect(isAnswerStale({ online: true, lastPullAt: '2025-03-02T09:00:00.000Z' }, NOW)).toBe(true);
    expect(isAnswerStale({ online: true, lastPullAt: null }, NOW)).toBe(true);
    expect(isAnswerStale({ online: false, lastPullAt: '2025-03-02T09:59:59.000Z' }, NOW)).toBe(true);
  });

  it('follows the language chosen during the flow', () => {
    const { actor } = start();
    actor.send({ type: 'locale.changed', locale: 'ar' });
    expect(actor.getSnapshot().context.locale).toBe('ar');
  });
});

describe('status flow: wired to the kiosk API', () => {
  it('subscribes to the reader only while waiting, and dates answers with the injected clock', async () => {
    const listeners = new Set<(read: ReaderRead) => void>();
    const calls: unknown[] = [];
    const api = {
      call: (method: string, callInput: unknown) => {
        calls.push([method, callInput]);
        return Promise.resolve({ ok: true, value: { ...found, online: true, lastPullAt: '2025-03-02T09:00:00.000Z' } });
      },
      on: (_event: string, listener: (read: ReaderRead) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    } as unknown as KioskApi;
    const early = Date.parse('2025-03-02T09:01:00.000Z');
    const actor = createActor(
      statusFlow(api, () => early),
      { input },
    ).start();
    expect(listeners.size).toBe(1);
    for (const l of listeners) l({ kind: 'receipt', reader: 'scanner', requestCode: 'k7q29fxm', pickupSecret: 'x' });
    const s = await waitFor(actor, (st) => st.matches('found'));
    expect(calls).toEqual([['requests.lookup', { receiptCode: 'K7Q29FXM' }]]);
    expect(s.context.stale).toBe(false);
    expect(listeners.size).toBe(0);
  });
});

describe('status flow: receipt codes', () => {
  it('normalises what residents type', () => {
    expect(normaliseReceiptCode(' k7q2 - 9fxm ')).toBe('K7Q29FXM');
    expect(normaliseReceiptCode('K7Q2–9FXM')).toBe('K7Q29FXM');
    expect(normaliseReceiptCode('O1IL')).toBe('0111');
    expect(isReceiptCodeComplete('K7Q2-9FXM')).toBe(true);
    expect(isReceiptCodeComplete('K7Q2-9FX')).toBe(false);
    expect(isReceiptCodeComplete('K7Q2-9FX!')).toBe(false);
    expect(formatReceiptCode('k7q29fxm')).toBe('K7Q2-9FXM');
  });
});
