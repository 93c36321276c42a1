/**
 * Certificati anagrafici: the resident identifies, chooses a certificate type,
 * for whom, the stamp duty (only for types that owe it), where to collect it,
 * checks a summary and confirms; the kiosk registers the request and prints
 * the receipt.
 *
 * Everything personal (the identity, a family member's names, an e-mail
 * address) lives in this machine's context only; the session stops the flow
 * when it ends, which discards it.
 *
 * Fewest taps after the card is read, for oneself at this kiosk: type, "for
 * me", (stamp duty when due), "pickup here", confirm, finish. Every option is
 * selected and advanced by a single tap; after the summary was reached once,
 * editing a step returns straight to the summary.
 */
import { assign, fromPromise, sendTo, setup } from 'xstate';
import type {
  CertificateRequest,
  CreatedRequest,
  ErrorCode,
  ExemptionReason,
  Identity,
  Locale,
  PrintOutcome,
  ServicesCatalog,
} from '../../kiosk-shell/api/contract';
import { errorCode } from '../api/unwrap';
import { isPrinterKnownDown, submittingToReceipt, withReprint, withReprintFailure } from './flow';
import type { FlowEvent, FlowInput, FlowOutput, PrinterState } from './flow';
import { identifyMachine } from './identify';
import type { IdentifyOutput } from './identify';

export type CertificateType = ServicesCatalog['certificateTypes'][number];

/**
 * The exemption reasons offered, in the contract's order. The renderer may
 * import only types from the contract, so the list is repeated here; the
 * type below fails to compile if the contract gains a reason that is not
 * offered, and the test checks the order.
 */
export const EXEMPTION_CHOICES = [
  'pension',
  'familyAllowance',
  'school',
  'legalProceedings',
  'adoption',
  'onlus',
] as const satisfies readonly ExemptionReason[];
const everyReasonOffered: Exclude<ExemptionReason, (typeof EXEMPTION_CHOICES)[number]> extends never ? true : never =
  true;
void everyReasonOffered;

/** The 14 digits of a marca da bollo (the contract's StampNumberSchema). */
export const STAMP_NUMBER = /^\d{14}$/;
export const STAMP_NUMBER_LENGTH = 14;

/**
 * An e-mail address the runtime's `z.email()` accepts too (zod's own pattern),
 * so a resident is told here rather than by a refused request.
 */
export const EMAIL =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;
export const EMAIL_MAX_LENGTH = 200;
export const NAME_MAX_LENGTH = 100;

export type SubjectChoice = 'self' | 'family';
export type StampChoice = 'stamp' | 'exempt';
export type DeliveryChoice = 'kiosk' | 'townHall' | 'email';
/** The steps the summary can send the resident back to. */
export type CertificateStep = 'type' | 'subject' | 'stampDuty' | 'delivery';
/** A value the resident typed that was refused when they tried to go on. */
export type RefusedField = 'surname' | 'givenNames' | 'stampNumber' | 'email';

export type CertificateContext = {
  kiosk: FlowInput['kiosk'];
  locale: Locale;
  printer: PrinterState | null;
  /** The printer could not print when the flow started: the resident is told once, on the first step. */
  noReceiptAtStart: boolean;
  catalog: ServicesCatalog | null;
  identity: Identity | null;
  typeCode: string | null;
  subject: SubjectChoice | null;
  familySurname: string;
  familyGivenNames: string;
  stampChoice: StampChoice | null;
  stampNumber: string;
  exemptionReason: ExemptionReason | null;
  delivery: DeliveryChoice | null;
  email: string;
  /** The summary was reached once: from now on a finished step returns to it. */
  reviewed: boolean;
  refused: RefusedField | null;
  created: CreatedRequest | null;
  error: ErrorCode | null;
};

