import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, setup, waitFor } from 'xstate';
import type { AnyActorRef, EventObject, SnapshotFrom } from 'xstate';
import { getAdjacencyMap, getShortestPaths, getStateNodes } from 'xstate/graph';
import { z } from 'zod';
import { CertificateRequestSchema, EXEMPTION_REASONS, StampNumberSchema } from '../../kiosk-shell/api/contract';
import type {
  CertificateRequest,
  CreatedRequest,
  Identity,
  Locale,
  PrintOutcome,
  ServicesCatalog,
} from '../../kiosk-shell/api/contract';
import { KioskApiError } from '../api/unwrap';
import { resources } from '../i18n';
import {
  EXEMPTION_CHOICES,
  buildRequest,
  canCollectHere,
  certificateMachine,
  isEmail,
  isStampNumber,
} from './certificate';
import type { CertificateEvent } from './certificate';
import type { FlowInput, PrinterState } from './flow';
import type { IdentifyInput, IdentifyMachine, IdentifyOutput } from './identify';
import { flowKiosk as kiosk, printerReady, printerOut } from './test-fixtures';

// ── Fixtures ────────────────────────────────────────────────────────────────

const catalog: ServicesCatalog = {
  available: true,
  updatedAt: '2025-01-01T08:00:00Z',
  certificateTypes: [
    { code: 'residenza', name: { it: 'Certificato di residenza', en: 'Certificate of residence' }, stampDuty: true },
    { code: 'nascita', name: { it: 'Certificato di nascita' }, stampDuty: false },
  ],
  reportCategories: [],
  streets: [],
};

const identity: Identity = {
  source: 'scanner',
  codiceFiscale: 'RSSMRA80A01H501U',
  surname: 'ROSSI',
  givenNames: 'MARIO',
  birthDate: null,
  document: null,
};

const receiptText = {
  locale: 'it' as const,
  lines: ['Comune di Castelnuovo Magra'],
  codes: ['K7Q2-9FXM'],
  pickupCode: null,
};
const created: CreatedRequest = {
  receiptCode: 'K7Q29FXM',
  createdAt: '2025-01-01T09:00:00Z',
  print: { printed: true, problem: null, receipt: receiptText },
};

const input: FlowInput = { kiosk, locale: 'it', printer: printerReady };

/** Stands in for the identification flow: waits for a card, or is cancelled by back. */
const identifyStubFor = (who: Identity) =>
  setup({
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
      waiting: {
        on: {
          'card.read': 'identified',
          back: 'cancelled',
          'locale.changed': { actions: ({ context, event }) => void (context.locale = event.locale) },
        },
      },
      identified: { type: 'final', output: { outcome: 'identified', identity: who } satisfies IdentifyOutput },
      cancelled: { type: 'final', output: { outcome: 'cancelled' } satisfies IdentifyOutput },
    },
    output: ({ event }) => (event as unknown as { output: IdentifyOutput }).output,
  });
const identifyStub = identifyStubFor(identity);

type Options = {
  catalog?: () => Promise<ServicesCatalog>;
  create?: (request: CertificateRequest) => Promise<CreatedRequest>;
  reprint?: () => Promise<PrintOutcome>;
  printer?: PrinterState | null;
  /** Who the card says the resident is (default: a Tessera Sanitaria with a codice fiscale). */
  identity?: Identity;
};

