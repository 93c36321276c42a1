/**
 * Identification, reusable by every service that needs to know who the
 * resident is: present a card (Tessera Sanitaria barcode or stripe, CIE or
 * passport on the MRZ reader) or type the codice fiscale, then confirm who
 * we found. A parent flow invokes it and reads its output; the identity
 * lives in this actor's context only until the actor stops.
 *
 * Validation happens here, before anything else: only an identity that a
 * reader produced, or a codice fiscale that `checkCodiceFiscale` approved,
 * ever reaches `identified`. An expired document arrives from the runtime
 * as the `expired` read problem (it compares the MRZ expiry date with its
 * own clock); this machine does not read the clock to second-guess it.
 */
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import type { Identity, Locale, ReaderRead, ReadProblem } from '../../kiosk-shell/api/contract';

export type IdentifyInput = { locale: Locale };
export type IdentifyOutput = { outcome: 'identified'; identity: Identity } | { outcome: 'cancelled' };

export type IdentifyEvent =
  | { type: 'card.read'; read: ReaderRead }
  | { type: 'typing.requested' }
  | { type: 'typed.changed'; value: string }
  | { type: 'typed.submitted' }
  | { type: 'identity.confirmed' }
  /** "Not you? Start again." */
  | { type: 'identity.rejected' }
  | { type: 'back' }
  | { type: 'locale.changed'; locale: Locale };

/** What went wrong, as told to the resident: a read problem, or the check could not be made. */
export type IdentifyProblem = ReadProblem | 'check-unavailable';

export type CheckCodiceFiscaleOutput =
  { ok: true; codiceFiscale: string } | { ok: false; problem: 'cf-malformed' | 'cf-check-char' };

export type IdentifyContext = {
  locale: Locale;
  /** The codice fiscale as typed so far (uppercase letters and digits only). */
  typed: string;
  /** Who was read or typed, until confirmed or rejected. */
  identity: Identity | null;
  problem: IdentifyProblem | null;
};

export const CODICE_FISCALE_LENGTH = 16;

/** The typed text as a codice fiscale can be: uppercase letters and digits, at most 16. */
export function normaliseTyped(value: string): string {
  return value
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, CODICE_FISCALE_LENGTH);
}

/** A codice fiscale shown on screen with its middle hidden: `RSS•••••••••123X`. */
export function maskCodiceFiscale(codiceFiscale: string): string {
  if (codiceFiscale.length <= 7) return '•'.repeat(codiceFiscale.length);
  return `${codiceFiscale.slice(0, 3)}${'•'.repeat(codiceFiscale.length - 7)}${codiceFiscale.slice(-4)}`;
}

function typedIdentity(codiceFiscale: string): Identity {
  return { source: 'typed', codiceFiscale, surname: null, givenNames: null, birthDate: null, document: null };
}