export type CertificateEvent =
  | FlowEvent
  | { type: 'retry.requested' }
  | { type: 'type.selected'; code: string }
  | { type: 'subject.selected'; subject: SubjectChoice }
  | { type: 'surname.changed'; value: string }
  | { type: 'surname.confirmed' }
  | { type: 'givenNames.changed'; value: string }
  | { type: 'givenNames.confirmed' }
  | { type: 'stampDuty.selected'; choice: StampChoice }
  | { type: 'stampNumber.changed'; value: string }
  | { type: 'stampNumber.confirmed' }
  | { type: 'exemption.selected'; reason: ExemptionReason }
  | { type: 'delivery.selected'; delivery: DeliveryChoice }
  | { type: 'email.changed'; value: string }
  | { type: 'email.confirmed' }
  | { type: 'edit.requested'; step: CertificateStep }
  | { type: 'request.confirmed' }
  | { type: 'reprint.requested' }
  | { type: 'finish.requested' }
  | { type: 'anotherService.requested' };

/**
 * Whether the certificate may be collected at this kiosk: the collection
 * checks the card's codice fiscale against the request's, so an identity
 * without one (a passport read by the MRZ reader) collects at the town hall
 * or by e-mail.
 */
export function canCollectHere(context: Pick<CertificateContext, 'identity'>): boolean {
  return context.identity?.codiceFiscale != null;
}

/** The certificate type chosen, as the cached catalog describes it. */
export function chosenType(context: Pick<CertificateContext, 'catalog' | 'typeCode'>): CertificateType | null {
  return context.catalog?.certificateTypes.find((t) => t.code === context.typeCode) ?? null;
}

/** A catalog text in the resident's language, or in Italian, which is always there. */
export function localized(text: CertificateType['name'], locale: Locale): string {
  return text[locale] ?? text.it;
}

const isNamed = (value: string) => value.trim().length > 0 && value.trim().length <= NAME_MAX_LENGTH;
export const isStampNumber = (value: string) => STAMP_NUMBER.test(value);
export const isEmail = (value: string) => value.trim().length <= EMAIL_MAX_LENGTH && EMAIL.test(value.trim());

/** The request the resident's choices make, or null while a choice is missing or invalid. */
export function buildRequest(context: CertificateContext): CertificateRequest | null {
  const type = chosenType(context);
  if (!type || !context.identity) return null;

  let subject: CertificateRequest['subject'];
  if (context.subject === 'self') subject = { relation: 'self' };
  else if (context.subject === 'family' && isNamed(context.familySurname) && isNamed(context.familyGivenNames))
    subject = {
      relation: 'family',
      surname: context.familySurname.trim(),
      givenNames: context.familyGivenNames.trim(),
    };
  else return null;

  let stampDuty: CertificateRequest['stampDuty'];
  if (!type.stampDuty) stampDuty = { kind: 'notDue' };
  else if (context.stampChoice === 'stamp' && isStampNumber(context.stampNumber))
    stampDuty = { kind: 'stamp', number: context.stampNumber };
  else if (context.stampChoice === 'exempt' && context.exemptionReason)
    stampDuty = { kind: 'exempt', reason: context.exemptionReason };
  else return null;

  let delivery: CertificateRequest['delivery'];
  if (context.delivery === 'kiosk' || context.delivery === 'townHall') delivery = { kind: context.delivery };
  else if (context.delivery === 'email' && isEmail(context.email))
    delivery = { kind: 'email', address: context.email.trim() };
  else return null;

  return {
    kind: 'certificate',
    locale: context.locale,
    certificateType: type.code,
    identity: context.identity,
    subject,
    stampDuty,
    delivery,
  };
}