function start(options: Options = {}) {
  const requests: CertificateRequest[] = [];
  let reprints = 0;
  const machine = certificateMachine.provide({
    actors: {
      loadCatalog: fromPromise<ServicesCatalog>(options.catalog ?? (() => Promise.resolve(catalog))),
      createRequest: fromPromise<CreatedRequest, CertificateRequest>(({ input: request }) => {
        requests.push(request);
        return options.create ? options.create(request) : Promise.resolve(created);
      }),
      reprintReceipt: fromPromise<PrintOutcome, { receiptCode: string }>(() => {
        reprints++;
        return options.reprint ? options.reprint() : Promise.resolve({ printed: true, problem: null });
      }),
      // The stub plays the identification flow's part: same input, same output.
      identify: (options.identity ? identifyStubFor(options.identity) : identifyStub) as unknown as IdentifyMachine,
    },
  });
  const actor = createActor(machine, {
    input: { ...input, printer: options.printer === undefined ? printerReady : options.printer },
  }).start();
  let actions = 0;
  return {
    actor,
    requests,
    reprints: () => reprints,
    /** What the resident does: one tap, one key, or one field typed. */
    act(event: CertificateEvent) {
      actions++;
      actor.send(event);
    },
    actions: () => actions,
    identifyChild: () => actor.getSnapshot().children.identify as AnyActorRef | undefined,
    async readCard() {
      await waitFor(actor, (s) => s.matches('identifying'));
      (actor.getSnapshot().children.identify as AnyActorRef).send({ type: 'card.read' });
      await waitFor(actor, (s) => s.matches('choosingType'));
    },
  };
}

type Flow = ReturnType<typeof start>;
const settled = (flow: Flow, value: Parameters<SnapshotFrom<typeof certificateMachine>['matches']>[0]) =>
  waitFor(flow.actor, (s) => s.matches(value));

// ── The graph: every state reachable, no dead ends ──────────────────────────

