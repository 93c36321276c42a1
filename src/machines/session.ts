/**
 * The root session machine: boot → attract → home → a service → back home,
 * with the idle watch over every resident screen. Every session ends through
 * `ending`, which wipes the context and tells the runtime (counts only).
 */
import { assign, fromPromise, sendTo, setup } from 'xstate';
import type { DoneActorEvent } from 'xstate';
import { infoMachine } from './info';
import { certificateMachine } from './certificate';
import { reportMachine } from './report';
import { statusMachine } from './status';
import { technicianMachine } from './technician';
import { pickupMachine } from './pickup';
import type { FlowInput, FlowOutput, PrinterState } from './flow';
import type { KioskDescription, KioskStatus, Locale, TechnicianCardEvent } from '../../kiosk-shell/api/contract';

export type ServiceId = 'info' | 'certificate' | 'report' | 'status' | 'pickup';
export type SessionEndReason = 'idle' | 'home' | 'done';

export type SessionContext = {
  kiosk: KioskDescription | null;
  locale: Locale;
  /** Seconds shown in the "more time?" dialog. */
  secondsLeft: number;
  /** How many times the resident asked for more time in this session. */
  extensions: number;
  endReason: SessionEndReason;
  /** The printer as last reported by the runtime; not personal, kept across sessions. */
  printer: PrinterState | null;
  /**
   * How much longer every time limit is: 2 while speech output is on (listening
   * takes longer than reading). Set by the access layer; it outlives a session
   * because speech stays on while the headphones are in.
   */
  timeFactor: number;
  /** The runtime's verdict on a technician card scanned at attract or home, until technician mode takes it. */
  card: TechnicianCardEvent | null;
};

export type SessionEvent =
  | { type: 'screen.touched' }
  | { type: 'language.selected'; locale: Locale }
  | { type: 'service.selected'; service: ServiceId }
  | { type: 'home.requested' }
  | { type: 'back.requested' }
  | { type: 'user.acted' }
  | { type: 'idle.moreTimeRequested' }
  | { type: 'idle.finishRequested' }
  | { type: 'kiosk.statusChanged'; status: KioskStatus }
  /** The hidden technician gesture was made on the attract or out-of-service screen. */
  | { type: 'technician.requested' }
  /** A technician card was scanned and checked by the runtime (the `technician.card` event). */
  | { type: 'technician.card'; card: TechnicianCardEvent }
  | { type: 'printer.changed'; printer: PrinterState }
  | { type: 'access.timeFactorChanged'; factor: number };

export const IDLE_WARNING_SECONDS = 20;

/**
 * A resident service's screen: its flow runs as the child `flow` with the
 * session's kiosk, language and printer, hears back, language and printer
 * changes, and ends at home, or ends the session when the resident is done.
 * A flow that breaks must not strand the resident: back to the tiles.
 */
