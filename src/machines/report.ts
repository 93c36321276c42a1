/**
 * Segnalazioni: a resident reports a problem in the frazione (a broken street
 * light, a pothole, rubbish) — category → place → description → optional
 * contact → summary → sent, with the receipt code to follow it in Stato pratica.
 *
 * The description and the contact are personal data: they live only in this
 * machine's context, leave it only inside the `requests.create` call, and are
 * discarded with the flow when the session ends.
 */
import { and, assign, fromPromise, setup } from 'xstate';
import type { DoneStateEvent } from 'xstate';
import type {
  CreatedRequest,
  KioskDescription,
  Locale,
  PrintOutcome,
  ReportCategory,
  ReportRequest,
  ServicesCatalog,
} from '../../kiosk-shell/api/contract';
import { errorCode } from '../api/unwrap';
import { isPrinterKnownDown, submittingToReceipt, withReprint, withReprintFailure } from './flow';
import type { FlowEvent, FlowInput, FlowOutput, PrinterState } from './flow';

/** The steps the summary can send the resident back to. */
export type ReportStep = 'category' | 'place' | 'description' | 'contact';
export type ContactKind = 'none' | 'email' | 'phone';
/** Why a report could not be registered (nothing was written in every case). */
export type ReportFailure = 'SERVICE_UNAVAILABLE' | 'STORE_FULL' | 'OTHER';
type Street = ServicesCatalog['streets'][number];

export const DESCRIPTION_MAX = 1000;
/** How many street matches the place step shows at once (big buttons, no scrolling through hundreds). */
export const STREET_MATCHES_MAX = 8;
export const PHONE_DIGITS_MIN = 6;
export const PHONE_DIGITS_MAX = 15;

export type ReportContext = {
  kiosk: KioskDescription;
  locale: Locale;
  printer: PrinterState | null;
  /** Show, once, that no receipt can be printed (the code will be shown on screen instead). */
  printerNoticePending: boolean;
  catalog: ServicesCatalog | null;
  category: ReportCategory | null;
  place: ReportRequest['place'] | null;
  streetQuery: string;
  description: string;
  /** null until the resident answers the contact step. */
  contactKind: ContactKind | null;
  email: string;
  phone: string;
  /** A step opened from the summary returns to the summary. */
  editing: boolean;
  created: CreatedRequest | null;
  failure: ReportFailure | null;
};

export type ReportEvent =
  | FlowEvent
  | { type: 'category.chosen'; category: ReportCategory }
  | { type: 'place.nearKioskChosen' }
  | { type: 'place.streetSearchChosen' }
  | { type: 'street.queryTyped'; query: string }
  | { type: 'place.streetChosen'; streetCode: string }
  | { type: 'description.typed'; text: string }
  | { type: 'description.confirmed' }
  | { type: 'contact.skipped' }
  | { type: 'contact.emailChosen' }
  | { type: 'contact.phoneChosen' }
  | { type: 'contact.typed'; value: string }
  | { type: 'contact.confirmed' }
  | { type: 'summary.editRequested'; step: ReportStep }
  | { type: 'report.confirmed' }
  | { type: 'retry.requested' }
  | { type: 'reprint.requested' }
  | { type: 'finish.requested' }
  | { type: 'anotherService.requested' };

// ── Pure helpers (the screens use them too) ─────────────────────────────────