describe('certificate flow graph', { timeout: 30_000 }, () => {
  const doneEvent = (id: string, output: unknown) => ({ type: `xstate.done.actor.${id}`, output });
  const errorEvent = (id: string, code: string) => ({
    type: `xstate.error.actor.${id}`,
    error: new KioskApiError({ code: code as never, message: 'test' }),
  });
  // Every event the flow knows, with the payloads that exercise its guards.
  const events = [
    doneEvent('catalog', catalog),
    doneEvent('catalog', { ...catalog, available: false }),
    errorEvent('catalog', 'INTERNAL'),
    doneEvent('identify', { outcome: 'identified', identity }),
    doneEvent('identify', { outcome: 'cancelled' }),
    doneEvent('request', created),
    errorEvent('request', 'STORE_FULL'),
    doneEvent('reprint', { printed: true, problem: null }),
    errorEvent('reprint', 'PAPER_OUT'),
    { type: 'back' },
    { type: 'retry.requested' },
    { type: 'type.selected', code: 'residenza' },
    { type: 'type.selected', code: 'nascita' },
    { type: 'subject.selected', subject: 'self' },
    { type: 'subject.selected', subject: 'family' },
    { type: 'surname.changed', value: 'Bianchi' },
    { type: 'surname.confirmed' },
    { type: 'givenNames.changed', value: 'Anna' },
    { type: 'givenNames.confirmed' },
    { type: 'stampDuty.selected', choice: 'stamp' },
    { type: 'stampDuty.selected', choice: 'exempt' },
    { type: 'stampNumber.changed', value: '01234567890123' },
    { type: 'stampNumber.confirmed' },
    { type: 'exemption.selected', reason: 'pension' },
    { type: 'delivery.selected', delivery: 'kiosk' },
    { type: 'delivery.selected', delivery: 'townHall' },
    { type: 'delivery.selected', delivery: 'email' },
    { type: 'email.changed', value: 'anna.bianchi@example.it' },
    { type: 'email.confirmed' },
    { type: 'edit.requested', step: 'type' },
    { type: 'edit.requested', step: 'subject' },
    { type: 'edit.requested', step: 'stampDuty' },
    { type: 'edit.requested', step: 'delivery' },
    { type: 'request.confirmed' },
    { type: 'reprint.requested' },
    { type: 'finish.requested' },
    { type: 'anotherService.requested' },
  ] as unknown as CertificateEvent[];
  const known = new Set(events.map((e) => e.type));
  const traversal = {
    input,
    events,
    // Locale and printer changes only update the context; their own tests cover them. While
    // identifying, back goes to the identification flow, which is not running here: its
    // cancelled outcome stands for it.
    filterEvents: (s: SnapshotFrom<typeof certificateMachine>, e: EventObject) =>
      known.has(e.type as CertificateEvent['type']) &&
      !(s.matches('identifying') && e.type === 'back') &&
      // Only what the state listens to: an actor's answer comes only while it runs.
      s.can(e as CertificateEvent),
    // What the guards read, and nothing else: typed values count only as valid or not.
    serializeState: (s: SnapshotFrom<typeof certificateMachine>) => {
      const c = s.context;
      return JSON.stringify([
        s.value,
        s.status,
        c.typeCode,
        c.subject,
        c.familySurname.trim() !== '',
        c.familyGivenNames.trim() !== '',
        c.stampChoice,
        isStampNumber(c.stampNumber),
        c.exemptionReason,
        c.delivery,
        isEmail(c.email),
        c.reviewed,
      ]);
    },
  };

  const leafIds = (s: SnapshotFrom<typeof certificateMachine>) =>
    getStateNodes(certificateMachine.root)
      .filter((n) => n.type !== 'compound' && s.matches(n.path.join('.') as never))
      .map((n) => n.id);

  it('reaches every state the resident can see', () => {
    const paths = getShortestPaths(certificateMachine, traversal as never);
    const reached = new Set(paths.flatMap((p) => leafIds(p.state)));
    const stable = getStateNodes(certificateMachine.root)
      // Routing states pass on at once: nobody ever sees them.
      .filter((n) => n.type !== 'compound' && n.always === undefined)
      .map((n) => n.id);
    expect(stable.filter((id) => !reached.has(id))).toEqual([]);
  });

  it('leaves no dead end: from every reachable state a final state can be reached', () => {
    const adjacency = getAdjacencyMap(certificateMachine, traversal as never);
    const keys = Object.keys(adjacency) as Array<keyof typeof adjacency>;
    const canFinish = new Set(keys.filter((k) => adjacency[k]!.state.status === 'done'));
    expect(canFinish.size).toBeGreaterThan(0);
    let grew = true;
    while (grew) {
      grew = false;
      for (const key of keys) {
        if (canFinish.has(key)) continue;
        const next = Object.values(adjacency[key]!.transitions).map((t) => traversal.serializeState(t.state as never));
        if (next.some((n) => canFinish.has(n as keyof typeof adjacency))) {
          canFinish.add(key);
          grew = true;
        }
      }
    }
    const stuck = keys.filter((k) => !canFinish.has(k));
    expect(stuck).toEqual([]);
    expect(keys.length).toBeGreaterThan(50);
  });

  it('takes 5 resident actions after the card is read by the shortest route to a certificate', () => {
    const paths = getShortestPaths(certificateMachine, {
      ...traversal,
      toState: (s: SnapshotFrom<typeof certificateMachine>) => s.status === 'done' && s.output?.next === 'end',
    });
    const resident = (p: (typeof paths)[number]) =>
      p.steps.filter((step) => !String(step.event.type).startsWith('xstate.')).length;
    expect(paths.length).toBeGreaterThan(0);
    // Type, "for me", "pickup here", confirm, finish: a type that owes no stamp duty.
    expect(Math.min(...paths.map(resident))).toBe(5);
  });
});

// ── Behaviour ───────────────────────────────────────────────────────────────

