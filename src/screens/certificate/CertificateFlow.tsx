import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import type { ErrorCode, KioskDescription } from '../../../kiosk-shell/api/contract';
import { Button } from '../../components/Button';
import { ChoiceList } from '../../components/ChoiceList';
import { Keyboard } from '../../components/Keyboard';
import { StepActions } from '../../components/StepActions';
import {
  EMAIL_MAX_LENGTH,
  canCollectHere,
  EXEMPTION_CHOICES,
  NAME_MAX_LENGTH,
  STAMP_NUMBER_LENGTH,
  localized,
} from '../../machines/certificate';
import type { CertificateContext, CertificateMachine } from '../../machines/certificate';
import type { IdentifyMachine } from '../../machines/identify';
import type { SessionEvent } from '../../machines/session';
import { FlowFailed } from '../flow/FlowFailed';
import { FlowFrame } from '../flow/FlowFrame';
import { FlowLoading, NearestCounter, StepHeading } from '../flow/FlowStep';
import { FlowUnavailable } from '../flow/FlowUnavailable';
import { ReceiptOutcome } from '../flow/ReceiptOutcome';
import { IdentifyStep } from '../identify/IdentifyStep';
import { CertificateSummary } from './CertificateSummary';
import './certificate.css';

type Snapshot = SnapshotFrom<CertificateMachine>;
type Send = ActorRefFrom<CertificateMachine>['send'];

/** Where a resident can go instead: the nearest staffed counter, or the support line. */
function CertificateNearestCounter({ kiosk }: { kiosk: KioskDescription }) {
  const { t } = useTranslation();
  return (
    <NearestCounter
      kiosk={kiosk}
      counter={(counter) => t('certificate.unavailable.counter', counter)}
      support={(phone) => t('certificate.unavailable.support', { phone })}
    />
  );
}

/** Why nothing was registered: the three failures the runtime promises wrote nothing, then anything else. */
function failureMessage(t: (key: string) => string, code: ErrorCode | null): string {
  if (code === 'SERVICE_UNAVAILABLE') return t('certificate.failed.serviceUnavailable');
  if (code === 'STORE_FULL') return t('certificate.failed.storeFull');
  if (code === 'INVALID_INPUT') return t('certificate.failed.invalidInput');
  return t('certificate.failed.other');
}

