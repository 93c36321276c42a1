import { useSelector } from '@xstate/react';
import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import type { KioskDescription } from '../../../kiosk-shell/api/contract';
import { SpokenReceipt } from '../../access/SpokenReceipt';
import { Button } from '../../components/Button';
import { Keyboard } from '../../components/Keyboard';
import { Screen } from '../../components/Screen';
import { StepActions } from '../../components/StepActions';
import type { IdentifyMachine } from '../../machines/identify';
import { PICKUP_CODE_LENGTH, isPickupCodeComplete } from '../../machines/pickup';
import type { PickupContext, PickupMachine } from '../../machines/pickup';
import type { SessionEvent } from '../../machines/session';
import { RECEIPT_CODE_LENGTH, formatReceiptCode, isReceiptCodeComplete } from '../../machines/status';
import { IdentifyStep } from '../identify/IdentifyStep';
import './pickup.css';

type Snapshot = SnapshotFrom<PickupMachine>;
type Send = ActorRefFrom<PickupMachine>['send'];

/** A step's own heading; the flow moves focus to it when the step appears. */
function StepHeading({ id, children }: { id: string; children: ReactNode }) {
  return (
    <h2 id={id} tabIndex={-1}>
      {children}
    </h2>
  );
}

function useDate(): (iso: string) => string {
  const { i18n } = useTranslation();
  return (iso) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime())
      ? iso
      : new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeStyle: 'short' }).format(date);
  };
}

/** Where a resident can go instead: the nearest staffed counter, or the support line. */
function NearestCounter({ kiosk }: { kiosk: KioskDescription }) {
  const { t } = useTranslation();
  const counter = kiosk.nearestCounter;
  return counter ? (
    <p>{t('pickup.counter', { name: counter.name, address: counter.address, phone: counter.phone })}</p>
  ) : (
    <p>{t('pickup.support', { phone: kiosk.supportPhone })}</p>
  );
}

/** The document waiting, by the catalog title the hub sent, in the resident's language when it has one. */
function documentTitle(context: PickupContext): string | null {
  const lookup = context.lookup;
  if (lookup?.status !== 'ready') return null;
  return lookup.title[context.locale] ?? lookup.title.it;
}