describe('certificate flow', () => {
  it('registers a certificate for oneself collected here in 7 actions after the card is read', async () => {
    const flow = start();
    await flow.readCard();
    flow.act({ type: 'type.selected', code: 'residenza' });
    flow.act({ type: 'subject.selected', subject: 'self' });
    flow.act({ type: 'stampDuty.selected', choice: 'exempt' });
    flow.act({ type: 'exemption.selected', reason: 'pension' });
    flow.act({ type: 'delivery.selected', delivery: 'kiosk' });
    expect(flow.actor.getSnapshot().matches('summary')).toBe(true);
    flow.act({ type: 'request.confirmed' });
    await settled(flow, 'done');
    expect(flow.requests).toEqual([
      {
        kind: 'certificate',
        locale: 'it',
        certificateType: 'residenza',
        identity,
        subject: { relation: 'self' },
        stampDuty: { kind: 'exempt', reason: 'pension' },
        delivery: { kind: 'kiosk' },
      },
    ]);
    expect(CertificateRequestSchema.parse(flow.requests[0])).toEqual(flow.requests[0]);
    expect(flow.actor.getSnapshot().context.created).toEqual(created);
    flow.act({ type: 'finish.requested' });
    expect(flow.actor.getSnapshot().status).toBe('done');
    expect(flow.actor.getSnapshot().output).toEqual({ next: 'end' });
    expect(flow.actions()).toBe(7);
  });

  it('offers pickup here only with a codice fiscale to check at collection (not for a passport)', async () => {
    const passport: Identity = {
      source: 'mrz',
      codiceFiscale: null,
      surname: 'ROSSI',
      givenNames: 'MARIO',
      birthDate: '1980-01-01',
      document: { kind: 'passport', number: 'YA0000000', issuingState: 'ITA', expiryDate: '2099-01-01' },
    };
    expect(canCollectHere({ identity })).toBe(true);
    expect(canCollectHere({ identity: passport })).toBe(false);
    const flow = start({ identity: passport });
    await flow.readCard();
    flow.act({ type: 'type.selected', code: 'nascita' });
    flow.act({ type: 'subject.selected', subject: 'self' });
    flow.act({ type: 'delivery.selected', delivery: 'kiosk' });
    expect(flow.actor.getSnapshot().matches({ choosingDelivery: 'choosing' })).toBe(true);
    flow.act({ type: 'delivery.selected', delivery: 'townHall' });
    expect(flow.actor.getSnapshot().matches('summary')).toBe(true);
  });

  it('skips the stamp duty step for a type that owes none, and says so in the request (5 actions)', async () => {
    const flow = start();
    await flow.readCard();
    flow.act({ type: 'type.selected', code: 'nascita' });
    flow.act({ type: 'subject.selected', subject: 'self' });
    expect(flow.actor.getSnapshot().matches({ choosingDelivery: 'choosing' })).toBe(true);
    flow.act({ type: 'delivery.selected', delivery: 'kiosk' });
    flow.act({ type: 'request.confirmed' });
    await settled(flow, 'done');
    expect(flow.requests[0]?.stampDuty).toEqual({ kind: 'notDue' });
    flow.act({ type: 'finish.requested' });
    expect(flow.actions()).toBe(5);
  });

  it('asks for the marca da bollo and refuses a number that is not 14 digits', async () => {
    const flow = start();
    await flow.readCard();
    flow.act({ type: 'type.selected', code: 'residenza' });
    flow.act({ type: 'subject.selected', subject: 'self' });
    flow.act({ type: 'stampDuty.selected', choice: 'stamp' });
    flow.act({ type: 'stampNumber.changed', value: '1234567890' });
    flow.act({ type: 'stampNumber.confirmed' });
    let s = flow.actor.getSnapshot();
    expect(s.matches({ choosingStampDuty: 'typingStampNumber' })).toBe(true);
    expect(s.context.refused).toBe('stampNumber');
    // Typing on clears the refusal; anything but digits never reaches the number.
    flow.act({ type: 'stampNumber.changed', value: '1234567890ab1234' });
    s = flow.actor.getSnapshot();
    expect(s.context.refused).toBeNull();
    expect(s.context.stampNumber).toBe('12345678901234');
    flow.act({ type: 'stampNumber.confirmed' });
    expect(flow.actor.getSnapshot().matches({ choosingDelivery: 'choosing' })).toBe(true);
    flow.act({ type: 'delivery.selected', delivery: 'townHall' });
    flow.act({ type: 'request.confirmed' });
    await settled(flow, 'done');
    expect(flow.requests[0]?.stampDuty).toEqual({ kind: 'stamp', number: '12345678901234' });
    expect(flow.requests[0]?.delivery).toEqual({ kind: 'townHall' });
  });

  it('sends the certificate by e-mail only to an address that looks like one', async () => {
    const flow = start();
    await flow.readCard();
    flow.act({ type: 'type.selected', code: 'nascita' });
    flow.act({ type: 'subject.selected', subject: 'self' });
    flow.act({ type: 'delivery.selected', delivery: 'email' });
    flow.act({ type: 'email.changed', value: 'mario.rossi@example' });
    flow.act({ type: 'email.confirmed' });
    expect(flow.actor.getSnapshot().matches({ choosingDelivery: 'typingEmail' })).toBe(true);
    expect(flow.actor.getSnapshot().context.refused).toBe('email');
    flow.act({ type: 'email.changed', value: 'mario.rossi@example.it' });
    flow.act({ type: 'email.confirmed' });
    expect(flow.actor.getSnapshot().matches('summary')).toBe(true);
    flow.act({ type: 'request.confirmed' });
    await settled(flow, 'done');
    expect(flow.requests[0]?.delivery).toEqual({ kind: 'email', address: 'mario.rossi@example.it' });
  });

  it('asks a family member for both names, and requires each', async () => {
    const flow = start();
    await flow.readCard();
    flow.act({ type: 'type.selected', code: 'nascita' });
    flow.act({ type: 'subject.selected', subject: 'family' });
    flow.act({ type: 'surname.confirmed' });
    expect(flow.actor.getSnapshot().context.refused).toBe('surname');
    flow.act({ type: 'surname.changed', value: 'Bianchi' });
    flow.act({ type: 'surname.confirmed' });
    flow.act({ type: 'givenNames.changed', value: '   ' });
    flow.act({ type: 'givenNames.confirmed' });
    expect(flow.actor.getSnapshot().matches({ choosingSubject: 'typingGivenNames' })).toBe(true);
    expect(flow.actor.getSnapshot().context.refused).toBe('givenNames');
    flow.act({ type: 'givenNames.changed', value: 'Anna Maria ' });
    flow.act({ type: 'givenNames.confirmed' });
    flow.act({ type: 'delivery.selected', delivery: 'kiosk' });
    flow.act({ type: 'request.confirmed' });
    await settled(flow, 'done');
    expect(flow.requests[0]?.subject).toEqual({ relation: 'family', surname: 'Bianchi', givenNames: 'Anna Maria' });
    expect(flow.requests[0]?.identity).toEqual(identity);
  });

  it('forgets a family member’s names and an e-mail address once they are no longer chosen', async () => {
    const flow = start();
    await flow.readCard();
    flow.act({ type: 'type.selected', code: 'nascita' });
    flow.act({ type: 'subject.selected', subject: 'family' });
    flow.act({ type: 'surname.changed', value: 'Bianchi' });
    flow.act({ type: 'back' });
    flow.act({ type: 'subject.selected', subject: 'self' });
    flow.act({ type: 'delivery.selected', delivery: 'email' });
    flow.act({ type: 'email.changed', value: 'a@example.it' });
    flow.act({ type: 'back' });
    flow.act({ type: 'delivery.selected', delivery: 'kiosk' });
    const { context } = flow.actor.getSnapshot();
    expect(context.familySurname).toBe('');
    expect(context.email).toBe('');
  });

  it('goes back one step at a time, and from the first choice back to the service tiles', async () => {
    const flow = start();
    await flow.readCard();
    const at = () => flow.actor.getSnapshot();
    flow.act({ type: 'type.selected', code: 'residenza' });
    flow.act({ type: 'subject.selected', subject: 'family' });
    flow.act({ type: 'surname.changed', value: 'Bianchi' });
    flow.act({ type: 'surname.confirmed' });
    flow.act({ type: 'back' });
    expect(at().matches({ choosingSubject: 'typingSurname' })).toBe(true);
    flow.act({ type: 'surname.confirmed' });
    flow.act({ type: 'givenNames.changed', value: 'Anna' });
    flow.act({ type: 'givenNames.confirmed' });
    flow.act({ type: 'stampDuty.selected', choice: 'stamp' });
    flow.act({ type: 'back' });
    expect(at().matches({ choosingStampDuty: 'choosing' })).toBe(true);
    flow.act({ type: 'stampDuty.selected', choice: 'exempt' });
    flow.act({ type: 'back' });
    expect(at().matches({ choosingStampDuty: 'choosing' })).toBe(true);
    flow.act({ type: 'stampDuty.selected', choice: 'exempt' });
    flow.act({ type: 'exemption.selected', reason: 'school' });
    flow.act({ type: 'delivery.selected', delivery: 'email' });
    flow.act({ type: 'back' });
    expect(at().matches({ choosingDelivery: 'choosing' })).toBe(true);
    flow.act({ type: 'delivery.selected', delivery: 'kiosk' });
    expect(at().matches('summary')).toBe(true);
    flow.act({ type: 'back' });
    expect(at().matches({ choosingDelivery: 'choosing' })).toBe(true);
    // Once the summary was reached, back from a step returns to it.
    flow.act({ type: 'back' });
    expect(at().matches('summary')).toBe(true);
    flow.act({ type: 'edit.requested', step: 'subject' });
    flow.act({ type: 'back' });
    expect(at().matches('summary')).toBe(true);
    flow.act({ type: 'edit.requested', step: 'type' });
    flow.act({ type: 'back' });
    expect(at().matches('summary')).toBe(true);
    expect(at().context.exemptionReason).toBe('school');
  });

  it('walks back from each step before the summary was reached', async () => {
    const flow = start();
    await flow.readCard();
    const at = () => flow.actor.getSnapshot();
    flow.act({ type: 'type.selected', code: 'residenza' });
    flow.act({ type: 'subject.selected', subject: 'self' });
    flow.act({ type: 'stampDuty.selected', choice: 'exempt' });
    flow.act({ type: 'exemption.selected', reason: 'pension' });
    expect(at().matches({ choosingDelivery: 'choosing' })).toBe(true);
    flow.act({ type: 'back' });
    expect(at().matches({ choosingStampDuty: 'choosing' })).toBe(true);
    flow.act({ type: 'back' });
    expect(at().matches({ choosingSubject: 'choosing' })).toBe(true);
    flow.act({ type: 'back' });
    expect(at().matches('choosingType')).toBe(true);
    flow.act({ type: 'back' });
    expect(at().status).toBe('done');
    expect(at().output).toEqual({ next: 'home' });
  });

  it('skips the stamp duty step going back too when the type owes none', async () => {
    const flow = start();
    await flow.readCard();
    flow.act({ type: 'type.selected', code: 'nascita' });
    flow.act({ type: 'subject.selected', subject: 'self' });
    flow.act({ type: 'back' });
    expect(flow.actor.getSnapshot().matches({ choosingSubject: 'choosing' })).toBe(true);
  });

  it('after editing a type that owes stamp duty, asks for it before the summary', async () => {
    const flow = start();
    await flow.readCard();
    flow.act({ type: 'type.selected', code: 'nascita' });
    flow.act({ type: 'subject.selected', subject: 'self' });
    flow.act({ type: 'delivery.selected', delivery: 'kiosk' });
    flow.act({ type: 'edit.requested', step: 'type' });
    flow.act({ type: 'type.selected', code: 'residenza' });
    expect(flow.actor.getSnapshot().matches({ choosingSubject: 'choosing' })).toBe(true);
    flow.act({ type: 'subject.selected', subject: 'self' });
    expect(flow.actor.getSnapshot().matches({ choosingStampDuty: 'choosing' })).toBe(true);
    flow.act({ type: 'stampDuty.selected', choice: 'exempt' });
    flow.act({ type: 'exemption.selected', reason: 'adoption' });
    expect(flow.actor.getSnapshot().matches('summary')).toBe(true);
  });

  it('returns to the service tiles when identification is cancelled, and forwards back and language to it', async () => {
    const flow = start();
    await settled(flow, 'identifying');
    flow.act({ type: 'locale.changed', locale: 'de' });
    const child = flow.identifyChild()!;
    expect((child.getSnapshot() as { context: { locale: Locale } }).context.locale).toBe('de');
    expect(flow.actor.getSnapshot().context.locale).toBe('de');
    flow.act({ type: 'back' });
    expect(flow.actor.getSnapshot().status).toBe('done');
    expect(flow.actor.getSnapshot().output).toEqual({ next: 'home' });
  });

  it('sends the request in the language chosen last', async () => {
    const flow = start();
    await flow.readCard();
    flow.act({ type: 'type.selected', code: 'nascita' });
    flow.act({ type: 'locale.changed', locale: 'ar' });
    flow.act({ type: 'subject.selected', subject: 'self' });
    flow.act({ type: 'delivery.selected', delivery: 'kiosk' });
    flow.act({ type: 'request.confirmed' });
    await settled(flow, 'done');
    expect(flow.requests[0]?.locale).toBe('ar');
  });

  it('explains that the service is not available here when the kiosk has no catalog', async () => {
    const flow = start({ catalog: () => Promise.resolve({ ...catalog, available: false }) });
    await settled(flow, 'unavailable');
    flow.act({ type: 'back' });
    expect(flow.actor.getSnapshot().output).toEqual({ next: 'home' });
  });

  it('offers a retry when the catalog cannot be loaded', async () => {
    let calls = 0;
    const flow = start({
      catalog: () => (++calls === 1 ? Promise.reject(new Error('no answer')) : Promise.resolve(catalog)),
    });
    await settled(flow, 'catalogFailed');
    flow.act({ type: 'retry.requested' });
    await settled(flow, 'identifying');
    expect(calls).toBe(2);
  });

  it.each(['SERVICE_UNAVAILABLE', 'STORE_FULL', 'INVALID_INPUT', 'INTERNAL'] as const)(
    'shows %s as a failure, then retries and succeeds',
    async (code) => {
      let calls = 0;
      const flow = start({
        create: () =>
          ++calls <= 2 ? Promise.reject(new KioskApiError({ code, message: 'test' })) : Promise.resolve(created),
      });
      await flow.readCard();
      flow.act({ type: 'type.selected', code: 'nascita' });
      flow.act({ type: 'subject.selected', subject: 'self' });
      flow.act({ type: 'delivery.selected', delivery: 'kiosk' });
      flow.act({ type: 'request.confirmed' });
      const failed = await settled(flow, 'failed');
      expect(failed.context.error).toBe(code);
      flow.act({ type: 'back' });
      expect(flow.actor.getSnapshot().matches('summary')).toBe(true);
      flow.act({ type: 'request.confirmed' });
      await settled(flow, 'failed');
      flow.act({ type: 'retry.requested' });
      const done = await settled(flow, 'done');
      expect(done.context.error).toBeNull();
      expect(flow.requests).toHaveLength(3);
    },
  );

  it('tells once that no receipt can be printed, reprints on request, and offers another service', async () => {
    let reprint = 0;
    const flow = start({
      printer: printerOut,
      create: () =>
        Promise.resolve({ ...created, print: { printed: false, problem: 'PAPER_OUT', receipt: receiptText } }),
      reprint: () =>
        ++reprint === 1
          ? Promise.reject(new KioskApiError({ code: 'COVER_OPEN', message: 'test' }))
          : Promise.resolve({ printed: true, problem: null }),
    });
    expect(flow.actor.getSnapshot().context.noReceiptAtStart).toBe(true);
    await flow.readCard();
    flow.act({ type: 'printer.changed', printer: printerReady });
    expect(flow.actor.getSnapshot().context.printer).toEqual(printerReady);
    flow.act({ type: 'type.selected', code: 'nascita' });
    flow.act({ type: 'subject.selected', subject: 'self' });
    flow.act({ type: 'delivery.selected', delivery: 'kiosk' });
    flow.act({ type: 'request.confirmed' });
    await settled(flow, 'done');
    flow.act({ type: 'reprint.requested' });
    let s = await settled(flow, { done: 'showing' });
    expect(s.context.created?.print).toEqual({ printed: false, problem: 'COVER_OPEN', receipt: receiptText });
    flow.act({ type: 'reprint.requested' });
    await settled(flow, { done: 'reprinting' });
    s = await settled(flow, { done: 'showing' });
    expect(s.context.created?.print).toEqual({ printed: true, problem: null, receipt: receiptText });
    expect(flow.reprints()).toBe(2);
    flow.act({ type: 'anotherService.requested' });
    expect(flow.actor.getSnapshot().output).toEqual({ next: 'home' });
  });

  it('ignores a type the catalog does not offer, and a confirmation before the request is complete', async () => {
    // A printer that has not reported yet is not known to be down: no notice.
    const flow = start({ printer: null });
    expect(flow.actor.getSnapshot().context.noReceiptAtStart).toBe(false);
    await flow.readCard();
    flow.act({ type: 'type.selected', code: 'passaporto' });
    expect(flow.actor.getSnapshot().matches('choosingType')).toBe(true);
    flow.act({ type: 'request.confirmed' });
    expect(flow.actor.getSnapshot().matches('choosingType')).toBe(true);
  });
});

