/**
 * The root session machine: boot → attract → home → a service → back home,
 * with the idle watch over every resident screen. Every session ends through
 * `ending`, which wipes the context and tells the runtime (counts only).
 */
import { assign, fromPromise, setup } from 'xstate';
import { infoMachine } from './info';
import type { KioskDescription, KioskStatus, Locale } from '../../kiosk-shell/api/contract';

export type ServiceId = 'info';
export type SessionEndReason = 'idle' | 'home' | 'done';

export type SessionContext = {
  kiosk: KioskDescription | null;
  locale: Locale;
  /** Seconds shown in the "more time?" dialog. */
  secondsLeft: number;
  /** How many times the resident asked for more time in this session. */
  extensions: number;
  endReason: SessionEndReason;
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
  | { type: 'kiosk.statusChanged'; status: KioskStatus };

export const IDLE_WARNING_SECONDS = 20;

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
    reportSessionEnd: fromPromise<void, { reason: SessionEndReason }>(() => {
      throw new Error('reportSessionEnd must be provided');
    }),
  },
  delays: {
    /** Without input for this long, ask "do you need more time?". */
    IDLE_TIMEOUT: 60_000,
    /** One tick of the dialog's countdown. */
    COUNTDOWN_TICK: 1_000,
    /** Before trying the runtime again when it did not answer at boot. */
    BOOT_RETRY: 5_000,
  },
  guards: {
    isInService: ({ context }) => context.kiosk?.status.inService === true,
    isStatusInService: ({ event }) => event.type === 'kiosk.statusChanged' && event.status.inService,
    isCountdownOver: ({ context }) => context.secondsLeft <= 1,
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
    startCountdown: assign({ secondsLeft: IDLE_WARNING_SECONDS }),
    countDown: assign({ secondsLeft: ({ context }) => context.secondsLeft - 1 }),
    countExtension: assign({ extensions: ({ context }) => context.extensions + 1 }),
    markEndReason: assign({ endReason: (_, reason: SessionEndReason) => reason }),
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
  },
  initial: 'booting',
  on: {
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
    outOfService: {},
    attract: {
      on: {
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
                'service.selected': 'info',
                'back.requested': { target: '#session.ending', actions: { type: 'markEndReason', params: 'home' } },
              },
            },
            info: {
              invoke: { id: 'info', src: 'infoFlow' },
              on: { 'back.requested': 'home', 'home.requested': 'home' },
            },
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
        // The count is best-effort; the wipe is not: both ways lead to a clean attract screen.
        onDone: 'deciding',
        onError: 'deciding',
      },
    },
  },
});

export type SessionMachine = typeof sessionMachine;