/** Lower case, without accents or apostrophe variants: "Via dell’Università" ≈ "via dell'universita". */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[’‘`´]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/**
 * The streets whose name contains the query (case- and accent-insensitive),
 * this frazione's first, at most `limit`. An empty query lists this frazione's
 * streets first, so a resident may not need to type at all.
 */
export function matchStreets(streets: readonly Street[], query: string, limit: number = STREET_MATCHES_MAX): Street[] {
  const q = foldForSearch(query);
  const matching = q === '' ? [...streets] : streets.filter((s) => foldForSearch(s.name).includes(q));
  const here = matching.filter((s) => s.inThisFrazione);
  const elsewhere = matching.filter((s) => !s.inThisFrazione);
  return [...here, ...elsewhere].slice(0, limit);
}

/**
 * The kiosk's order of the categories. The renderer may import only types from
 * the contract, so the list is repeated here; the type below fails to compile
 * if the contract gains a category that is not in it.
 */
export const CATEGORY_ORDER = [
  'lighting',
  'roads',
  'waste',
  'greenery',
  'water',
  'other',
] as const satisfies readonly ReportCategory[];
const everyCategoryOrdered: Exclude<ReportCategory, (typeof CATEGORY_ORDER)[number]> extends never ? true : never =
  true;
void everyCategoryOrdered;

/** The categories the hub accepts, in the kiosk's fixed order. */
export function offeredCategories(catalog: ServicesCatalog | null): ReportCategory[] {
  if (!catalog) return [];
  return CATEGORY_ORDER.filter((c) => catalog.reportCategories.includes(c));
}

export function isDescriptionAcceptable(text: string): boolean {
  const length = text.trim().length;
  return length >= 1 && length <= DESCRIPTION_MAX;
}

// The same shape the runtime's schema accepts (zod's e-mail pattern); the runtime checks again.
const EMAIL = /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

export function isEmailAcceptable(email: string): boolean {
  const e = email.trim();
  return e.length <= 200 && EMAIL.test(e);
}

export function isPhoneAcceptable(phone: string): boolean {
  return new RegExp(`^[0-9]{${PHONE_DIGITS_MIN},${PHONE_DIGITS_MAX}}$`).test(phone);
}

/** The request exactly as `requests.create` receives it. */
export function buildReportRequest(context: ReportContext): ReportRequest {
  if (!context.category || !context.place) throw new Error('report request built before its steps were answered');
  const contact: ReportRequest['contact'] =
    context.contactKind === 'email'
      ? { email: context.email.trim(), phone: null }
      : context.contactKind === 'phone'
        ? { email: null, phone: context.phone }
        : null;
  return {
    kind: 'report',
    locale: context.locale,
    category: context.category,
    place: context.place,
    description: context.description.trim(),
    contact,
  };
}

function failureOf(error: unknown): ReportFailure {
  const code = errorCode(error);
  return code === 'SERVICE_UNAVAILABLE' || code === 'STORE_FULL' ? code : 'OTHER';
}

// ── The machine ─────────────────────────────────────────────────────────────

export const reportMachine = setup({
  types: {
    input: {} as FlowInput,
    output: {} as FlowOutput,
    context: {} as ReportContext,
    events: {} as ReportEvent,
  },
  actors: {
    loadCatalog: fromPromise<ServicesCatalog>(() => {
      throw new Error('loadCatalog must be provided');
    }),
    createRequest: fromPromise<CreatedRequest, ReportRequest>(() => {
      throw new Error('createRequest must be provided');
    }),
    reprintReceipt: fromPromise<PrintOutcome, { receiptCode: string }>(() => {
      throw new Error('reprintReceipt must be provided');
    }),
  },
  guards: {
    isCatalogUsable: (_, catalog: ServicesCatalog) => catalog.available && catalog.reportCategories.length > 0,
    isEditing: ({ context }) => context.editing,
    isStreetKnown: ({ context, event }) =>
      event.type === 'place.streetChosen' && !!context.catalog?.streets.some((s) => s.code === event.streetCode),
    isCategoryOffered: ({ context, event }) =>
      event.type === 'category.chosen' && offeredCategories(context.catalog).includes(event.category),
    isDescriptionAcceptable: ({ context }) => isDescriptionAcceptable(context.description),
    isEmailAcceptable: ({ context }) => isEmailAcceptable(context.email),
    isPhoneAcceptable: ({ context }) => isPhoneAcceptable(context.phone),
    isEditRequestedFor: ({ event }, step: ReportStep) => event.type === 'summary.editRequested' && event.step === step,
  },
  actions: {
    assignCatalog: assign({ catalog: (_, catalog: ServicesCatalog) => catalog }),
    assignLocale: assign({
      locale: ({ context, event }) => (event.type === 'locale.changed' ? event.locale : context.locale),
    }),
    assignPrinter: assign({
      printer: ({ context, event }) => (event.type === 'printer.changed' ? event.printer : context.printer),
    }),
    dismissPrinterNotice: assign({ printerNoticePending: false }),
    assignCategory: assign({
      category: ({ context, event }) => (event.type === 'category.chosen' ? event.category : context.category),
    }),
    assignNearKiosk: assign({ place: { kind: 'nearKiosk' } as ReportRequest['place'] }),
    assignStreetQuery: assign({
      streetQuery: ({ context, event }) => (event.type === 'street.queryTyped' ? event.query : context.streetQuery),
    }),
    assignStreet: assign({
      place: ({ context, event }) =>
        event.type === 'place.streetChosen' ? { kind: 'street' as const, streetCode: event.streetCode } : context.place,
    }),
    assignDescription: assign({
      description: ({ context, event }) =>
        event.type === 'description.typed' ? event.text.slice(0, DESCRIPTION_MAX) : context.description,
    }),
    /** Keeps only the contact the resident chose: nothing else typed leaves the flow or lingers in it. */
    assignContactKind: assign(({ context }, kind: ContactKind) => ({
      contactKind: kind,
      email: kind === 'email' ? context.email : '',
      phone: kind === 'phone' ? context.phone : '',
    })),
    assignEmail: assign({
      email: ({ context, event }) => (event.type === 'contact.typed' ? event.value.slice(0, 200) : context.email),
    }),
    assignPhone: assign({
      phone: ({ context, event }) =>
        event.type === 'contact.typed' ? event.value.replace(/\D/g, '').slice(0, PHONE_DIGITS_MAX) : context.phone,
    }),
    startEditing: assign({ editing: true }),
    stopEditing: assign({ editing: false }),
    assignCreated: assign({ created: (_, created: CreatedRequest) => created, failure: null }),
    assignFailure: assign({ failure: (_, error: unknown) => failureOf(error) }),
    assignReprint: assign({ created: ({ context }, print: PrintOutcome) => withReprint(context.created, print) }),
    assignReprintFailure: assign({
      created: ({ context }, error: unknown) => withReprintFailure(context.created, error),
    }),
  },
}).createMachine({
  id: 'report',
  context: ({ input }) => ({
    kiosk: input.kiosk,
    locale: input.locale,
    printer: input.printer,
    printerNoticePending: isPrinterKnownDown(input.printer),
    catalog: null,
    category: null,
    place: null,
    streetQuery: '',
    description: '',
    contactKind: null,
    email: '',
    phone: '',
    editing: false,
    created: null,
    failure: null,
  }),
  on: {
    'locale.changed': { actions: 'assignLocale' },
    'printer.changed': { actions: 'assignPrinter' },
  },
  initial: 'loading',
  states: {
    loading: {
      invoke: {
        id: 'loadCatalog',
        src: 'loadCatalog',
        onDone: [
          {
            guard: { type: 'isCatalogUsable', params: ({ event }) => event.output },
            target: 'category',
            actions: { type: 'assignCatalog', params: ({ event }) => event.output },
          },
          { target: 'unavailable', actions: { type: 'assignCatalog', params: ({ event }) => event.output } },
        ],
        onError: 'unavailable',
      },
      on: { back: 'home' },
    },
    /** No catalog yet, or the hub takes no reports: say so and point to the nearest counter. */
    unavailable: {
      on: { back: 'home' },
    },
    category: {
      exit: 'dismissPrinterNotice',
      on: {
        'category.chosen': [
          { guard: and(['isCategoryOffered', 'isEditing']), target: 'summary', actions: 'assignCategory' },
          { guard: 'isCategoryOffered', target: 'place', actions: 'assignCategory' },
        ],
        back: [{ guard: 'isEditing', target: 'summary' }, { target: 'home' }],
      },
    },
    place: {
      initial: 'choosing',
      states: {
        choosing: {
          on: {
            'place.nearKioskChosen': [
              { guard: 'isEditing', target: '#report.summary', actions: 'assignNearKiosk' },
              { target: '#report.description', actions: 'assignNearKiosk' },
            ],
            'place.streetSearchChosen': 'searching',
            back: [{ guard: 'isEditing', target: '#report.summary' }, { target: '#report.category' }],
          },
        },
        searching: {
          on: {
            'street.queryTyped': { actions: 'assignStreetQuery' },
            'place.streetChosen': [
              { guard: and(['isStreetKnown', 'isEditing']), target: '#report.summary', actions: 'assignStreet' },
              { guard: 'isStreetKnown', target: '#report.description', actions: 'assignStreet' },
            ],
            back: 'choosing',
          },
        },
      },
    },
    description: {
      on: {
        'description.typed': { actions: 'assignDescription' },
        'description.confirmed': [
          { guard: and(['isDescriptionAcceptable', 'isEditing']), target: 'summary' },
          { guard: 'isDescriptionAcceptable', target: 'contact' },
        ],
        back: [{ guard: 'isEditing', target: 'summary' }, { target: 'place' }],
      },
    },
    contact: {
      initial: 'choosing',
      states: {
        choosing: {
          on: {
            'contact.skipped': {
              target: '#report.summary',
              actions: { type: 'assignContactKind', params: 'none' },
            },
            'contact.emailChosen': 'email',
            'contact.phoneChosen': 'phone',
            back: [{ guard: 'isEditing', target: '#report.summary' }, { target: '#report.description' }],
          },
        },
        email: {
          on: {
            'contact.typed': { actions: 'assignEmail' },
            'contact.confirmed': {
              guard: 'isEmailAcceptable',
              target: '#report.summary',
              actions: { type: 'assignContactKind', params: 'email' },
            },
            back: 'choosing',
          },
        },
        phone: {
          on: {
            'contact.typed': { actions: 'assignPhone' },
            'contact.confirmed': {
              guard: 'isPhoneAcceptable',
              target: '#report.summary',
              actions: { type: 'assignContactKind', params: 'phone' },
            },
            back: 'choosing',
          },
        },
      },
    },
    summary: {
      entry: 'stopEditing',
      on: {
        'summary.editRequested': [
          { guard: { type: 'isEditRequestedFor', params: 'category' }, target: 'category', actions: 'startEditing' },
          { guard: { type: 'isEditRequestedFor', params: 'place' }, target: 'place', actions: 'startEditing' },
          {
            guard: { type: 'isEditRequestedFor', params: 'description' },
            target: 'description',
            actions: 'startEditing',
          },
          { guard: { type: 'isEditRequestedFor', params: 'contact' }, target: 'contact', actions: 'startEditing' },
        ],
        'report.confirmed': 'submitting',
        back: 'contact',
      },
    },
    ...submittingToReceipt({
      requestId: 'createRequest',
      reprintId: 'reprintReceipt',
      input: ({ context }: { context: ReportContext }) => buildReportRequest(context),
    }),
    home: { type: 'final', output: { next: 'home' } satisfies FlowOutput },
    end: { type: 'final', output: { next: 'end' } satisfies FlowOutput },
  },
  output: ({ event }) => (event as DoneStateEvent<FlowOutput>).output,
});

export type ReportMachine = typeof reportMachine;