// ── What the renderer repeats from the contract ─────────────────────────────

describe('what the flow repeats from the contract', () => {
  it('offers every exemption reason of the contract, in its order', () => {
    expect([...EXEMPTION_CHOICES]).toEqual([...EXEMPTION_REASONS]);
  });

  it('checks a stamp number as the runtime does', () => {
    for (const value of ['01234567890123', '1234567890123', '123456789012345', '1234567890123a', ''])
      expect(isStampNumber(value), value).toBe(StampNumberSchema.safeParse(value).success);
  });

  it('accepts only e-mail addresses the runtime accepts', () => {
    const runtime = z.email().max(200);
    for (const value of [
      'mario.rossi@example.it',
      'a+b@posta.comune.it',
      'anna_b@example.co.uk',
      'mario@example',
      'mario@@example.it',
      '@example.it',
      'mario.@example.it',
      'mario..rossi@example.it',
      'mario@example.i',
      'mario@-example.it',
      `${'a'.repeat(195)}@example.it`,
    ])
      expect(isEmail(value), value).toBe(runtime.safeParse(value).success);
  });

  it('builds nothing until every choice is made', () => {
    const snapshot = createActor(certificateMachine, { input }).getSnapshot();
    expect(buildRequest(snapshot.context)).toBeNull();
  });

  it('has a title and a law reference for every exemption reason in every language', () => {
    for (const [locale, tree] of Object.entries(resources)) {
      const reasons = (
        tree as unknown as { certificate: { exemption: Record<string, { title: string; law: string }> } }
      ).certificate.exemption;
      for (const reason of EXEMPTION_REASONS) {
        expect(reasons[reason]?.title, `${locale}:${reason}`).toBeTruthy();
        expect(reasons[reason]?.law, `${locale}:${reason}`).toBeTruthy();
      }
    }
  });
});
