/**
 * Technician mode: PIN entry (the PIN is never shown, logged or read aloud —
 * the speech work must announce only "digit entered"), then the diagnostic
 * screens over one technician session token. The session ends on exit, on
 * SESSION_IDLE without a touch, or when the runtime says the token expired.
 */
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import type {
  DevicesStatus,
  KioskStatus,
  LastRead,
  LogLevel,
  LogLine,
  SyncState,
  TechnicianLogin,
  TechnicianOverview,
} from '../../kiosk-shell/api/contract';

export const PIN_MIN = 4;
export const PIN_MAX = 12;

export const SECTIONS = ['status', 'devices', 'network', 'storage', 'logs', 'config'] as const;
export type Section = (typeof SECTIONS)[number];

/** What a technician can ask for; the wiring turns each into one kiosk API call. */
export type TechAction =
  | { kind: 'testPrint' }
  | { kind: 'paperReplaced' }
  | { kind: 'readerTest' }
  | { kind: 'syncNow' }
  | { kind: 'checkIntegrity' }
  | { kind: 'logs'; minLevel: LogLevel | null; module: string | null }
  | { kind: 'setService'; inService: boolean; message: string };

export type ActionResult =
  | { kind: 'testPrint'; mm: number }
  | { kind: 'paperReplaced'; printer: DevicesStatus['printer'] }
  | { kind: 'readerTest'; reads: LastRead[] }
  | { kind: 'syncNow'; sync: SyncState }
  | { kind: 'checkIntegrity'; ok: boolean; detail: string }
  | { kind: 'logs'; lines: LogLine[] }
  | { kind: 'setService'; status: KioskStatus };

export type ActionState = {
  kind: TechAction['kind'];
  state: 'running' | 'done' | 'failed';
  /** The API error code when failed (PAPER_OUT, DEVICE_OFFLINE, …). */
  code: string | null;
};

export type TechnicianContext = {
  pin: string;
  problem: 'wrong' | 'locked' | 'failed' | null;
  attemptsLeft: number | null;
  retryAt: string | null;
  token: string | null;
  section: Section;
  overview: TechnicianOverview | null;
  action: ActionState | null;
  reads: LastRead[];
  logs: LogLine[];
  integrity: { ok: boolean; detail: string } | null;
  logFilter: { minLevel: LogLevel | null; module: string | null };
};

export type TechnicianEvent =
  | { type: 'pin.digit'; digit: string }
  | { type: 'pin.erase' }
  | { type: 'pin.submitted' }
  | { type: 'exit.requested' }
  | { type: 'user.acted' }
  | { type: 'section.selected'; section: Section }
  | { type: 'action.requested'; action: TechAction }
  | { type: 'overview.updated'; overview: TechnicianOverview };

/** Thrown (with this code) by the wiring when the runtime refused the token. */
export type CodedError = { code?: string };

const isUnauthorized = (error: unknown) => (error as CodedError | null)?.code === 'UNAUTHORIZED';
const errorCodeOf = (error: unknown) => (error as CodedError | null)?.code ?? 'INTERNAL';