function serviceScreen(src: 'certificateFlow' | 'reportFlow' | 'statusFlow' | 'pickupFlow') {
  return {
    invoke: {
      id: 'flow',
      src,
      input: ({ context }: { context: SessionContext }): FlowInput => ({
        kiosk: context.kiosk!,
        locale: context.locale,
        printer: context.printer,
      }),
      onDone: [
        { guard: 'isFlowFinished', target: '#session.ending', actions: { type: 'markEndReason', params: 'done' } },
        { target: 'home' },
      ],
      onError: 'home',
    },
    on: {
      'home.requested': 'home',
      'back.requested': { actions: 'forwardBack' },
      'language.selected': { actions: ['assignLocale', 'forwardLocale'] },
      'printer.changed': { actions: ['assignPrinter', 'forwardPrinter'] },
    },
  } as const;
}

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
  },
  actors: {
    describeKiosk: fromPromise<KioskDescription>(() => {
      throw new Error('describeKiosk must be provided');
    }),
    infoFlow: infoMachine,
    certificateFlow: certificateMachine,
    reportFlow: reportMachine,
    statusFlow: statusMachine,
    technicianFlow: technicianMachine,
    pickupFlow: pickupMachine,
    reportSessionEnd: fromPromise<void, { reason: SessionEndReason }>(() => {
      throw new Error('reportSessionEnd must be provided');
    }),
  },
  delays: {
    /** Without input for this long, ask "do you need more time?". */
    IDLE_TIMEOUT: ({ context }) => 60_000 * context.timeFactor,
    /** One tick of the dialog's countdown. */
    COUNTDOWN_TICK: 1_000,
    /** Before trying the runtime again when it did not answer at boot. */
    BOOT_RETRY: 5_000,
  },
  guards: {
    isInService: ({ context }) => context.kiosk?.status.inService === true,
    isStatusInService: ({ event }) => event.type === 'kiosk.statusChanged' && event.status.inService,
    hasCard: ({ context }) => context.card !== null,
    isCountdownOver: ({ context }) => context.secondsLeft <= 1,
    isFlowFinished: ({ event }) => (event as unknown as DoneActorEvent<FlowOutput>).output?.next === 'end',
    isServiceSelected: ({ event }, service: ServiceId) =>
      event.type === 'service.selected' && event.service === service,
  },
  actions: {
    assignKiosk: assign({ kiosk: (_, kiosk: KioskDescription) => kiosk }),
    assignStatus: assign({
      kiosk: ({ context, event }) =>
        event.type === 'kiosk.statusChanged' && context.kiosk
          ? { ...context.kiosk, status: event.status }
          : context.kiosk,
    }),
    assignLocale: assign({
      locale: ({ event, context }) => (event.type === 'language.selected' ? event.locale : context.locale),
    }),
    startCountdown: assign({ secondsLeft: ({ context }) => IDLE_WARNING_SECONDS * context.timeFactor }),
    assignTimeFactor: assign({
      timeFactor: ({ context, event }) =>
        event.type === 'access.timeFactorChanged' && event.factor >= 1 ? event.factor : context.timeFactor,
    }),
    assignPrinter: assign({
      printer: ({ context, event }) => (event.type === 'printer.changed' ? event.printer : context.printer),
    }),
    forwardLocale: sendTo('flow', ({ context }) => ({ type: 'locale.changed' as const, locale: context.locale })),
    forwardBack: sendTo('flow', { type: 'back' as const }),
    forwardPrinter: sendTo('flow', ({ context }) => ({ type: 'printer.changed' as const, printer: context.printer! })),
    countDown: assign({ secondsLeft: ({ context }) => context.secondsLeft - 1 }),
    countExtension: assign({ extensions: ({ context }) => context.extensions + 1 }),
    markEndReason: assign({ endReason: (_, reason: SessionEndReason) => reason }),
    assignCard: assign({ card: ({ event }) => (event.type === 'technician.card' ? event.card : null) }),
    forgetCard: assign({ card: null }),
    forwardPendingCard: sendTo('technician', ({ context }) =>
      context.card ? { type: 'card.read' as const, card: context.card } : { type: 'user.acted' as const },
    ),
    forwardCard: sendTo('technician', ({ event }) =>
      event.type === 'technician.card'
        ? { type: 'card.read' as const, card: event.card }
        : { type: 'user.acted' as const },
    ),
    /** Forgets everything about the resident: language, counters, whatever a service kept. */
    wipeSession: assign({
      locale: ({ context }) => context.kiosk?.defaultLocale ?? 'it',
      secondsLeft: IDLE_WARNING_SECONDS,
      extensions: 0,
      endReason: 'home' as SessionEndReason,
    }),
  },
}).createMachine({
  id: 'session',
  context: {
    kiosk: null,
    locale: 'it',
    secondsLeft: IDLE_WARNING_SECONDS,
    extensions: 0,
    endReason: 'home',
    printer: null,
    timeFactor: 1,
    card: null,
  },
  initial: 'booting',
  on: {
    'printer.changed': { actions: 'assignPrinter' },
    'access.timeFactorChanged': { actions: 'assignTimeFactor' },
    'kiosk.statusChanged': [
      { guard: 'isStatusInService', actions: 'assignStatus', target: '.attract' },
      { actions: 'assignStatus', target: '.outOfService' },
    ],
  },
  states: {
    booting: {
      invoke: {
        src: 'describeKiosk',
        onDone: { target: 'deciding', actions: { type: 'assignKiosk', params: ({ event }) => event.output } },
        onError: 'unreachable',
      },
    },
    deciding: {
      entry: 'wipeSession',
      always: [{ guard: 'isInService', target: 'attract' }, { target: 'outOfService' }],
    },
    unreachable: {
      after: { BOOT_RETRY: 'booting' },
    },
    outOfService: {
      on: {
        'technician.requested': 'technician',
        'technician.card': { target: 'technician', actions: 'assignCard' },
      },
    },
    // Technician mode has its own PIN and idle timeouts; the resident idle watch does not apply.
    technician: {
      invoke: { id: 'technician', src: 'technicianFlow', onDone: 'deciding', onError: 'deciding' },
      // Entered by a card: the verdict goes to the technician flow (sent after it started), then is forgotten.
      entry: 'forwardPendingCard',
      exit: 'forgetCard',
      on: {
        'technician.card': { actions: 'forwardCard' },
        // The status is kept for when the technician leaves; the screens stay where they are.
        'kiosk.statusChanged': { actions: 'assignStatus' },
        'user.acted': { actions: sendTo('technician', { type: 'user.acted' as const }) },
      },
    },
    attract: {
      on: {
        'technician.requested': 'technician',
        'technician.card': { target: 'technician', actions: 'assignCard' },
        'screen.touched': 'active',
        'language.selected': { target: 'active', actions: 'assignLocale' },
      },
    },
    active: {
      type: 'parallel',
      on: {
        'language.selected': { actions: 'assignLocale' },
      },
      states: {
        screen: {
          initial: 'home',
          states: {
            home: {
              on: {
                // A technician card at home (no service started yet) ends the resident's session.
                'technician.card': {
                  target: '#session.ending',
                  actions: ['assignCard', { type: 'markEndReason', params: 'home' }],
                },
                'service.selected': [
                  { guard: { type: 'isServiceSelected', params: 'certificate' }, target: 'certificate' },
                  { guard: { type: 'isServiceSelected', params: 'report' }, target: 'report' },
                  { guard: { type: 'isServiceSelected', params: 'status' }, target: 'status' },
                  { guard: { type: 'isServiceSelected', params: 'pickup' }, target: 'pickup' },
                  { target: 'info' },
                ],
                'back.requested': { target: '#session.ending', actions: { type: 'markEndReason', params: 'home' } },
              },
            },
            info: {
              invoke: { id: 'info', src: 'infoFlow' },
              on: { 'back.requested': 'home', 'home.requested': 'home' },
            },
            certificate: serviceScreen('certificateFlow'),
            report: serviceScreen('reportFlow'),
            status: serviceScreen('statusFlow'),
            pickup: serviceScreen('pickupFlow'),
          },
        },
        idle: {
          initial: 'watching',
          states: {
            watching: {
              on: { 'user.acted': { target: 'watching', reenter: true } },
              after: { IDLE_TIMEOUT: { target: 'warning', actions: 'startCountdown' } },
            },
            warning: {
              on: {
                'idle.moreTimeRequested': { target: 'watching', actions: 'countExtension' },
                'idle.finishRequested': {
                  target: '#session.ending',
                  actions: { type: 'markEndReason', params: 'done' },
                },
              },
              after: {
                COUNTDOWN_TICK: [
                  {
                    guard: 'isCountdownOver',
                    target: '#session.ending',
                    actions: { type: 'markEndReason', params: 'idle' },
                  },
                  { target: 'warning', reenter: true, actions: 'countDown' },
                ],
              },
            },
          },
        },
      },
    },
    ending: {
      invoke: {
        src: 'reportSessionEnd',
        input: ({ context }) => ({ reason: context.endReason }),
        // The count is best-effort; the wipe is not: both ways lead to a clean attract screen
        // (or to technician mode, when a technician card ended the session at home).
        onDone: [{ guard: 'hasCard', target: 'technician' }, { target: 'deciding' }],
        onError: [{ guard: 'hasCard', target: 'technician' }, { target: 'deciding' }],
      },
    },
  },
});

export type SessionMachine = typeof sessionMachine;
