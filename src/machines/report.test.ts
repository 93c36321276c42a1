import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import type { AnyStateNode, EventObject, Snapshot, SnapshotFrom, StateValue } from 'xstate';
import type { AdjacencyMap, AdjacencyValue } from 'xstate/graph';
import { getAdjacencyMap, getShortestPaths, getStateNodes, serializeSnapshot } from 'xstate/graph';
import type { CreatedRequest, PrintOutcome, ReportRequest, ServicesCatalog } from '../../kiosk-shell/api/contract';
import { KioskApiError } from '../api/unwrap';
import type { FlowInput } from './flow';
import {
  buildReportRequest,
  isEmailAcceptable,
  isPhoneAcceptable,
  matchStreets,
  offeredCategories,
  reportMachine,
} from './report';
import type { ReportEvent } from './report';
import { flowKiosk as kiosk, printerReady, printerOut } from './test-fixtures';

const input: FlowInput = { kiosk, locale: 'it', printer: printerReady };

const catalog: ServicesCatalog = {
  available: true,
  updatedAt: '2025-03-01T08:00:00.000Z',
  certificateTypes: [],
  reportCategories: ['lighting', 'roads', 'waste', 'other'],
  streets: [
    { code: 'S001', name: 'Via Garibaldi', inThisFrazione: false },
    { code: 'S002', name: 'Piazza San Rocco', inThisFrazione: true },
    { code: 'S003', name: 'Via dell’Università', inThisFrazione: false },
    { code: 'S004', name: 'Vicolo Garibaldi', inThisFrazione: true },
  ],
};

const receiptText = { locale: 'it' as const, lines: ['Segnalazione'], codes: ['K7Q2-9FXM'], pickupCode: null };
const created: CreatedRequest = {
  receiptCode: 'K7Q29FXM',
  createdAt: '2025-03-01T09:30:00.000Z',
  print: { printed: true, problem: null, receipt: receiptText },
};

type Stubs = {
  catalog?: () => Promise<ServicesCatalog>;
  create?: (request: ReportRequest) => Promise<CreatedRequest>;
  reprint?: () => Promise<PrintOutcome>;
};

function start(stubs: Stubs = {}, flowInput: FlowInput = input) {
  const sent: ReportRequest[] = [];
  const machine = reportMachine.provide({
    actors: {
      loadCatalog: fromPromise(stubs.catalog ?? (() => Promise.resolve(catalog))),
      createRequest: fromPromise<CreatedRequest, ReportRequest>(({ input: request }) => {
        sent.push(request);
        return stubs.create ? stubs.create(request) : Promise.resolve(created);
      }),
      reprintReceipt: fromPromise(stubs.reprint ?? (() => Promise.resolve({ printed: true, problem: null }))),
    },
  });
  const actor = createActor(machine, { input: flowInput }).start();
  return { actor, sent };
}

type Actor = ReturnType<typeof start>['actor'];

async function toSummary(actor: Actor) {
  await waitFor(actor, (s) => s.matches('category'));
  actor.send({ type: 'category.chosen', category: 'lighting' });
  actor.send({ type: 'place.nearKioskChosen' });
  actor.send({ type: 'description.typed', text: 'Il lampione davanti alla chiesa è spento' });
  actor.send({ type: 'description.confirmed' });
  actor.send({ type: 'contact.skipped' });
  expect(actor.getSnapshot().value).toBe('summary');
}

/** Every state id a snapshot value is in, e.g. `report.place` and `report.place.searching`. */
function stateIds(value: StateValue, prefix = 'report'): string[] {
  if (typeof value === 'string') return [`${prefix}.${value}`];
  return Object.entries(value).flatMap(([key, child]) => [
    `${prefix}.${key}`,
    ...(child ? stateIds(child, `${prefix}.${key}`) : []),
  ]);
}

/**
 * The states (as serialised by the graph walk) from which no sequence of the
 * given events reaches a final state: a resident there would be stuck.
 */
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

