import { useTranslation } from 'react-i18next';
import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import type { KioskDescription } from '../../../kiosk-shell/api/contract';
import { SpokenReceipt } from '../../access/SpokenReceipt';
import { Button } from '../../components/Button';
import { Keyboard } from '../../components/Keyboard';
import { StepActions } from '../../components/StepActions';
import type { IdentifyMachine } from '../../machines/identify';
import { PICKUP_CODE_LENGTH, isPickupCodeComplete } from '../../machines/pickup';
import type { PickupContext, PickupMachine } from '../../machines/pickup';
import { formatReceiptCode } from '../../machines/receipt-code';
import type { SessionEvent } from '../../machines/session';
import { FlowFailed } from '../flow/FlowFailed';
import { FlowFrame } from '../flow/FlowFrame';
import { FlowLoading, FlowMessage, NearestCounter, StepHeading } from '../flow/FlowStep';
import { FlowUnavailable } from '../flow/FlowUnavailable';
import { ReceiptCodeStep } from '../flow/ReceiptCodeStep';
import { IdentifyStep } from '../identify/IdentifyStep';
import './pickup.css';

type Snapshot = SnapshotFrom<PickupMachine>;
type Send = ActorRefFrom<PickupMachine>['send'];

function useDate(): (iso: string) => string {
  const { i18n } = useTranslation();
  return (iso) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime())
      ? iso
      : new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeStyle: 'short' }).format(date);
  };
}

/** The document waiting, by the catalog title the hub sent, in the resident's language when it has one. */
function documentTitle(context: PickupContext): string | null {
  const lookup = context.lookup;
  if (lookup?.status !== 'ready') return null;
  return lookup.title[context.locale] ?? lookup.title.it;
}

function Waiting({ context, send }: { context: PickupContext; send: Send }) {
  const { t } = useTranslation();
  return (
    <ReceiptCodeStep
      flow="pickup"
      texts={{
        scanTitle: t('pickup.waiting.scanTitle'),
        scanHint: t('pickup.waiting.scanHint'),
        unreadable: t('pickup.scan.unreadable'),
        notAReceipt: t('pickup.scan.notAReceipt'),
        typeTitle: t('pickup.waiting.typeTitle'),
        typeHint: t('pickup.waiting.typeHint'),
        codeLabel: t('pickup.waiting.codeLabel'),
        submit: t('pickup.waiting.next'),
        incomplete: t('pickup.waiting.incomplete'),
      }}
      typedCode={context.typedCode}
      scanProblem={context.scanProblem}
      onTyped={(code) => send({ type: 'code.typed', code })}
      onSubmitted={() => send({ type: 'code.submitted' })}
    />
  );
}

function TypingPickupCode({ context, send }: { context: PickupContext; send: Send }) {
  const { t } = useTranslation();
  const title = documentTitle(context);
  return (
    <section aria-labelledby="pickup-code" className="pickup-step">
      <StepHeading id="pickup-code">{t('pickup.pickupCode.title')}</StepHeading>
      {title && <p className="pickup-document">{t('pickup.document', { title })}</p>}
      <p>{t('pickup.pickupCode.hint')}</p>
      <Keyboard
        layout="code"
        label={t('pickup.pickupCode.label')}
        value={context.typedPickupCode}
        maxLength={PICKUP_CODE_LENGTH}
        onChange={(code) => send({ type: 'pickupCode.typed', code })}
      />
      <StepActions
        primaryLabel={t('pickup.pickupCode.next')}
        disabled={!isPickupCodeComplete(context.typedPickupCode)}
        hint={t('pickup.pickupCode.incomplete')}
        onPrimary={() => send({ type: 'pickupCode.submitted' })}
      />
    </section>
  );
}

