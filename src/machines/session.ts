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
import type { FlowInput, FlowOutput, PrinterState } from './flow';
import type { KioskDescription, KioskStatus, Locale } from '../../kiosk-shell/api/contract';

export type ServiceId = 'info' | 'certificate' | 'report' | 'status';
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
  | { type: 'printer.changed'; printer: PrinterState };

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
    certificateFlow: certificateMachine,
    reportFlow: reportMachine,
    statusFlow: statusMachine,
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
    startCountdown: assign({ secondsLeft: IDLE_WARNING_SECONDS }),
    assignPrinter: assign({
      printer: ({ context, event }) => (event.type === 'printer.changed' ? event.printer : context.printer),
    }),
    forwardLocale: sendTo('flow', ({ context }) => ({ type: 'locale.changed' as const, locale: context.locale })),
    forwardBack: sendTo('flow', { type: 'back' as const }),
    forwardPrinter: sendTo('flow', ({ context }) => ({ type: 'printer.changed' as const, printer: context.printer! })),
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
    printer: null,
  },
  initial: 'booting',
  on: {
    'printer.changed': { actions: 'assignPrinter' },
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
                'service.selected': [
                  { guard: { type: 'isServiceSelected', params: 'certificate' }, target: 'certificate' },
                  { guard: { type: 'isServiceSelected', params: 'report' }, target: 'report' },
                  { guard: { type: 'isServiceSelected', params: 'status' }, target: 'status' },
                  { target: 'info' },
                ],
                'back.requested': { target: '#session.ending', actions: { type: 'markEndReason', params: 'home' } },
              },
            },
            info: {
              invoke: { id: 'info', src: 'infoFlow' },
              on: { 'back.requested': 'home', 'home.requested': 'home' },
            },
            certificate: {
              invoke: {
                id: 'flow',
                src: 'certificateFlow',
                input: ({ context }): FlowInput => ({
                  kiosk: context.kiosk!,
                  locale: context.locale,
                  printer: context.printer,
                }),
                onDone: [
                  {
                    guard: 'isFlowFinished',
                    target: '#session.ending',
                    actions: { type: 'markEndReason', params: 'done' },
                  },
                  { target: 'home' },
                ],
                // A flow that breaks must not strand the resident: back to the tiles.
                onError: 'home',
              },
              on: {
                'home.requested': 'home',
                'back.requested': { actions: 'forwardBack' },
                'language.selected': { actions: ['assignLocale', 'forwardLocale'] },
                'printer.changed': { actions: ['assignPrinter', 'forwardPrinter'] },
              },
            },
            report: {
              invoke: {
                id: 'flow',
                src: 'reportFlow',
                input: ({ context }): FlowInput => ({
                  kiosk: context.kiosk!,
                  locale: context.locale,
                  printer: context.printer,
                }),
                onDone: [
                  {
                    guard: 'isFlowFinished',
                    target: '#session.ending',
                    actions: { type: 'markEndReason', params: 'done' },
                  },
                  { target: 'home' },
                ],
                // A flow that breaks must not strand the resident: back to the tiles.
                onError: 'home',
              },
              on: {
                'home.requested': 'home',
                'back.requested': { actions: 'forwardBack' },
                'language.selected': { actions: ['assignLocale', 'forwardLocale'] },
                'printer.changed': { actions: ['assignPrinter', 'forwardPrinter'] },
              },
            },
            status: {
              invoke: {
                id: 'flow',
                src: 'statusFlow',
                input: ({ context }): FlowInput => ({
                  kiosk: context.kiosk!,
                  locale: context.locale,
                  printer: context.printer,
                }),
                onDone: [
                  {
                    guard: 'isFlowFinished',
                    target: '#session.ending',
                    actions: { type: 'markEndReason', params: 'done' },
                  },
                  { target: 'home' },
                ],
                // A flow that breaks must not strand the resident: back to the tiles.
                onError: 'home',
              },
              on: {
                'home.requested': 'home',
                'back.requested': { actions: 'forwardBack' },
                'language.selected': { actions: ['assignLocale', 'forwardLocale'] },
                'printer.changed': { actions: ['assignPrinter', 'forwardPrinter'] },
              },
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