// The facts the graph walk may feed the machine, one or two of each kind: enough to reach every state.
const graphEvents = [
  { type: 'xstate.done.actor.loadCatalog', output: catalog },
  { type: 'xstate.done.actor.loadCatalog', output: { ...catalog, available: false } },
  { type: 'xstate.error.actor.loadCatalog', error: new KioskApiError({ code: 'INTERNAL', message: 'x' }) },
  { type: 'category.chosen', category: 'lighting' },
  { type: 'place.nearKioskChosen' },
  { type: 'place.streetSearchChosen' },
  { type: 'place.streetChosen', streetCode: 'S002' },
  { type: 'description.typed', text: 'Buca' },
  { type: 'description.confirmed' },
  { type: 'contact.skipped' },
  { type: 'contact.emailChosen' },
  { type: 'contact.phoneChosen' },
  { type: 'contact.typed', value: '3331234567' },
  { type: 'contact.typed', value: 'anna@example.it' },
  { type: 'contact.confirmed' },
  { type: 'summary.editRequested', step: 'category' },
  { type: 'report.confirmed' },
  { type: 'xstate.done.actor.createRequest', output: created },
  {
    type: 'xstate.error.actor.createRequest',
    error: new KioskApiError({ code: 'STORE_FULL', message: 'x' }),
  },
  { type: 'retry.requested' },
  { type: 'reprint.requested' },
  { type: 'xstate.done.actor.reprintReceipt', output: { printed: false, problem: 'PAPER_OUT' } },
  { type: 'finish.requested' },
  { type: 'anotherService.requested' },
  { type: 'back' },
] as unknown as ReportEvent[];

type ReportSnapshot = SnapshotFrom<typeof reportMachine>;

describe('report flow: the graph', () => {
  const paths = getShortestPaths(reportMachine, { input, events: graphEvents });
  const reached: ReportSnapshot[] = paths.map((p) => p.state);

  it('reaches every state of the flow', () => {
    const visited = new Set(reached.flatMap((s) => stateIds(s.value)));
    const all = getStateNodes(reportMachine.root).map((n: AnyStateNode) => n.id);
    expect(all.filter((id) => !visited.has(id))).toEqual([]);
  });

  it('can end, from every state it reaches, at home or at the end of the session', () => {
    expect(statesThatCannotEnd(getAdjacencyMap(reportMachine, { input, events: graphEvents }))).toEqual([]);
    const outputs = new Set(reached.filter((s) => s.status === 'done').map((s) => s.output?.next));
    expect([...outputs].sort()).toEqual(['end', 'home']);
  });
});