function Waiting({ context, send }: { context: PickupContext; send: Send }) {
  const { t } = useTranslation();
  const complete = isReceiptCodeComplete(context.typedCode);
  return (
    <>
      <section aria-labelledby="pickup-scan" className="pickup-step">
        <StepHeading id="pickup-scan">{t('pickup.waiting.scanTitle')}</StepHeading>
        <p>{t('pickup.waiting.scanHint')}</p>
        {context.scanProblem && (
          <p role="alert" className="notice">
            {context.scanProblem === 'unreadable' ? t('pickup.scan.unreadable') : t('pickup.scan.notAReceipt')}
          </p>
        )}
      </section>
      <section aria-labelledby="pickup-type" className="pickup-step">
        <h2 id="pickup-type">{t('pickup.waiting.typeTitle')}</h2>
        <p>{t('pickup.waiting.typeHint')}</p>
        <Keyboard
          layout="code"
          label={t('pickup.waiting.codeLabel')}
          value={context.typedCode}
          maxLength={RECEIPT_CODE_LENGTH}
          onChange={(code) => send({ type: 'code.typed', code })}
        />
        <StepActions
          primaryLabel={t('pickup.waiting.next')}
          disabled={!complete}
          hint={t('pickup.waiting.incomplete')}
          onPrimary={() => send({ type: 'code.submitted' })}
        />
      </section>
    </>
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

/** A message step: a heading, what happened, what to do, and its buttons. */
function Message({
  id,
  title,
  children,
  actions,
}: {
  id: string;
  title: string;
  children: ReactNode;
  actions: ReactNode;
}) {
  return (
    <section role="alert" aria-labelledby={id} className="pickup-step">
      <StepHeading id={id}>{title}</StepHeading>
      {children}
      <div className="pickup-actions">{actions}</div>
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

  if (state.matches('waiting')) return <Waiting context={context} send={send} />;

  if (state.matches('finding') || state.matches('collecting'))
    return (
      <p role="status" className="status">
        {state.matches('finding') ? t('pickup.finding') : t('pickup.collecting')}
      </p>
    );

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
      <Message
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
      </Message>
    );

  if (state.matches('wrongCode'))
    return (
      <Message id="pickup-wrong-code" title={t('pickup.wrongCode.title')} actions={retry(t('pickup.wrongCode.retry'))}>
        <p>{context.pickupSecret === null ? t('pickup.wrongCode.typed') : t('pickup.wrongCode.scanned')}</p>
      </Message>
    );

  if (state.matches('wrongCard'))
    return (
      <Message id="pickup-wrong-card" title={t('pickup.wrongCard.title')} actions={retry(t('pickup.wrongCard.retry'))}>
        <p>{t('pickup.wrongCard.body')}</p>
      </Message>
    );

  if (state.matches('locked')) {
    const until = context.lookup?.status === 'locked' ? context.lookup.until : null;
    return (
      <Message id="pickup-locked" title={t('pickup.locked.title')} actions={finish}>
        <p>{until ? t('pickup.locked.until', { date: date(until) }) : t('pickup.locked.later')}</p>
        <NearestCounter kiosk={kiosk} />
      </Message>
    );
  }

  if (state.matches('notReady'))
    return (
      <Message
        id="pickup-not-ready"
        title={t('pickup.notReady.title')}
        actions={
          <>
            {retry(t('pickup.another'))}
            {finish}
          </>
        }
      >
        <p>{t('pickup.notReady.body', { code })}</p>
        <p>{t('pickup.notReady.status')}</p>
      </Message>
    );

  if (state.matches('notFound'))
    return (
      <Message
        id="pickup-not-found"
        title={t('pickup.notFound.title')}
        actions={
          <>
            {retry(t('pickup.another'))}
            {finish}
          </>
        }
      >
        <p>{t('pickup.notFound.body', { code })}</p>
        <p>{t('pickup.notFound.otherKiosk')}</p>
      </Message>
    );

  if (state.matches('alreadyCollected')) {
    const at = context.lookup?.status === 'collected' ? context.lookup.collectedAt : null;
    return (
      <Message
        id="pickup-collected"
        title={t('pickup.collected.title')}
        actions={
          <>
            {retry(t('pickup.another'))}
            {finish}
          </>
        }
      >
        <p>{at ? t('pickup.collected.body', { date: date(at) }) : t('pickup.collected.bodyUndated')}</p>
        <NearestCounter kiosk={kiosk} />
      </Message>
    );
  }

  if (state.matches('expired')) {
    const at = context.lookup?.status === 'expired' ? context.lookup.expiredAt : null;
    return (
      <Message
        id="pickup-expired"
        title={t('pickup.expired.title')}
        actions={
          <>
            {retry(t('pickup.another'))}
            {finish}
          </>
        }
      >
        <p>{at ? t('pickup.expired.body', { date: date(at) }) : t('pickup.expired.bodyUndated')}</p>
        <NearestCounter kiosk={kiosk} />
      </Message>
    );
  }

  if (state.matches('findFailed') || state.matches('collectFailed'))
    return (
      <Message
        id="pickup-failed"
        title={t('pickup.failed.title')}
        actions={
          <>
            {retry(t('pickup.failed.retry'))}
            <Button variant="secondary" onClick={() => send({ type: 'back' })}>
              {t('pickup.failed.back')}
            </Button>
          </>
        }
      >
        <p>{t('pickup.failed.body')}</p>
        <NearestCounter kiosk={kiosk} />
      </Message>
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
  const state = useSelector(props.flowRef, (s) => s);
  const stepRef = useRef<HTMLDivElement>(null);
  const stepKey = JSON.stringify(state.value);
  useEffect(() => {
    // A new step: its heading takes focus, so a screen reader starts reading there.
    const heading = stepRef.current?.querySelector<HTMLElement>('h2');
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }, [stepKey]);
  return (
    <Screen kiosk={props.kiosk} title={t('service.pickup.title')} send={props.send}>
      <div ref={stepRef} className="pickup-flow">
        <Step state={state} send={props.flowRef.send} kiosk={props.kiosk} />
      </div>
    </Screen>
  );
}
