import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import type { KioskDescription, ReportCategory } from '../../../kiosk-shell/api/contract';
import { Button } from '../../components/Button';
import { ChoiceList } from '../../components/ChoiceList';
import { Keyboard } from '../../components/Keyboard';
import { StepActions } from '../../components/StepActions';
import { isPrinterKnownDown } from '../../machines/flow';
import {
  DESCRIPTION_MAX,
  PHONE_DIGITS_MAX,
  isDescriptionAcceptable,
  isEmailAcceptable,
  isPhoneAcceptable,
  matchStreets,
  offeredCategories,
} from '../../machines/report';
import type { ReportContext, ReportFailure, ReportMachine, ReportStep } from '../../machines/report';
import type { SessionEvent } from '../../machines/session';
import { FlowFailed } from '../flow/FlowFailed';
import { FlowFrame } from '../flow/FlowFrame';
import { FlowLoading, NearestCounter, StepHeading } from '../flow/FlowStep';
import { FlowUnavailable } from '../flow/FlowUnavailable';
import { ReceiptOutcome } from '../flow/ReceiptOutcome';
import './report.css';

type Snapshot = SnapshotFrom<ReportMachine>;
type Send = ActorRefFrom<ReportMachine>['send'];

/** Where a resident can go instead: the nearest staffed counter, or the support line. */
function ReportNearestCounter({ kiosk }: { kiosk: KioskDescription }) {
  const { t } = useTranslation();
  return (
    <NearestCounter
      kiosk={kiosk}
      counter={(counter) => t('report.unavailable.counter', counter)}
      support={(phone) => t('report.unavailable.support', { phone })}
    />
  );
}

function Unavailable({ kiosk, send }: { kiosk: KioskDescription; send: Send }) {
  const { t } = useTranslation();
  return (
    <FlowUnavailable
      flow="report"
      id="report-unavailable"
      title={t('report.unavailable.title')}
      body={t('report.unavailable.body')}
      nearest={<ReportNearestCounter kiosk={kiosk} />}
      actions={<Button onClick={() => send({ type: 'back' })}>{t('report.unavailable.backToServices')}</Button>}
    />
  );
}

function CategoryStep({ context, send }: { context: ReportContext; send: Send }) {
  const { t } = useTranslation();
  const [selected, setSelected] = useState<ReportCategory | null>(context.category);
  return (
    <section className="report-step">
      {context.printerNoticePending && (
        <p className="notice" role="note">
          {t('report.noReceipt')}
        </p>
      )}
      <ChoiceList
        label={t('report.category.question')}
        options={offeredCategories(context.catalog).map((category) => ({
          id: category,
          title: t(`report.category.${category}.title`),
          description: t(`report.category.${category}.description`),
        }))}
        selected={selected}
        onSelect={setSelected}
      />
      <StepActions
        primaryLabel={t('flow.continue')}
        disabled={selected === null}
        hint={t('report.category.required')}
        onPrimary={() => {
          if (selected) send({ type: 'category.chosen', category: selected });
        }}
      />
    </section>
  );
}

/** A big button that acts at once: a title and one line saying what it leads to. */
function OptionButton({ title, description, onPress }: { title: string; description: string; onPress: () => void }) {
  return (
    <li>
      <Button variant="secondary" className="report-option" onClick={onPress}>
        <span className="report-option-title">{title}</span>
        <span className="report-option-description">{description}</span>
      </Button>
    </li>
  );
}

function PlaceStep({ context, send }: { context: ReportContext; send: Send }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="report-place" className="report-step">
      <StepHeading id="report-place">{t('report.place.title')}</StepHeading>
      <ul className="report-options">
        <OptionButton
          title={t('report.place.nearKiosk')}
          description={t('report.place.nearKioskDescription', { frazione: context.kiosk.frazione })}
          onPress={() => send({ type: 'place.nearKioskChosen' })}
        />
        <OptionButton
          title={t('report.place.street')}
          description={t('report.place.streetDescription')}
          onPress={() => send({ type: 'place.streetSearchChosen' })}
        />
      </ul>
    </section>
  );
}