describe('report flow: behaviour', () => {
  it('sends a report with a street, a description and an e-mail, and shows the receipt', async () => {
    const { actor, sent } = start();
    await waitFor(actor, (s) => s.matches('category'));
    actor.send({ type: 'category.chosen', category: 'roads' });
    expect(actor.getSnapshot().matches({ place: 'choosing' })).toBe(true);
    actor.send({ type: 'place.streetSearchChosen' });
    actor.send({ type: 'street.queryTyped', query: 'garib' });
    expect(actor.getSnapshot().context.streetQuery).toBe('garib');
    actor.send({ type: 'place.streetChosen', streetCode: 'S001' });
    actor.send({ type: 'description.confirmed' }); // empty: refused
    expect(actor.getSnapshot().matches('description')).toBe(true);
    actor.send({ type: 'description.typed', text: '  Una buca profonda davanti al civico 12  ' });
    actor.send({ type: 'description.confirmed' });
    actor.send({ type: 'contact.emailChosen' });
    actor.send({ type: 'contact.typed', value: 'anna@' });
    actor.send({ type: 'contact.confirmed' }); // not an address yet
    expect(actor.getSnapshot().matches({ contact: 'email' })).toBe(true);
    actor.send({ type: 'contact.typed', value: 'anna.rossi@example.it' });
    actor.send({ type: 'contact.confirmed' });
    expect(actor.getSnapshot().value).toBe('summary');
    actor.send({ type: 'locale.changed', locale: 'de' });
    actor.send({ type: 'report.confirmed' });
    const done = await waitFor(actor, (s) => s.matches('done'));

    expect(sent).toEqual([
      {
        kind: 'report',
        locale: 'de',
        category: 'roads',
        place: { kind: 'street', streetCode: 'S001' },
        description: 'Una buca profonda davanti al civico 12',
        contact: { email: 'anna.rossi@example.it', phone: null },
      },
    ]);
    expect(done.context.created).toEqual(created);

    actor.send({ type: 'finish.requested' });
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toEqual({ next: 'end' });
  });

  it('sends a report near the kiosk with a phone number, and goes home for another service', async () => {
    const { actor, sent } = start();
    await waitFor(actor, (s) => s.matches('category'));
    actor.send({ type: 'category.chosen', category: 'waste' });
    actor.send({ type: 'place.nearKioskChosen' });
    actor.send({ type: 'description.typed', text: 'Cassonetto rotto' });
    actor.send({ type: 'description.confirmed' });
    actor.send({ type: 'contact.phoneChosen' });
    actor.send({ type: 'contact.typed', value: '12345' });
    actor.send({ type: 'contact.confirmed' }); // too short
    expect(actor.getSnapshot().matches({ contact: 'phone' })).toBe(true);
    actor.send({ type: 'contact.typed', value: '333 123 4567' });
    actor.send({ type: 'contact.confirmed' });
    actor.send({ type: 'report.confirmed' });
    await waitFor(actor, (s) => s.matches('done'));
    expect(sent[0]).toMatchObject({
      category: 'waste',
      place: { kind: 'nearKiosk' },
      contact: { email: null, phone: '3331234567' },
      locale: 'it',
    });
    actor.send({ type: 'anotherService.requested' });
    expect(actor.getSnapshot().output).toEqual({ next: 'home' });
  });

  it('sends no contact when the resident skips it, and forgets what was typed', async () => {
    const { actor, sent } = start();
    await waitFor(actor, (s) => s.matches('category'));
    actor.send({ type: 'category.chosen', category: 'other' });
    actor.send({ type: 'place.nearKioskChosen' });
    actor.send({ type: 'description.typed', text: 'x' });
    actor.send({ type: 'description.confirmed' });
    actor.send({ type: 'contact.emailChosen' });
    actor.send({ type: 'contact.typed', value: 'anna@example.it' });
    actor.send({ type: 'back' });
    actor.send({ type: 'contact.skipped' });
    expect(actor.getSnapshot().context.email).toBe('');
    actor.send({ type: 'report.confirmed' });
    await waitFor(actor, (s) => s.matches('done'));
    expect(sent[0]?.contact).toBeNull();
  });

  it('refuses a category the hub does not accept, and a street not in the stradario', async () => {
    const { actor } = start();
    await waitFor(actor, (s) => s.matches('category'));
    actor.send({ type: 'category.chosen', category: 'water' });
    expect(actor.getSnapshot().value).toBe('category');
    actor.send({ type: 'category.chosen', category: 'lighting' });
    actor.send({ type: 'place.streetSearchChosen' });
    actor.send({ type: 'place.streetChosen', streetCode: 'NOPE' });
    expect(actor.getSnapshot().matches({ place: 'searching' })).toBe(true);
  });

  it('goes back one step at a time, and leaves the flow for home from the first step', async () => {
    const { actor } = start();
    await toSummary(actor);
    const back = () => {
      actor.send({ type: 'back' });
      return actor.getSnapshot().value;
    };
    expect(back()).toEqual({ contact: 'choosing' });
    expect(back()).toBe('description');
    expect(back()).toEqual({ place: 'choosing' });
    actor.send({ type: 'place.streetSearchChosen' });
    expect(back()).toEqual({ place: 'choosing' });
    expect(back()).toBe('category');
    expect(actor.getSnapshot().context.description).not.toBe(''); // kept while the flow lives
    back();
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toEqual({ next: 'home' });
  });

  it('goes back from the e-mail and phone fields to the contact choice', async () => {
    const { actor } = start();
    await toSummary(actor);
    actor.send({ type: 'back' });
    actor.send({ type: 'contact.emailChosen' });
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().value).toEqual({ contact: 'choosing' });
    actor.send({ type: 'contact.phoneChosen' });
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().value).toEqual({ contact: 'choosing' });
  });

  it('returns to the summary after editing a step from it, and on back from that step', async () => {
    const { actor } = start();
    await toSummary(actor);
    actor.send({ type: 'summary.editRequested', step: 'category' });
    expect(actor.getSnapshot().value).toBe('category');
    actor.send({ type: 'category.chosen', category: 'roads' });
    expect(actor.getSnapshot().value).toBe('summary');
    expect(actor.getSnapshot().context.category).toBe('roads');

    actor.send({ type: 'summary.editRequested', step: 'place' });
    actor.send({ type: 'place.streetSearchChosen' });
    actor.send({ type: 'place.streetChosen', streetCode: 'S004' });
    expect(actor.getSnapshot().value).toBe('summary');
    expect(actor.getSnapshot().context.place).toEqual({ kind: 'street', streetCode: 'S004' });

    actor.send({ type: 'summary.editRequested', step: 'description' });
    actor.send({ type: 'description.typed', text: 'Testo nuovo' });
    actor.send({ type: 'description.confirmed' });
    expect(actor.getSnapshot().value).toBe('summary');

    actor.send({ type: 'summary.editRequested', step: 'contact' });
    actor.send({ type: 'contact.phoneChosen' });
    actor.send({ type: 'contact.typed', value: '0461123456' });
    actor.send({ type: 'contact.confirmed' });
    expect(actor.getSnapshot().value).toBe('summary');

    actor.send({ type: 'summary.editRequested', step: 'description' });
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().value).toBe('summary');
    expect(actor.getSnapshot().context.editing).toBe(false);
  });

  it.each([
    ['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE'],
    ['STORE_FULL', 'STORE_FULL'],
    ['INVALID_INPUT', 'OTHER'],
  ] as const)('explains a %s failure, and registers the report on retry', async (code, failure) => {
    let calls = 0;
    const { actor, sent } = start({
      create: () =>
        ++calls === 1 ? Promise.reject(new KioskApiError({ code, message: 'x' })) : Promise.resolve(created),
    });
    await toSummary(actor);
    actor.send({ type: 'report.confirmed' });
    const failed = await waitFor(actor, (s) => s.matches('failed'));
    expect(failed.context.failure).toBe(failure);
    expect(failed.context.created).toBeNull();
    actor.send({ type: 'retry.requested' });
    await waitFor(actor, (s) => s.matches('done'));
    expect(sent).toHaveLength(2);
  });

  it('goes back from a failure to the summary, with everything still there', async () => {
    const { actor } = start({ create: () => Promise.reject(new Error('socket closed')) });
    await toSummary(actor);
    actor.send({ type: 'report.confirmed' });
    const failed = await waitFor(actor, (s) => s.matches('failed'));
    expect(failed.context.failure).toBe('OTHER');
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().value).toBe('summary');
    expect(actor.getSnapshot().context.category).toBe('lighting');
  });

  it('ignores back while the report is being registered', async () => {
    let resolve: (c: CreatedRequest) => void = () => undefined;
    const { actor } = start({ create: () => new Promise((r) => (resolve = r)) });
    await toSummary(actor);
    actor.send({ type: 'report.confirmed' });
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().value).toBe('submitting');
    resolve(created);
    await waitFor(actor, (s) => s.matches('done'));
  });

  it.each([
    ['the catalog was never pulled', () => Promise.resolve({ ...catalog, available: false })],
    ['the hub takes no reports', () => Promise.resolve({ ...catalog, reportCategories: [] })],
    ['the runtime fails', () => Promise.reject(new KioskApiError({ code: 'INTERNAL', message: 'x' }))],
  ])('says the service is not available when %s, and back goes home', async (_, load) => {
    const { actor } = start({ catalog: load });
    await waitFor(actor, (s) => s.matches('unavailable'));
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().output).toEqual({ next: 'home' });
  });

  it('warns once that no receipt can be printed, and follows the printer', async () => {
    const { actor } = start({}, { ...input, printer: printerOut });
    await waitFor(actor, (s) => s.matches('category'));
    expect(actor.getSnapshot().context.printerNoticePending).toBe(true);
    actor.send({ type: 'category.chosen', category: 'lighting' });
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().value).toBe('category');
    expect(actor.getSnapshot().context.printerNoticePending).toBe(false);
    actor.send({ type: 'printer.changed', printer: printerReady });
    expect(actor.getSnapshot().context.printer).toEqual(printerReady);

    // A printer that has not reported yet is not known to be down: no notice.
    const unknown = start({}, { ...input, printer: null });
    await waitFor(unknown.actor, (s) => s.matches('category'));
    expect(unknown.actor.getSnapshot().context.printerNoticePending).toBe(false);
    const fine = start();
    await waitFor(fine.actor, (s) => s.matches('category'));
    expect(fine.actor.getSnapshot().context.printerNoticePending).toBe(false);
  });

  it('prints the receipt again, and tells what the printer did', async () => {
    let outcome: Promise<PrintOutcome> = Promise.resolve({ printed: true, problem: null });
    const { actor } = start({
      create: () =>
        Promise.resolve({ ...created, print: { printed: false, problem: 'PAPER_OUT', receipt: receiptText } }),
      reprint: () => outcome,
    });
    await toSummary(actor);
    actor.send({ type: 'report.confirmed' });
    await waitFor(actor, (s) => s.matches('done'));
    actor.send({ type: 'reprint.requested' });
    expect(actor.getSnapshot().matches({ done: 'reprinting' })).toBe(true);
    let s = await waitFor(actor, (st) => st.matches({ done: 'showing' }));
    expect(s.context.created?.print).toEqual({ printed: true, problem: null, receipt: receiptText });

    outcome = Promise.reject(new KioskApiError({ code: 'COVER_OPEN', message: 'x' }));
    actor.send({ type: 'reprint.requested' });
    s = await waitFor(actor, (st) => st.matches({ done: 'showing' }));
    expect(s.context.created?.print).toEqual({ printed: false, problem: 'COVER_OPEN', receipt: receiptText });
    expect(s.context.created?.receiptCode).toBe(created.receiptCode);

    actor.send({ type: 'back' });
    expect(actor.getSnapshot().output).toEqual({ next: 'home' });
  });
});

