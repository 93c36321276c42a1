import { useTranslation } from 'react-i18next';
import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import type { KioskDescription, Locale } from '../../../kiosk-shell/api/contract';
import { Button } from '../../components/Button';
import { formatReceiptCode } from '../../machines/receipt-code';
import type { SessionEvent } from '../../machines/session';
import type { FoundRequest, StatusContext, StatusMachine } from '../../machines/status';
import { FlowFailed } from '../flow/FlowFailed';
import { FlowFrame } from '../flow/FlowFrame';
import { FlowLoading, FlowMessage, StepHeading } from '../flow/FlowStep';
import { ReceiptCodeStep } from '../flow/ReceiptCodeStep';
import './status.css';

type Snapshot = SnapshotFrom<StatusMachine>;
type Send = ActorRefFrom<StatusMachine>['send'];
type TFunction = ReturnType<typeof useTranslation>['t'];

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

function formatDate(locale: string, iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short' }).format(date);
}

/** `stato-famiglia` → `Stato famiglia`: a certificate code when the catalog's name is not at hand. */
function humanise(code: string): string {
  const words = code.replace(/[-_]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function serviceName(t: TFunction, found: FoundRequest, locale: string, hasKey: (key: string) => boolean): string {
  switch (found.kind) {
    case 'report': {
      const key = `report.category.${found.service}.title`;
      return hasKey(key) ? t('status.service.reportOf', { category: t(key) }) : t('status.service.report');
    }
    case 'certificate':
      // The catalog's own name when the kiosk still has it ("Certificato di residenza").
      if (found.serviceName) return found.serviceName[locale as Locale] ?? found.serviceName.it;
      return t('status.service.certificate', { name: humanise(found.service) });
    default:
      return assertNever(found.kind);
  }
}

function deliveryText(t: TFunction, found: FoundRequest): string {
  switch (found.delivery) {
    case 'waiting':
      return t('status.delivery.waiting');
    case 'delivered':
      return found.protocolNumber
        ? t('status.delivery.deliveredProtocol', { protocol: found.protocolNumber })
        : t('status.delivery.delivered');
    case 'refused':
      return t('status.delivery.refused');
    default:
      return assertNever(found.delivery);
  }
}

function officeText(t: TFunction, found: FoundRequest): string {
  switch (found.status) {
    case 'in-progress':
      return t('status.office.inProgress');
    case 'answered':
      return t('status.office.answered');
    case 'ready-for-pickup':
      return t('status.office.readyForPickup');
    case 'closed':
      return t('status.office.closed');
    case 'declined':
      return t('status.office.declined');
    case null:
      return t('status.office.notYet');
    default:
      return assertNever(found.status);
  }
}

function Waiting({ context, send }: { context: StatusContext; send: Send }) {
  const { t } = useTranslation();
  return (
    <ReceiptCodeStep
      flow="status"
      texts={{
        scanTitle: t('status.waiting.scanTitle'),
        scanHint: t('status.waiting.scanHint'),
        unreadable: t('status.scan.unreadable'),
        notAReceipt: t('status.scan.notAReceipt'),
        typeTitle: t('status.waiting.typeTitle'),
        typeHint: t('status.waiting.typeHint'),
        codeLabel: t('status.waiting.codeLabel'),
        submit: t('status.waiting.lookUp'),
        incomplete: t('status.waiting.incomplete'),
      }}
      typedCode={context.typedCode}
      scanProblem={context.scanProblem}
      onTyped={(code) => send({ type: 'code.typed', code })}
      onSubmitted={() => send({ type: 'code.submitted' })}
    />
  );
}

function Found({ found, stale, send }: { found: FoundRequest; stale: boolean; send: Send }) {
  const { t, i18n } = useTranslation();
  const date = (iso: string) => formatDate(i18n.language, iso);
  let freshness: string | null = null;
  if (stale) {
    if (found.lastPullAt === null) freshness = t('status.found.neverUpdated');
    else if (!found.online) freshness = t('status.found.updatedOffline', { date: date(found.lastPullAt) });
    else freshness = t('status.found.updatedAt', { date: date(found.lastPullAt) });
  }
  return (
    <section aria-labelledby="status-found" className="status-step">
      <StepHeading id="status-found">{t('status.found.title')}</StepHeading>
      {freshness && (
        <p className="notice" role="note">
          {freshness}
        </p>
      )}
      <dl className="status-details">
        <div className="status-row card">
          <dt>{t('status.found.code')}</dt>
          <dd>
            <span dir="ltr" className="status-code">
              {formatReceiptCode(found.receiptCode)}
            </span>
          </dd>
        </div>
        <div className="status-row card">
          <dt>{t('status.found.service')}</dt>
          <dd>{serviceName(t, found, i18n.language, (key) => i18n.exists(key))}</dd>
        </div>
        <div className="status-row card">
          <dt>{t('status.found.createdAt')}</dt>
          <dd>{date(found.createdAt)}</dd>
        </div>
        <div className="status-row card">
          <dt>{t('status.found.delivery')}</dt>
          <dd>{deliveryText(t, found)}</dd>
        </div>
        <div className="status-row card">
          <dt>{t('status.found.office')}</dt>
          <dd>
            <p>{officeText(t, found)}</p>
            {found.statusAt && (
              <p className="status-muted">{t('status.found.statusAt', { date: date(found.statusAt) })}</p>
            )}
          </dd>
        </div>
        {found.answer && (
          <div className="status-row card">
            <dt>{t('status.found.answer')}</dt>
            <dd dir="auto" className="status-answer">
              {found.answer}
            </dd>
          </div>
        )}
      </dl>
      <div className="status-actions">
        <Button variant="secondary" onClick={() => send({ type: 'another.requested' })}>
          {t('status.found.another')}
        </Button>
        <Button onClick={() => send({ type: 'finish.requested' })}>{t('status.found.finish')}</Button>
      </div>
    </section>
  );
}

function Step({ state, send }: { state: Snapshot; send: Send }) {
  const { t } = useTranslation();
  const { context } = state;
  if (state.matches('waiting')) return <Waiting context={context} send={send} />;
  if (state.matches('looking')) return <FlowLoading text={t('status.looking')} />;
  if (state.matches('found') && context.found) return <Found found={context.found} stale={context.stale} send={send} />;
  if (state.matches('notFound'))
    return (
      <FlowMessage
        flow="status"
        id="status-not-found"
        title={t('status.notFound.title')}
        actions={<Button onClick={() => send({ type: 'retry.requested' })}>{t('status.notFound.retry')}</Button>}
      >
        <p>{t('status.notFound.body', { code: `\u2066${formatReceiptCode(context.requestCode ?? '')}\u2069` })}</p>
        <p>{t('status.notFound.otherKiosk')}</p>
      </FlowMessage>
    );
  if (state.matches('failed'))
    return (
      <FlowFailed
        flow="status"
        id="status-failed"
        title={t('status.failed.title')}
        retryLabel={t('status.failed.retry')}
        onRetry={() => send({ type: 'retry.requested' })}
        backLabel={t('status.failed.changeCode')}
        onBack={() => send({ type: 'back' })}
      >
        <p>{t('status.failed.body')}</p>
      </FlowFailed>
    );
  return null;
}

/** Stato pratica: one screen frame, the step the flow is at inside it. */
export function StatusFlow(props: {
  kiosk: KioskDescription;
  flowRef: ActorRefFrom<StatusMachine>;
  send: (event: SessionEvent) => void;
}) {
  const { t } = useTranslation();
  return (
    <FlowFrame {...props} title={t('service.status.title')} className="status-flow">
      {(state) => <Step state={state} send={props.flowRef.send} />}
    </FlowFrame>
  );
}