function StreetStep({ context, send }: { context: ReportContext; send: Send }) {
  const { t } = useTranslation();
  const matches = matchStreets(context.catalog?.streets ?? [], context.streetQuery);
  const chosen = context.place?.kind === 'street' ? context.place.streetCode : null;
  return (
    <section aria-labelledby="report-street" className="report-step">
      <StepHeading id="report-street">{t('report.street.title')}</StepHeading>
      <p>{t('report.street.hint', { frazione: context.kiosk.frazione })}</p>
      <Keyboard
        layout="text"
        label={t('report.street.label')}
        value={context.streetQuery}
        maxLength={60}
        onChange={(query) => send({ type: 'street.queryTyped', query })}
      />
      <h3 id="report-street-results">{t('report.street.results')}</h3>
      <p role="status" className="report-count">
        {matches.length === 0 ? t('report.street.none') : t('report.street.shown', { number: String(matches.length) })}
      </p>
      {matches.length > 0 && (
        <ul className="report-streets" aria-labelledby="report-street-results">
          {matches.map((street) => (
            <li key={street.code}>
              <Button
                variant="secondary"
                className="report-street"
                aria-pressed={street.code === chosen}
                onClick={() => send({ type: 'place.streetChosen', streetCode: street.code })}
              >
                <span className="report-street-name" dir="auto">
                  {street.name}
                </span>
                {street.inThisFrazione && (
                  <span className="report-street-here">
                    {t('report.street.inFrazione', { frazione: context.kiosk.frazione })}
                  </span>
                )}
              </Button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function DescriptionStep({ context, send }: { context: ReportContext; send: Send }) {
  const { t } = useTranslation();
  const remaining = DESCRIPTION_MAX - context.description.length;
  return (
    <section aria-labelledby="report-description" className="report-step">
      <StepHeading id="report-description">{t('report.description.title')}</StepHeading>
      <p>{t('report.description.hint')}</p>
      <Keyboard
        layout="text"
        label={t('report.description.label')}
        value={context.description}
        maxLength={DESCRIPTION_MAX}
        onChange={(text) => send({ type: 'description.typed', text })}
      />
      <p className="report-count">{t('report.description.remaining', { number: String(remaining) })}</p>
      <StepActions
        primaryLabel={t('flow.continue')}
        disabled={!isDescriptionAcceptable(context.description)}
        hint={t('report.description.required')}
        onPrimary={() => send({ type: 'description.confirmed' })}
      />
    </section>
  );
}

function ContactStep({ send }: { send: Send }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="report-contact" className="report-step">
      <StepHeading id="report-contact">{t('report.contact.title')}</StepHeading>
      <p>{t('report.contact.intro')}</p>
      <ul className="report-options">
        <OptionButton
          title={t('report.contact.none')}
          description={t('report.contact.noneDescription')}
          onPress={() => send({ type: 'contact.skipped' })}
        />
        <OptionButton
          title={t('report.contact.email')}
          description={t('report.contact.emailDescription')}
          onPress={() => send({ type: 'contact.emailChosen' })}
        />
        <OptionButton
          title={t('report.contact.phone')}
          description={t('report.contact.phoneDescription')}
          onPress={() => send({ type: 'contact.phoneChosen' })}
        />
      </ul>
    </section>
  );
}

function EmailStep({ context, send }: { context: ReportContext; send: Send }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="report-email" className="report-step">
      <StepHeading id="report-email">{t('report.email.title')}</StepHeading>
      <p>{t('report.email.hint')}</p>
      <Keyboard
        layout="email"
        label={t('report.email.label')}
        value={context.email}
        maxLength={200}
        onChange={(value) => send({ type: 'contact.typed', value })}
      />
      <StepActions
        primaryLabel={t('flow.continue')}
        disabled={!isEmailAcceptable(context.email)}
        hint={t('report.email.invalid')}
        onPrimary={() => send({ type: 'contact.confirmed' })}
      />
    </section>
  );
}

function PhoneStep({ context, send }: { context: ReportContext; send: Send }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="report-phone" className="report-step">
      <StepHeading id="report-phone">{t('report.phone.title')}</StepHeading>
      <p>{t('report.phone.hint')}</p>
      <Keyboard
        layout="digits"
        label={t('report.phone.label')}
        value={context.phone}
        maxLength={PHONE_DIGITS_MAX}
        onChange={(value) => send({ type: 'contact.typed', value })}
      />
      <StepActions
        primaryLabel={t('flow.continue')}
        disabled={!isPhoneAcceptable(context.phone)}
        hint={t('report.phone.invalid')}
        onPrimary={() => send({ type: 'contact.confirmed' })}
      />
    </section>
  );
}

function Summary({ context, send }: { context: ReportContext; send: Send }) {
  const { t } = useTranslation();
  const place = context.place;
  const streetName =
    place?.kind === 'street' ? context.catalog?.streets.find((s) => s.code === place.streetCode)?.name : undefined;
  let contact: string;
  switch (context.contactKind) {
    case 'email':
      contact = t('report.summary.email', { address: context.email });
      break;
    case 'phone':
      contact = t('report.summary.phone', { number: context.phone });
      break;
    case 'none':
    case null:
      contact = t('report.summary.noContact');
      break;
    default:
      contact = assertNever(context.contactKind);
  }
  const rows: Array<{ step: ReportStep; label: string; value: string }> = [
    {
      step: 'category',
      label: t('report.summary.category'),
      value: context.category ? t(`report.category.${context.category}.title`) : '',
    },
    {
      step: 'place',
      label: t('report.summary.place'),
      value: streetName ?? t('report.place.nearKioskDescription', { frazione: context.kiosk.frazione }),
    },
    { step: 'description', label: t('report.summary.description'), value: context.description.trim() },
    { step: 'contact', label: t('report.summary.contact'), value: contact },
  ];
  return (
    <section aria-labelledby="report-summary" className="report-step">
      <StepHeading id="report-summary">{t('report.summary.title')}</StepHeading>
      <dl className="report-summary">
        {rows.map((row) => (
          <div key={row.step} className="report-summary-row card">
            <dt className="report-summary-label">{row.label}</dt>
            <dd className="report-summary-value" dir="auto">
              {row.value}
            </dd>
            <dd className="report-summary-edit">
              <Button
                variant="secondary"
                aria-label={t('report.summary.editLabel', { what: row.label })}
                onClick={() => send({ type: 'summary.editRequested', step: row.step })}
              >
                {t('flow.edit')}
              </Button>
            </dd>
          </div>
        ))}
      </dl>
      {isPrinterKnownDown(context.printer) && (
        <p className="notice" role="note">
          {t('report.noReceipt')}
        </p>
      )}
      <StepActions primaryLabel={t('report.summary.confirm')} onPrimary={() => send({ type: 'report.confirmed' })} />
    </section>
  );
}

function failureMessage(t: (key: string) => string, failure: ReportFailure | null): string {
  switch (failure) {
    case 'SERVICE_UNAVAILABLE':
      return t('report.failed.serviceUnavailable');
    case 'STORE_FULL':
      return t('report.failed.storeFull');
    case 'OTHER':
    case null:
      return t('report.failed.other');
    default:
      return assertNever(failure);
  }
}

function Failed({ context, kiosk, send }: { context: ReportContext; kiosk: KioskDescription; send: Send }) {
  const { t } = useTranslation();
  return (
    <FlowFailed
      flow="report"
      id="report-failed"
      title={t('report.failed.title')}
      nearest={<ReportNearestCounter kiosk={kiosk} />}
      retryLabel={t('report.failed.retry')}
      onRetry={() => send({ type: 'retry.requested' })}
      backLabel={t('report.failed.backToSummary')}
      onBack={() => send({ type: 'back' })}
    >
      <p>{failureMessage(t, context.failure)}</p>
      <p>{t('report.failed.nothingSaved')}</p>
    </FlowFailed>
  );
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

function Step({ state, send, kiosk }: { state: Snapshot; send: Send; kiosk: KioskDescription }) {
  const { t } = useTranslation();
  const { context } = state;
  if (state.matches('loading')) return <FlowLoading text={t('report.loading')} />;
  if (state.matches('unavailable')) return <Unavailable kiosk={kiosk} send={send} />;
  if (state.matches('category')) return <CategoryStep context={context} send={send} />;
  if (state.matches({ place: 'choosing' })) return <PlaceStep context={context} send={send} />;
  if (state.matches({ place: 'searching' })) return <StreetStep context={context} send={send} />;
  if (state.matches('description')) return <DescriptionStep context={context} send={send} />;
  if (state.matches({ contact: 'choosing' })) return <ContactStep send={send} />;
  if (state.matches({ contact: 'email' })) return <EmailStep context={context} send={send} />;
  if (state.matches({ contact: 'phone' })) return <PhoneStep context={context} send={send} />;
  if (state.matches('summary')) return <Summary context={context} send={send} />;
  if (state.matches('submitting')) return <FlowLoading text={t('report.submitting')} />;
  if (state.matches('failed')) return <Failed context={context} kiosk={kiosk} send={send} />;
  if (state.matches('done') && context.created)
    return (
      <ReceiptOutcome
        receiptCode={context.created.receiptCode}
        createdAt={context.created.createdAt}
        print={context.created.print}
        whatNext={t('report.whatNext')}
        onReprint={() => send({ type: 'reprint.requested' })}
        reprinting={state.matches({ done: 'reprinting' })}
        onFinish={() => send({ type: 'finish.requested' })}
        onAnotherService={() => send({ type: 'anotherService.requested' })}
      />
    );
  return null;
}

/** Segnalazioni: one screen frame, the step the flow is at inside it. */
export function ReportFlow(props: {
  kiosk: KioskDescription;
  flowRef: ActorRefFrom<ReportMachine>;
  send: (event: SessionEvent) => void;
}) {
  const { t } = useTranslation();
  return (
    <FlowFrame
      {...props}
      title={t('service.report.title')}
      className="report-flow"
      // Reprinting is not a new step: focus stays on the reprint button.
      stepKeyOf={(state) => (state.matches('done') ? 'done' : JSON.stringify(state.value))}
    >
      {(state, stepKey) => <Step key={stepKey} state={state} send={props.flowRef.send} kiosk={props.kiosk} />}
    </FlowFrame>
  );
}