describe('report flow: helpers', () => {
  it('finds streets ignoring case and accents, this frazione first, at most eight', () => {
    expect(matchStreets(catalog.streets, 'GARIBALDI').map((s) => s.code)).toEqual(['S004', 'S001']);
    expect(matchStreets(catalog.streets, 'universita').map((s) => s.code)).toEqual(['S003']);
    expect(matchStreets(catalog.streets, "dell'univ").map((s) => s.code)).toEqual(['S003']);
    expect(matchStreets(catalog.streets, '').map((s) => s.code)).toEqual(['S002', 'S004', 'S001', 'S003']);
    const many = Array.from({ length: 30 }, (_, i) => ({ code: `X${i}`, name: `Via ${i}`, inThisFrazione: i > 25 }));
    const found = matchStreets(many, 'via');
    expect(found).toHaveLength(8);
    expect(found.slice(0, 4).map((s) => s.code)).toEqual(['X26', 'X27', 'X28', 'X29']);
  });

  it('offers only the categories the hub accepts, in the kiosk order', () => {
    expect(offeredCategories({ ...catalog, reportCategories: ['other', 'lighting'] })).toEqual(['lighting', 'other']);
    expect(offeredCategories(null)).toEqual([]);
  });

  it('checks e-mail addresses and phone numbers simply', () => {
    expect(isEmailAcceptable('anna.rossi@example.it')).toBe(true);
    expect(isEmailAcceptable('anna@example')).toBe(false);
    expect(isEmailAcceptable('anna rossi@example.it')).toBe(false);
    expect(isPhoneAcceptable('123456')).toBe(true);
    expect(isPhoneAcceptable('12345')).toBe(false);
    expect(isPhoneAcceptable('1234567890123456')).toBe(false);
  });

  it('refuses to build a request before its steps are answered', () => {
    const { actor } = start();
    expect(() => buildReportRequest(actor.getSnapshot().context)).toThrow();
  });
});