export const technicianMachine = setup({
  types: {
    context: {} as TechnicianContext,
    events: {} as TechnicianEvent,
  },
  actors: {
    login: fromPromise<TechnicianLogin, { pin: string }>(() => {
      throw new Error('login must be provided');
    }),
    loadOverview: fromPromise<TechnicianOverview, { token: string }>(() => {
      throw new Error('loadOverview must be provided');
    }),
    runAction: fromPromise<ActionResult, { token: string; action: TechAction }>(() => {
      throw new Error('runAction must be provided');
    }),
    /** Pushes `overview.updated` while the screens are open (devices and queue live). */
    liveUpdates: fromCallback<TechnicianEvent, { token: string }>(() => undefined),
    logout: fromPromise<void, { token: string }>(() => Promise.resolve()),
  },
  delays: {
    /** The PIN pad goes back to the attract screen after this long untouched. */
    PIN_IDLE: 60_000,
    /** The technician session ends after this long without a touch (the runtime has its own limit). */
    SESSION_IDLE: 300_000,
  },
  guards: {
    isPinComplete: ({ context }) => context.pin.length >= PIN_MIN,
    isLoggedIn: (_, login: TechnicianLogin) => login.ok,
    isLocked: (_, login: TechnicianLogin) => !login.ok && login.problem === 'locked',
    isUnauthorized: (_, error: unknown) => isUnauthorized(error),
  },
  actions: {
    addDigit: assign({
      pin: ({ context, event }) =>
        event.type === 'pin.digit' && /^\d$/.test(event.digit) && context.pin.length < PIN_MAX
          ? context.pin + event.digit
          : context.pin,
    }),
    eraseDigit: assign({ pin: ({ context }) => context.pin.slice(0, -1) }),
    /** Forgets the typed PIN: it lives only between the pad and the login call. */
    clearPin: assign({ pin: '' }),
    assignLogin: assign((_, login: TechnicianLogin) =>
      login.ok
        ? { token: login.token, problem: null, attemptsLeft: null, retryAt: null }
        : login.problem === 'locked'
          ? { problem: 'locked' as const, retryAt: login.retryAt, attemptsLeft: 0 }
          : { problem: 'wrong' as const, attemptsLeft: login.attemptsLeft, retryAt: null },
    ),
    markLoginFailed: assign({ problem: 'failed' as const }),
    assignOverview: assign({ overview: (_, overview: TechnicianOverview) => overview }),
    selectSection: assign({
      section: ({ context, event }) => (event.type === 'section.selected' ? event.section : context.section),
      action: ({ context, event }) => (event.type === 'section.selected' ? null : context.action),
    }),
    startAction: assign(({ event }) => {
      if (event.type !== 'action.requested') return {};
      const { action } = event;
      return {
        action: { kind: action.kind, state: 'running' as const, code: null },
        ...(action.kind === 'logs' && { logFilter: { minLevel: action.minLevel, module: action.module } }),
        ...(action.kind === 'checkIntegrity' && { integrity: null }),
      };
    }),
    finishAction: assign(({ context }, result: ActionResult) => {
      const done = { action: { kind: result.kind, state: 'done' as const, code: null } };
      const overview = context.overview;
      switch (result.kind) {
        case 'readerTest':
          return { ...done, reads: result.reads };
        case 'logs':
          return { ...done, logs: result.lines };
        case 'checkIntegrity':
          return { ...done, integrity: { ok: result.ok, detail: result.detail } };
        case 'paperReplaced':
          return overview
            ? { ...done, overview: { ...overview, devices: { ...overview.devices, printer: result.printer } } }
            : done;
        case 'syncNow':
          return overview ? { ...done, overview: { ...overview, sync: result.sync } } : done;
        case 'setService':
          return overview
            ? {
                ...done,
                overview: {
                  ...overview,
                  status: result.status,
                  forcedOutOfService: result.status.outOfServiceReason === 'TECHNICIAN',
                },
              }
            : done;
        case 'testPrint':
          return done;
      }
    }),
    failAction: assign({
      action: ({ context }, error: unknown) =>
        context.action ? { ...context.action, state: 'failed' as const, code: errorCodeOf(error) } : null,
    }),
    forgetSession: assign({ token: null, overview: null, reads: [], logs: [], integrity: null, action: null }),
  },
}).createMachine({
  id: 'technician',
  context: {
    pin: '',
    problem: null,
    attemptsLeft: null,
    retryAt: null,
    token: null,
    section: 'status',
    overview: null,
    action: null,
    reads: [],
    logs: [],
    integrity: null,
    logFilter: { minLevel: null, module: null },
  },
  initial: 'pin',
  states: {
    pin: {
      on: {
        'pin.digit': { target: 'pin', reenter: true, actions: 'addDigit' },
        'pin.erase': { target: 'pin', reenter: true, actions: 'eraseDigit' },
        'pin.submitted': { guard: 'isPinComplete', target: 'checking' },
        'exit.requested': { target: 'done', actions: 'clearPin' },
      },
      after: { PIN_IDLE: { target: 'done', actions: 'clearPin' } },
    },
    checking: {
      invoke: {
        id: 'login',
        src: 'login',
        input: ({ context }) => ({ pin: context.pin }),
        onDone: [
          {
            guard: { type: 'isLoggedIn', params: ({ event }) => event.output },
            target: 'session',
            actions: ['clearPin', { type: 'assignLogin', params: ({ event }) => event.output }],
          },
          { target: 'pin', actions: ['clearPin', { type: 'assignLogin', params: ({ event }) => event.output }] },
        ],
        onError: { target: 'pin', actions: ['clearPin', 'markLoginFailed'] },
      },
    },
    session: {
      type: 'parallel',
      invoke: { src: 'liveUpdates', input: ({ context }) => ({ token: context.token! }) },
      on: {
        'exit.requested': '#technician.leaving',
        'overview.updated': { actions: { type: 'assignOverview', params: ({ event }) => event.overview } },
        'section.selected': { actions: 'selectSection' },
      },
      states: {
        screen: {
          initial: 'loading',
          states: {
            loading: {
              invoke: {
                id: 'overview',
                src: 'loadOverview',
                input: ({ context }) => ({ token: context.token! }),
                onDone: {
                  target: 'ready',
                  actions: {
                    type: 'assignOverview',
                    params: ({ event }: { event: { output: TechnicianOverview } }) => event.output,
                  },
                },
                onError: [
                  {
                    guard: {
                      type: 'isUnauthorized',
                      params: ({ event }: { event: { error: unknown } }) => event.error,
                    },
                    target: '#technician.expired',
                  },
                  { target: 'ready' },
                ],
              },
            },
            ready: {
              on: { 'action.requested': { target: 'running', actions: 'startAction' } },
            },
            running: {
              invoke: {
                id: 'action',
                src: 'runAction',
                input: ({ context, event }) => ({
                  token: context.token!,
                  action: (event as Extract<TechnicianEvent, { type: 'action.requested' }>).action,
                }),
                onDone: {
                  target: 'ready',
                  actions: {
                    type: 'finishAction',
                    params: ({ event }: { event: { output: ActionResult } }) => event.output,
                  },
                },
                onError: [
                  {
                    guard: {
                      type: 'isUnauthorized',
                      params: ({ event }: { event: { error: unknown } }) => event.error,
                    },
                    target: '#technician.expired',
                  },
                  {
                    target: 'ready',
                    actions: { type: 'failAction', params: ({ event }: { event: { error: unknown } }) => event.error },
                  },
                ],
              },
            },
          },
        },
        idle: {
          initial: 'watching',
          states: {
            watching: {
              on: { 'user.acted': { target: 'watching', reenter: true } },
              after: { SESSION_IDLE: '#technician.leaving' },
            },
          },
        },
      },
    },
    /** The runtime no longer knows the token: back to the PIN pad. */
    expired: {
      entry: 'forgetSession',
      always: 'pin',
    },
    leaving: {
      invoke: {
        id: 'logout',
        src: 'logout',
        input: ({ context }) => ({ token: context.token ?? '' }),
        onDone: { target: 'done', actions: 'forgetSession' },
        onError: { target: 'done', actions: 'forgetSession' },
      },
    },
    done: { type: 'final' },
  },
});

export type TechnicianMachine = typeof technicianMachine;