export const identifyMachine = setup({
  types: {
    input: {} as IdentifyInput,
    output: {} as IdentifyOutput,
    context: {} as IdentifyContext,
    events: {} as IdentifyEvent,
  },
  actors: {
    /** Sends `{ type: 'card.read', read }` to its parent for every read of every reader. */
    cardReads: fromCallback<IdentifyEvent>(() => {
      throw new Error('cardReads must be provided');
    }),
    checkCodiceFiscale: fromPromise<CheckCodiceFiscaleOutput, { codiceFiscale: string }>(() => {
      throw new Error('checkCodiceFiscale must be provided');
    }),
  },
  guards: {
    isIdentityRead: ({ event }) => event.type === 'card.read' && event.read.kind === 'identity',
    isReceiptRead: ({ event }) => event.type === 'card.read' && event.read.kind === 'receipt',
    isTypedComplete: ({ context }) => context.typed.length === CODICE_FISCALE_LENGTH,
    isCodiceFiscaleApproved: (_, output: CheckCodiceFiscaleOutput) => output.ok,
  },
  actions: {
    assignLocale: assign({
      locale: ({ context, event }) => (event.type === 'locale.changed' ? event.locale : context.locale),
    }),
    assignReadIdentity: assign({
      identity: ({ context, event }) =>
        event.type === 'card.read' && event.read.kind === 'identity' ? event.read.identity : context.identity,
      typed: '',
      problem: null,
    }),
    assignReadProblem: assign({
      problem: ({ context, event }): IdentifyProblem | null => {
        if (event.type !== 'card.read') return context.problem;
        switch (event.read.kind) {
          case 'problem':
            return event.read.problem;
          case 'receipt':
            return 'not-a-card';
          case 'identity':
            return context.problem;
        }
      },
    }),
    assignTyped: assign({
      typed: ({ context, event }) => (event.type === 'typed.changed' ? normaliseTyped(event.value) : context.typed),
      problem: null,
    }),
    assignTypedIdentity: assign({
      identity: (_, codiceFiscale: string) => typedIdentity(codiceFiscale),
      problem: null,
    }),
    assignProblem: assign({ problem: (_, problem: IdentifyProblem) => problem }),
    clearProblem: assign({ problem: null }),
    /** Forgets who was read or typed: "not you", back, or cancelled. */
    forgetIdentity: assign({ identity: null, typed: '' }),
  },
}).createMachine({
  id: 'identify',
  context: ({ input }) => ({ locale: input.locale, typed: '', identity: null, problem: null }),
  initial: 'waiting',
  on: {
    'locale.changed': { actions: 'assignLocale' },
  },
  states: {
    /** Present a card, or choose to type the codice fiscale; a bad read's problem is shown here. */
    waiting: {
      invoke: { id: 'cardReads', src: 'cardReads' },
      on: {
        'card.read': [
          { guard: 'isIdentityRead', target: 'confirming', actions: 'assignReadIdentity' },
          { actions: 'assignReadProblem' },
        ],
        'typing.requested': { target: 'typing', actions: 'clearProblem' },
        back: { target: 'cancelled', actions: ['forgetIdentity', 'clearProblem'] },
      },
    },
    /** The on-screen keyboard; a card presented meanwhile still works. */
    typing: {
      invoke: { id: 'cardReads', src: 'cardReads' },
      on: {
        'card.read': [
          { guard: 'isIdentityRead', target: 'confirming', actions: 'assignReadIdentity' },
          { actions: 'assignReadProblem' },
        ],
        'typed.changed': { actions: 'assignTyped' },
        'typed.submitted': [
          { guard: 'isTypedComplete', target: 'checking' },
          { actions: { type: 'assignProblem', params: 'cf-malformed' } },
        ],
        back: { target: 'waiting', actions: ['forgetIdentity', 'clearProblem'] },
      },
    },
    checking: {
      invoke: {
        id: 'checkCodiceFiscale',
        src: 'checkCodiceFiscale',
        input: ({ context }) => ({ codiceFiscale: context.typed }),
        onDone: [
          {
            guard: { type: 'isCodiceFiscaleApproved', params: ({ event }) => event.output },
            target: 'confirming',
            actions: {
              type: 'assignTypedIdentity',
              params: ({ event }) => (event.output.ok ? event.output.codiceFiscale : ''),
            },
          },
          {
            target: 'typing',
            actions: {
              type: 'assignProblem',
              params: ({ event }) => (event.output.ok ? 'cf-malformed' : event.output.problem),
            },
          },
        ],
        onError: { target: 'typing', actions: { type: 'assignProblem', params: 'check-unavailable' } },
      },
      on: {
        back: { target: 'typing' },
      },
    },
    /** "Is this you?": the name when a card gave one, else the codice fiscale with its middle hidden. */
    confirming: {
      on: {
        'identity.confirmed': 'identified',
        'identity.rejected': { target: 'waiting', actions: ['forgetIdentity', 'clearProblem'] },
        back: { target: 'waiting', actions: ['forgetIdentity', 'clearProblem'] },
      },
    },
    identified: { type: 'final' },
    cancelled: { type: 'final' },
  },
  output: ({ context }): IdentifyOutput =>
    context.identity ? { outcome: 'identified', identity: context.identity } : { outcome: 'cancelled' },
});

export type IdentifyMachine = typeof identifyMachine;