export const certificateMachine = setup({
  types: {
    context: {} as CertificateContext,
    events: {} as CertificateEvent,
    input: {} as FlowInput,
    output: {} as FlowOutput,
  },
  actors: {
    loadCatalog: fromPromise<ServicesCatalog>(() => {
      throw new Error('loadCatalog must be provided');
    }),
    identify: identifyMachine,
    createRequest: fromPromise<CreatedRequest, CertificateRequest>(() => {
      throw new Error('createRequest must be provided');
    }),
    reprintReceipt: fromPromise<PrintOutcome, { receiptCode: string }>(() => {
      throw new Error('reprintReceipt must be provided');
    }),
  },
  guards: {
    isCatalogUsable: (_, catalog: ServicesCatalog) => catalog.available && catalog.certificateTypes.length > 0,
    isIdentified: (_, output: IdentifyOutput) => output.outcome === 'identified',
    isTypeOffered: ({ context, event }) =>
      event.type === 'type.selected' && !!context.catalog?.certificateTypes.some((t) => t.code === event.code),
    isFamilySelected: ({ event }) => event.type === 'subject.selected' && event.subject === 'family',
    isStampSelected: ({ event }) => event.type === 'stampDuty.selected' && event.choice === 'stamp',
    isKioskPickupWithoutCodiceFiscale: ({ context, event }) =>
      event.type === 'delivery.selected' && event.delivery === 'kiosk' && !canCollectHere(context),
    isEmailSelected: ({ event }) => event.type === 'delivery.selected' && event.delivery === 'email',
    isSurnameGiven: ({ context }) => isNamed(context.familySurname),
    areGivenNamesGiven: ({ context }) => isNamed(context.familyGivenNames),
    isStampNumberValid: ({ context }) => isStampNumber(context.stampNumber),
    isEmailValid: ({ context }) => isEmail(context.email),
    isStampDutyDue: ({ context }) => chosenType(context)?.stampDuty === true,
    isEditingComplete: ({ context }) => context.reviewed && buildRequest(context) !== null,
    isRequestComplete: ({ context }) => buildRequest(context) !== null,
    isEditing: ({ event }, step: CertificateStep) => event.type === 'edit.requested' && event.step === step,
    isEditingStampDuty: ({ context, event }) =>
      event.type === 'edit.requested' && event.step === 'stampDuty' && chosenType(context)?.stampDuty === true,
  },
  actions: {
    assignCatalog: assign({ catalog: (_, catalog: ServicesCatalog) => catalog }),
    assignIdentity: assign({
      identity: (_, output: IdentifyOutput) => (output.outcome === 'identified' ? output.identity : null),
    }),
    assignLocale: assign({
      locale: ({ context, event }) => (event.type === 'locale.changed' ? event.locale : context.locale),
    }),
    assignPrinter: assign({
      printer: ({ context, event }) => (event.type === 'printer.changed' ? event.printer : context.printer),
    }),
    forwardBackToIdentify: sendTo('identify', { type: 'back' as const }),
    forwardLocaleToIdentify: sendTo('identify', ({ context }) => ({
      type: 'locale.changed' as const,
      locale: context.locale,
    })),
    assignType: assign({
      typeCode: ({ context, event }) => (event.type === 'type.selected' ? event.code : context.typeCode),
    }),
    assignSubject: assign(({ event }) => {
      if (event.type !== 'subject.selected') return {};
      // A family member's names are not kept once the resident asks for themself.
      return event.subject === 'self'
        ? { subject: event.subject, familySurname: '', familyGivenNames: '' }
        : { subject: event.subject };
    }),
    assignSurname: assign({
      familySurname: ({ context, event }) =>
        event.type === 'surname.changed' ? event.value.slice(0, NAME_MAX_LENGTH) : context.familySurname,
      refused: null,
    }),
    assignGivenNames: assign({
      familyGivenNames: ({ context, event }) =>
        event.type === 'givenNames.changed' ? event.value.slice(0, NAME_MAX_LENGTH) : context.familyGivenNames,
      refused: null,
    }),
    assignStampChoice: assign({
      stampChoice: ({ context, event }) => (event.type === 'stampDuty.selected' ? event.choice : context.stampChoice),
    }),
    assignStampNumber: assign({
      // Only digits reach the context, whatever a physical keyboard sent.
      stampNumber: ({ context, event }) =>
        event.type === 'stampNumber.changed'
          ? event.value.replace(/\D/g, '').slice(0, STAMP_NUMBER_LENGTH)
          : context.stampNumber,
      refused: null,
    }),
    assignExemption: assign({
      exemptionReason: ({ context, event }) =>
        event.type === 'exemption.selected' ? event.reason : context.exemptionReason,
    }),
    assignDelivery: assign(({ event }) => {
      if (event.type !== 'delivery.selected') return {};
      // An address is not kept once the resident collects the certificate in person.
      return event.delivery === 'email' ? { delivery: event.delivery } : { delivery: event.delivery, email: '' };
    }),
    assignEmail: assign({
      email: ({ context, event }) =>
        event.type === 'email.changed' ? event.value.replace(/\s/g, '').slice(0, EMAIL_MAX_LENGTH) : context.email,
      refused: null,
    }),
    refuse: assign({ refused: (_, field: RefusedField) => field }),
    clearRefusal: assign({ refused: null }),
    markReviewed: assign({ reviewed: true }),
    assignCreated: assign({ created: (_, created: CreatedRequest) => created, error: null }),
    assignFailure: assign({ error: (_, error: unknown) => errorCode(error) }),
    assignReprint: assign({ created: ({ context }, print: PrintOutcome) => withReprint(context.created, print) }),
    assignReprintFailure: assign({
      created: ({ context }, error: unknown) => withReprintFailure(context.created, error),
    }),
  },
}).createMachine({
  id: 'certificate',
  context: ({ input }) => ({
    kiosk: input.kiosk,
    locale: input.locale,
    printer: input.printer,
    noReceiptAtStart: isPrinterKnownDown(input.printer),
    catalog: null,
    identity: null,
    typeCode: null,
    subject: null,
    familySurname: '',
    familyGivenNames: '',
    stampChoice: null,
    stampNumber: '',
    exemptionReason: null,
    delivery: null,
    email: '',
    reviewed: false,
    refused: null,
    created: null,
    error: null,
  }),
  initial: 'loading',
  on: {
    'locale.changed': { actions: 'assignLocale' },
    'printer.changed': { actions: 'assignPrinter' },
  },
  states: {
    loading: {
      invoke: {
        id: 'catalog',
        src: 'loadCatalog',
        onDone: [
          {
            guard: { type: 'isCatalogUsable', params: ({ event }) => event.output },
            target: 'identifying',
            actions: { type: 'assignCatalog', params: ({ event }) => event.output },
          },
          { target: 'unavailable' },
        ],
        onError: 'catalogFailed',
      },
      on: { back: 'home' },
    },
    /** The kiosk has no catalog yet, or the service is off: the nearest counter can help. */
    unavailable: {
      on: { back: 'home' },
    },
    catalogFailed: {
      on: { back: 'home', 'retry.requested': 'loading' },
    },
    identifying: {
      invoke: {
        id: 'identify',
        src: 'identify',
        input: ({ context }) => ({ locale: context.locale }),
        onDone: [
          {
            guard: { type: 'isIdentified', params: ({ event }) => event.output },
            target: 'choosingType',
            actions: { type: 'assignIdentity', params: ({ event }) => event.output },
          },
          { target: 'home' },
        ],
        // An identification that breaks must not strand the resident.
        onError: 'home',
      },
      on: {
        back: { actions: 'forwardBackToIdentify' },
        'locale.changed': { actions: ['assignLocale', 'forwardLocaleToIdentify'] },
      },
    },
    choosingType: {
      on: {
        'type.selected': [{ guard: 'isTypeOffered', actions: 'assignType', target: 'afterType' }],
        back: [{ guard: 'isEditingComplete', target: 'summary' }, { target: 'home' }],
      },
    },
    afterType: {
      always: [{ guard: 'isEditingComplete', target: 'summary' }, { target: 'choosingSubject' }],
    },
    choosingSubject: {
      initial: 'choosing',
      states: {
        choosing: {
          on: {
            'subject.selected': [
              { guard: 'isFamilySelected', actions: 'assignSubject', target: 'typingSurname' },
              { actions: 'assignSubject', target: '#certificate.afterSubject' },
            ],
            back: [
              { guard: 'isEditingComplete', target: '#certificate.summary' },
              { target: '#certificate.choosingType' },
            ],
          },
        },
        typingSurname: {
          on: {
            'surname.changed': { actions: 'assignSurname' },
            'surname.confirmed': [
              { guard: 'isSurnameGiven', target: 'typingGivenNames' },
              { actions: { type: 'refuse', params: 'surname' } },
            ],
            back: { target: 'choosing', actions: 'clearRefusal' },
          },
        },
        typingGivenNames: {
          on: {
            'givenNames.changed': { actions: 'assignGivenNames' },
            'givenNames.confirmed': [
              { guard: 'areGivenNamesGiven', target: '#certificate.afterSubject' },
              { actions: { type: 'refuse', params: 'givenNames' } },
            ],
            back: { target: 'typingSurname', actions: 'clearRefusal' },
          },
        },
      },
    },
    afterSubject: {
      always: [
        { guard: 'isEditingComplete', target: 'summary' },
        { guard: 'isStampDutyDue', target: 'choosingStampDuty' },
        { target: 'choosingDelivery' },
      ],
    },
    choosingStampDuty: {
      initial: 'choosing',
      states: {
        choosing: {
          on: {
            'stampDuty.selected': [
              { guard: 'isStampSelected', actions: 'assignStampChoice', target: 'typingStampNumber' },
              { actions: 'assignStampChoice', target: 'choosingExemption' },
            ],
            back: [
              { guard: 'isEditingComplete', target: '#certificate.summary' },
              { target: '#certificate.choosingSubject' },
            ],
          },
        },
        typingStampNumber: {
          on: {
            'stampNumber.changed': { actions: 'assignStampNumber' },
            'stampNumber.confirmed': [
              { guard: 'isStampNumberValid', target: '#certificate.afterStampDuty' },
              { actions: { type: 'refuse', params: 'stampNumber' } },
            ],
            back: { target: 'choosing', actions: 'clearRefusal' },
          },
        },
        choosingExemption: {
          on: {
            'exemption.selected': { actions: 'assignExemption', target: '#certificate.afterStampDuty' },
            back: 'choosing',
          },
        },
      },
    },
    afterStampDuty: {
      always: [{ guard: 'isEditingComplete', target: 'summary' }, { target: 'choosingDelivery' }],
    },
    choosingDelivery: {
      initial: 'choosing',
      states: {
        choosing: {
          on: {
            'delivery.selected': [
              // Pickup here needs the codice fiscale: the kiosk checks the card against it at collection.
              { guard: 'isKioskPickupWithoutCodiceFiscale' },
              { guard: 'isEmailSelected', actions: 'assignDelivery', target: 'typingEmail' },
              { actions: 'assignDelivery', target: '#certificate.summary' },
            ],
            back: [
              { guard: 'isEditingComplete', target: '#certificate.summary' },
              { guard: 'isStampDutyDue', target: '#certificate.choosingStampDuty' },
              { target: '#certificate.choosingSubject' },
            ],
          },
        },
        typingEmail: {
          on: {
            'email.changed': { actions: 'assignEmail' },
            'email.confirmed': [
              { guard: 'isEmailValid', target: '#certificate.summary' },
              { actions: { type: 'refuse', params: 'email' } },
            ],
            back: { target: 'choosing', actions: 'clearRefusal' },
          },
        },
      },
    },
    summary: {
      entry: 'markReviewed',
      on: {
        'edit.requested': [
          { guard: { type: 'isEditing', params: 'type' }, target: 'choosingType' },
          { guard: { type: 'isEditing', params: 'subject' }, target: 'choosingSubject' },
          { guard: 'isEditingStampDuty', target: 'choosingStampDuty' },
          { guard: { type: 'isEditing', params: 'delivery' }, target: 'choosingDelivery' },
        ],
        'request.confirmed': { guard: 'isRequestComplete', target: 'submitting' },
        back: 'choosingDelivery',
      },
    },
    ...submittingToReceipt({
      requestId: 'request',
      reprintId: 'reprint',
      // The confirm guard made sure the request is complete.
      input: ({ context }: { context: CertificateContext }) => buildRequest(context)!,
    }),
    home: { type: 'final', output: { next: 'home' } satisfies FlowOutput },
    end: { type: 'final', output: { next: 'end' } satisfies FlowOutput },
  },
  output: ({ event }) => (event as unknown as { output: FlowOutput }).output,
});

export type CertificateMachine = typeof certificateMachine;