function whatNext(t: (key: string, options?: Record<string, string>) => string, context: CertificateContext): string {
  switch (context.delivery) {
    case 'townHall':
      return t('certificate.whatNext.townHall');
    case 'email':
      return t('certificate.whatNext.email', { address: context.email });
    case 'kiosk':
    case null:
      return t('certificate.whatNext.kiosk');
    default:
      return assertNever(context.delivery);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected delivery ${String(value)}`);
}

/** One typed value: its keyboard, what it is for, why it was refused, and Continue. */
function TypingStep({
  headingId,
  title,
  hint,
  refusal,
  keyboard,
  onContinue,
}: {
  headingId: string;
  title: string;
  hint: string;
  refusal: string | null;
  keyboard: ReactNode;
  onContinue: () => void;
}) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby={headingId} className="cert-step">
      <StepHeading id={headingId}>{title}</StepHeading>
      <p id={`${headingId}-hint`}>{hint}</p>
      {refusal && (
        <p role="alert" className="notice cert-refusal">
          {refusal}
        </p>
      )}
      {keyboard}
      <StepActions primaryLabel={t('certificate.next')} onPrimary={onContinue} />
    </section>
  );
}

function Step({ state, send, kiosk }: { state: Snapshot; send: Send; kiosk: KioskDescription }) {
  const { t } = useTranslation();
  const { context } = state;

  if (state.matches('loading')) return <FlowLoading text={t('certificate.loading')} />;

  if (state.matches('unavailable') || state.matches('catalogFailed'))
    return (
      <FlowUnavailable
        flow="cert"
        id="cert-unavailable"
        title={t('certificate.unavailable.title')}
        body={state.matches('unavailable') ? t('certificate.unavailable.body') : t('certificate.unavailable.failed')}
        nearest={<CertificateNearestCounter kiosk={kiosk} />}
        actions={
          state.matches('catalogFailed') && (
            <Button onClick={() => send({ type: 'retry.requested' })}>{t('certificate.unavailable.retry')}</Button>
          )
        }
      />
    );

  if (state.matches('identifying')) {
    const identifyRef = state.children.identify as ActorRefFrom<IdentifyMachine> | undefined;
    return (
      <>
        {context.noReceiptAtStart && (
          <p className="notice" role="note">
            {t('certificate.noReceipt')}
          </p>
        )}
        {identifyRef && <IdentifyStep identifyRef={identifyRef} />}
      </>
    );
  }

  if (state.matches('choosingType')) {
    const types = context.catalog?.certificateTypes ?? [];
    return (
      <section className="cert-step">
        <p className="cert-advance-hint">{t('certificate.advanceHint')}</p>
        <ChoiceList
          label={t('certificate.type.title')}
          options={types.map((type) => ({
            id: type.code,
            title: localized(type.name, context.locale),
            description: type.stampDuty ? t('certificate.type.withStamp') : t('certificate.type.withoutStamp'),
          }))}
          selected={context.typeCode ?? undefined}
          onSelect={(code) => send({ type: 'type.selected', code })}
        />
      </section>
    );
  }

  if (state.matches({ choosingSubject: 'choosing' }))
    return (
      <section className="cert-step">
        <p className="cert-advance-hint">{t('certificate.advanceHint')}</p>
        <ChoiceList
          label={t('certificate.subject.title')}
          options={[
            { id: 'self', title: t('certificate.subject.self'), description: t('certificate.subject.selfDescription') },
            {
              id: 'family',
              title: t('certificate.subject.family'),
              description: t('certificate.subject.familyDescription'),
            },
          ]}
          selected={context.subject ?? undefined}
          onSelect={(id) => send({ type: 'subject.selected', subject: id === 'family' ? 'family' : 'self' })}
        />
      </section>
    );

  if (state.matches({ choosingSubject: 'typingSurname' }))
    return (
      <TypingStep
        headingId="cert-surname"
        title={t('certificate.family.surname')}
        hint={t('certificate.family.surnameHint')}
        refusal={context.refused === 'surname' ? t('certificate.family.surnameRequired') : null}
        keyboard={
          <Keyboard
            layout="text"
            label={t('certificate.family.surname')}
            value={context.familySurname}
            maxLength={NAME_MAX_LENGTH}
            onChange={(value) => send({ type: 'surname.changed', value })}
          />
        }
        onContinue={() => send({ type: 'surname.confirmed' })}
      />
    );

  if (state.matches({ choosingSubject: 'typingGivenNames' }))
    return (
      <TypingStep
        headingId="cert-given-names"
        title={t('certificate.family.givenNames')}
        hint={t('certificate.family.givenNamesHint')}
        refusal={context.refused === 'givenNames' ? t('certificate.family.givenNamesRequired') : null}
        keyboard={
          <Keyboard
            layout="text"
            label={t('certificate.family.givenNames')}
            value={context.familyGivenNames}
            maxLength={NAME_MAX_LENGTH}
            onChange={(value) => send({ type: 'givenNames.changed', value })}
          />
        }
        onContinue={() => send({ type: 'givenNames.confirmed' })}
      />
    );

  if (state.matches({ choosingStampDuty: 'choosing' }))
    return (
      <section className="cert-step">
        <p className="cert-advance-hint">{t('certificate.advanceHint')}</p>
        <ChoiceList
          label={t('certificate.stampDuty.title')}
          options={[
            {
              id: 'stamp',
              title: t('certificate.stampDuty.stamp'),
              description: t('certificate.stampDuty.stampDescription'),
            },
            {
              id: 'exempt',
              title: t('certificate.stampDuty.exempt'),
              description: t('certificate.stampDuty.exemptDescription'),
            },
          ]}
          selected={context.stampChoice ?? undefined}
          onSelect={(id) => send({ type: 'stampDuty.selected', choice: id === 'stamp' ? 'stamp' : 'exempt' })}
        />
      </section>
    );

  if (state.matches({ choosingStampDuty: 'typingStampNumber' }))
    return (
      <TypingStep
        headingId="cert-stamp-number"
        title={t('certificate.stamp.label')}
        hint={t('certificate.stamp.hint')}
        refusal={context.refused === 'stampNumber' ? t('certificate.stamp.invalid') : null}
        keyboard={
          <Keyboard
            layout="digits"
            label={t('certificate.stamp.label')}
            value={context.stampNumber}
            maxLength={STAMP_NUMBER_LENGTH}
            onChange={(value) => send({ type: 'stampNumber.changed', value })}
          />
        }
        onContinue={() => send({ type: 'stampNumber.confirmed' })}
      />
    );

  if (state.matches({ choosingStampDuty: 'choosingExemption' }))
    return (
      <section className="cert-step">
        <p className="cert-advance-hint">{t('certificate.advanceHint')}</p>
        <p className="notice" role="note">
          {t('certificate.exemption.note')}
        </p>
        <ChoiceList
          label={t('certificate.exemption.title')}
          options={EXEMPTION_CHOICES.map((reason) => ({
            id: reason,
            title: t(`certificate.exemption.${reason}.title`),
            description: t(`certificate.exemption.${reason}.law`),
          }))}
          selected={context.exemptionReason ?? undefined}
          onSelect={(id) => {
            const reason = EXEMPTION_CHOICES.find((r) => r === id);
            if (reason) send({ type: 'exemption.selected', reason });
          }}
        />
      </section>
    );

  if (state.matches({ choosingDelivery: 'choosing' }))
    return (
      <section className="cert-step">
        <p className="cert-advance-hint">{t('certificate.advanceHint')}</p>
        <ChoiceList
          label={t('certificate.delivery.title')}
          options={[
            ...(canCollectHere(context)
              ? [
                  {
                    id: 'kiosk',
                    title: t('certificate.delivery.kiosk'),
                    description: t('certificate.delivery.kioskDescription'),
                  },
                ]
              : []),
            {
              id: 'townHall',
              title: t('certificate.delivery.townHall'),
              description: t('certificate.delivery.townHallDescription'),
            },
            {
              id: 'email',
              title: t('certificate.delivery.email'),
              description: t('certificate.delivery.emailDescription'),
            },
          ]}
          selected={context.delivery ?? undefined}
          onSelect={(id) =>
            send({
              type: 'delivery.selected',
              delivery: id === 'email' ? 'email' : id === 'townHall' ? 'townHall' : 'kiosk',
            })
          }
        />
      </section>
    );

  if (state.matches({ choosingDelivery: 'typingEmail' }))
    return (
      <TypingStep
        headingId="cert-email"
        title={t('certificate.email.label')}
        hint={t('certificate.email.hint')}
        refusal={context.refused === 'email' ? t('certificate.email.invalid') : null}
        keyboard={
          <Keyboard
            layout="email"
            label={t('certificate.email.label')}
            value={context.email}
            maxLength={EMAIL_MAX_LENGTH}
            onChange={(value) => send({ type: 'email.changed', value })}
          />
        }
        onContinue={() => send({ type: 'email.confirmed' })}
      />
    );

  if (state.matches('summary'))
    return (
      <section aria-labelledby="cert-summary" className="cert-step">
        <StepHeading id="cert-summary">{t('certificate.summary.title')}</StepHeading>
        <CertificateSummary context={context} onEdit={(step) => send({ type: 'edit.requested', step })} />
        <StepActions
          primaryLabel={t('certificate.summary.confirm')}
          onPrimary={() => send({ type: 'request.confirmed' })}
        />
      </section>
    );

  if (state.matches('submitting')) return <FlowLoading text={t('certificate.submitting')} />;

  if (state.matches('failed'))
    return (
      <FlowFailed
        flow="cert"
        id="cert-failed"
        title={t('certificate.failed.title')}
        nearest={<CertificateNearestCounter kiosk={kiosk} />}
        retryLabel={t('certificate.failed.retry')}
        onRetry={() => send({ type: 'retry.requested' })}
        backLabel={t('certificate.failed.backToSummary')}
        onBack={() => send({ type: 'back' })}
      >
        <p>{failureMessage(t, context.error)}</p>
      </FlowFailed>
    );

  if (state.matches('done') && context.created)
    return (
      <ReceiptOutcome
        receiptCode={context.created.receiptCode}
        createdAt={context.created.createdAt}
        print={context.created.print}
        whatNext={whatNext(t, context)}
        onReprint={() => send({ type: 'reprint.requested' })}
        reprinting={state.matches({ done: 'reprinting' })}
        onFinish={() => send({ type: 'finish.requested' })}
        onAnotherService={() => send({ type: 'anotherService.requested' })}
      />
    );

  return null;
}

/** Certificati anagrafici: one screen frame, the step the flow is at inside it. */
export function CertificateFlow(props: {
  kiosk: KioskDescription;
  flowRef: ActorRefFrom<CertificateMachine>;
  send: (event: SessionEvent) => void;
}) {
  const { t } = useTranslation();
  return (
    <FlowFrame
      {...props}
      title={t('service.certificate.title')}
      className="cert-flow"
      // Reprinting is not a new step: focus stays on the reprint button.
      stepKeyOf={(state) => (state.matches('done') ? 'done' : JSON.stringify(state.value))}
    >
      {(state) => <Step state={state} send={props.flowRef.send} kiosk={props.kiosk} />}
    </FlowFrame>
  );
}
