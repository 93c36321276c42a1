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
  TechnicianCardEvent,
  TechnicianCardProblem,
  TechnicianLogin,
  TechnicianOverview,
  TechnicianProgress,
  PrintPreview,
  TechnicianConfigChange,
  TechnicianConfigResult,
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
  | { kind: 'setService'; inService: boolean; message: string }
  | { kind: 'previews' }
  | { kind: 'configure'; change: ConfigChange };

/** A configuration change from the screen (only what the technician changed; the code is used once). */
export type ConfigChange = Omit<TechnicianConfigChange, 'token'>;

export type ActionResult =
  | { kind: 'testPrint'; mm: number }
  | { kind: 'paperReplaced'; printer: DevicesStatus['printer'] }
  | { kind: 'readerTest'; reads: LastRead[] }
  | { kind: 'syncNow'; sync: SyncState }
  | { kind: 'checkIntegrity'; ok: boolean; detail: string }
  | { kind: 'logs'; lines: LogLine[] }
  | { kind: 'setService'; status: KioskStatus }
  | { kind: 'previews'; previews: PrintPreview[] }
  | { kind: 'configure'; result: TechnicianConfigResult };

export type ActionState = {
  kind: TechAction['kind'];
  state: 'running' | 'done' | 'failed';
  /** The API error code when failed (PAPER_OUT, DEVICE_OFFLINE, …). */
  code: string | null;
};

export type TechnicianContext = {
  pin: string;
  problem: 'wrong' | 'locked' | 'failed' | 'card' | null;
  /** Why the last technician card was refused (with problem 'card'). */
  cardProblem: TechnicianCardProblem | null;
  attemptsLeft: number | null;
  retryAt: string | null;
  token: string | null;
  section: Section;
  overview: TechnicianOverview | null;
  action: ActionState | null;
  reads: LastRead[];
  logs: LogLine[];
  integrity: { ok: boolean; detail: string } | null;
  /**
   * How far the running (or last) force sync or integrity check got, from the
   * runtime's `technician.progress`; kept after it ends, so a sync the hub
   * stopped shows where it stopped. Null until the first report.
   */
  progress: TechnicianProgress | null;
  logFilter: { minLevel: LogLevel | null; module: string | null };
  /** The last prints' previews (masked by the runtime), newest first. */
  previews: PrintPreview[];
  /** The answer to the last configuration change. */
  configResult: TechnicianConfigResult | null;
  /** What a technician asked to restart; null until then. */
  restart: RestartTarget | null;
};

export type RestartTarget = 'ui' | 'runtime';

export type TechnicianEvent =
  /** A technician card was scanned while the PIN pad was open. */
  | { type: 'card.read'; card: TechnicianCardEvent }
  | { type: 'pin.digit'; digit: string }
  | { type: 'pin.erase' }
  | { type: 'pin.submitted' }
  | { type: 'exit.requested' }
  | { type: 'user.acted' }
  | { type: 'section.selected'; section: Section }
  | { type: 'action.requested'; action: TechAction }
  /** The runtime reported how far a running sync or integrity check is. */
  | { type: 'action.progressed'; progress: TechnicianProgress }
  /** Restart the interface (the page reloads) or the runtime (it closes and starts again); the session ends. */
  | { type: 'restart.requested'; target: RestartTarget }
  | { type: 'overview.updated'; overview: TechnicianOverview };

/** Thrown (with this code) by the wiring when the runtime refused the token. */
export type CodedError = { code?: string };

const isUnauthorized = (error: unknown) => (error as CodedError | null)?.code === 'UNAUTHORIZED';
const errorCodeOf = (error: unknown) => (error as CodedError | null)?.code ?? 'INTERNAL';

/** What a card verdict sets: the session token, or the refusal shown on the PIN pad. */
function cardOutcome(card: TechnicianCardEvent): Partial<TechnicianContext> {
  if (card.ok) return { token: card.token, problem: null, cardProblem: null, attemptsLeft: null, retryAt: null };
  if (card.problem === 'locked') {
    return { problem: 'locked', cardProblem: null, retryAt: card.retryAt, attemptsLeft: 0 };
  }
  return { problem: 'card', cardProblem: card.problem, attemptsLeft: card.attemptsLeft, retryAt: null };
}

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
    /** Asks the runtime for the restart; for the UI, then logs out and reloads the page. */
    restart: fromPromise<void, { token: string; target: RestartTarget }>(() => {
      throw new Error('restart must be provided');
    }),
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
    hasSession: ({ context }) => context.token !== null,
    isProgressOfRunningAction: ({ context, event }) =>
      event.type === 'action.progressed' &&
      context.action?.state === 'running' &&
      context.action.kind === event.progress.action,
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
    assignCard: assign(({ event }) => (event.type === 'card.read' ? cardOutcome(event.card) : {})),
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
        progress: null,
        ...(action.kind === 'logs' && { logFilter: { minLevel: action.minLevel, module: action.module } }),
        ...(action.kind === 'checkIntegrity' && { integrity: null }),
        ...(action.kind === 'configure' && { configResult: null }),
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
        case 'previews':
          return { ...done, previews: result.previews };
        case 'configure':
          return result.result.ok && overview
            ? { ...done, configResult: result.result, overview: { ...overview, config: result.result.config } }
            : { ...done, configResult: result.result };
        case 'testPrint':
          return done;
      }
    }),
    assignProgress: assign({
      progress: ({ context, event }) => (event.type === 'action.progressed' ? event.progress : context.progress),
    }),
    failAction: assign({
      action: ({ context }, error: unknown) =>
        context.action ? { ...context.action, state: 'failed' as const, code: errorCodeOf(error) } : null,
    }),
    forgetSession: assign({
      token: null,
      overview: null,
      reads: [],
      logs: [],
      integrity: null,
      progress: null,
      action: null,
      previews: [],
      configResult: null,
    }),
    assignRestart: assign({
      restart: ({ context, event }) => (event.type === 'restart.requested' ? event.target : context.restart),
    }),
  },
}).createMachine({
  id: 'technician',
  context: {
    pin: '',
    problem: null,
    cardProblem: null,
    attemptsLeft: null,
    retryAt: null,
    token: null,
    section: 'status',
    overview: null,
    action: null,
    reads: [],
    logs: [],
    integrity: null,
    progress: null,
    logFilter: { minLevel: null, module: null },
    previews: [],
    configResult: null,
    restart: null,
  },
  initial: 'pin',
  states: {
    pin: {
      // A good card (`card.read`, also sent on entry by the session): straight to the screens.
      always: { guard: 'hasSession', target: 'session' },
      on: {
        'card.read': { target: 'pin', reenter: true, actions: ['clearPin', 'assignCard'] },
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
        'restart.requested': { target: '#technician.restarting', actions: 'assignRestart' },
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
              on: { 'action.progressed': { guard: 'isProgressOfRunningAction', actions: 'assignProgress' } },
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
    /** The session ends with the restart: the runtime forgets every session, the page reloads. */
    restarting: {
      invoke: {
        id: 'restart',
        src: 'restart',
        input: ({ context }) => ({ token: context.token ?? '', target: context.restart ?? 'ui' }),
        onDone: { target: 'done', actions: 'forgetSession' },
        onError: { target: 'leaving' },
      },
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