function Step({ state, send, kiosk }: { state: Snapshot; send: Send; kiosk: KioskDescription }) {
  const { t } = useTranslation();
  const date = useDate();
  const { context } = state;
  const code = `\u2066${formatReceiptCode(context.requestCode ?? '')}\u2069`;
  const retry = (label: string) => <Button onClick={() => send({ type: 'retry.requested' })}>{label}</Button>;
  const finish = (
    <Button variant="secondary" onClick={() => send({ type: 'finish.requested' })}>
      {t('pickup.finish')}
    </Button>
  );
  /** After a receipt that gives nothing here: another receipt, or finish. */
  const anotherOrFinish = (
    <>
      {retry(t('pickup.another'))}
      {finish}
    </>
  );
  const nearest = (
    <NearestCounter
      kiosk={kiosk}
      counter={(counter) => t('pickup.counter', counter)}
      support={(phone) => t('pickup.support', { phone })}
    />
  );

  if (state.matches('waiting')) return <Waiting context={context} send={send} />;

  if (state.matches('finding') || state.matches('collecting'))
    return <FlowLoading text={state.matches('finding') ? t('pickup.finding') : t('pickup.collecting')} />;

  if (state.matches('typingPickupCode')) return <TypingPickupCode context={context} send={send} />;

  if (state.matches('identifying')) {
    const identifyRef = state.children.identify as ActorRefFrom<IdentifyMachine> | undefined;
    const title = documentTitle(context);
    return (
      <>
        {context.noReceiptAtStart && (
          <p className="notice" role="note">
            {t('pickup.noPrinter')}
          </p>
        )}
        <p className="pickup-document">
          {title ? t('pickup.document', { title }) : null} {t('pickup.sameCard')}
        </p>
        {identifyRef && <IdentifyStep identifyRef={identifyRef} />}
      </>
    );
  }

  if (state.matches('done') && context.collected)
    return (
      <section aria-labelledby="pickup-done" className="pickup-step">
        <StepHeading id="pickup-done">{t('pickup.done.title')}</StepHeading>
        <p className="pickup-document">{context.collected.title}</p>
        <p role="status">{t('pickup.done.body')}</p>
        <p>
          {t('pickup.done.verification')}{' '}
          <span dir="ltr" className="pickup-code">
            {context.collected.verificationCode}
          </span>
        </p>
        <div className="pickup-actions">
          <SpokenReceipt receipt={context.collected.print.receipt} document />
          <Button variant="secondary" onClick={() => send({ type: 'anotherService.requested' })}>
            {t('pickup.done.another')}
          </Button>
          <Button onClick={() => send({ type: 'finish.requested' })}>{t('pickup.finish')}</Button>
        </div>
      </section>
    );

  if (state.matches('printFailed'))
    return (
      <FlowMessage
        flow="pickup"
        id="pickup-print-failed"
        title={t('pickup.printFailed.title')}
        actions={
          <>
            {retry(t('pickup.printFailed.retry'))}
            {finish}
          </>
        }
      >
        <p>
          {context.collected?.print.problem === 'PAPER_OUT'
            ? t('pickup.printFailed.paperOut')
            : t('pickup.printFailed.generic')}
        </p>
        <p>{t('pickup.printFailed.safe')}</p>
      </FlowMessage>
    );

  if (state.matches('wrongCode'))
    return (
      <FlowMessage
        flow="pickup"
        id="pickup-wrong-code"
        title={t('pickup.wrongCode.title')}
        actions={retry(t('pickup.wrongCode.retry'))}
      >
        <p>{context.pickupSecret === null ? t('pickup.wrongCode.typed') : t('pickup.wrongCode.scanned')}</p>
      </FlowMessage>
    );

  if (state.matches('wrongCard'))
    return (
      <FlowMessage
        flow="pickup"
        id="pickup-wrong-card"
        title={t('pickup.wrongCard.title')}
        actions={retry(t('pickup.wrongCard.retry'))}
      >
        <p>{t('pickup.wrongCard.body')}</p>
      </FlowMessage>
    );

  if (state.matches('locked')) {
    const until = context.lookup?.status === 'locked' ? context.lookup.until : null;
    return (
      <FlowUnavailable
        flow="pickup"
        id="pickup-locked"
        title={t('pickup.locked.title')}
        body={until ? t('pickup.locked.until', { date: date(until) }) : t('pickup.locked.later')}
        nearest={nearest}
        actions={finish}
      />
    );
  }

  if (state.matches('notReady'))
    return (
      <FlowMessage flow="pickup" id="pickup-not-ready" title={t('pickup.notReady.title')} actions={anotherOrFinish}>
        <p>{t('pickup.notReady.body', { code })}</p>
        <p>{t('pickup.notReady.status')}</p>
      </FlowMessage>
    );

  if (state.matches('notFound'))
    return (
      <FlowMessage flow="pickup" id="pickup-not-found" title={t('pickup.notFound.title')} actions={anotherOrFinish}>
        <p>{t('pickup.notFound.body', { code })}</p>
        <p>{t('pickup.notFound.otherKiosk')}</p>
      </FlowMessage>
    );

  if (state.matches('alreadyCollected')) {
    const at = context.lookup?.status === 'collected' ? context.lookup.collectedAt : null;
    return (
      <FlowUnavailable
        flow="pickup"
        id="pickup-collected"
        title={t('pickup.collected.title')}
        body={at ? t('pickup.collected.body', { date: date(at) }) : t('pickup.collected.bodyUndated')}
        nearest={nearest}
        actions={anotherOrFinish}
      />
    );
  }

  if (state.matches('expired')) {
    const at = context.lookup?.status === 'expired' ? context.lookup.expiredAt : null;
    return (
      <FlowUnavailable
        flow="pickup"
        id="pickup-expired"
        title={t('pickup.expired.title')}
        body={at ? t('pickup.expired.body', { date: date(at) }) : t('pickup.expired.bodyUndated')}
        nearest={nearest}
        actions={anotherOrFinish}
      />
    );
  }

  if (state.matches('findFailed') || state.matches('collectFailed'))
    return (
      <FlowFailed
        flow="pickup"
        id="pickup-failed"
        title={t('pickup.failed.title')}
        nearest={nearest}
        retryLabel={t('pickup.failed.retry')}
        onRetry={() => send({ type: 'retry.requested' })}
        backLabel={t('pickup.failed.back')}
        onBack={() => send({ type: 'back' })}
      >
        <p>{t('pickup.failed.body')}</p>
      </FlowFailed>
    );

  return null;
}

/** Ritiro documenti: one screen frame, the step the flow is at inside it. */
export function PickupFlow(props: {
  kiosk: KioskDescription;
  flowRef: ActorRefFrom<PickupMachine>;
  send: (event: SessionEvent) => void;
}) {
  const { t } = useTranslation();
  return (
    <FlowFrame {...props} title={t('service.pickup.title')} className="pickup-flow">
      {(state) => <Step state={state} send={props.flowRef.send} kiosk={props.kiosk} />}
    </FlowFrame>
  );
}
