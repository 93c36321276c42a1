import { useSelector } from '@xstate/react';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { ActorRefFrom } from 'xstate';
import type { Identity } from '../../../kiosk-shell/api/contract';
import { Button } from '../../components/Button';
import { Keyboard } from '../../components/Keyboard';
import { StepActions } from '../../components/StepActions';
import { CODICE_FISCALE_LENGTH, maskCodiceFiscale } from '../../machines/identify';
import type { IdentifyMachine, IdentifyProblem } from '../../machines/identify';
import './identify.css';

type Step = 'waiting' | 'typing' | 'checking' | 'confirming' | 'done';

function useProblemText(): (problem: IdentifyProblem) => string {
  const { t } = useTranslation();
  return (problem) => {
    switch (problem) {
      case 'unreadable':
        return t('identify.problem.unreadable');
      case 'cf-check-char':
        return t('identify.problem.cfCheckChar');
      case 'cf-malformed':
        return t('identify.problem.cfMalformed');
      case 'expired':
        return t('identify.problem.expired');
      case 'not-a-card':
        return t('identify.problem.notACard');
      case 'check-unavailable':
        return t('identify.problem.checkUnavailable');
      default:
        return unreachable(problem);
    }
  };
}

function unreachable(value: never): never {
  throw new Error(`unexpected identify problem ${String(value)}`);
}

function Problem({ problem }: { problem: IdentifyProblem | null }) {
  const text = useProblemText();
  // The alert region stays mounted so a second, identical problem is still announced.
  return (
    <div role="alert" className={problem ? 'identify-problem' : 'identify-problem-empty'}>
      {problem && <p>{text(problem)}</p>}
    </div>
  );
}

/** Icons are drawings only: the text beside each says everything. */
function BarcodeIcon() {
  return (
    <svg viewBox="0 0 96 64" width="96" height="64" aria-hidden="true" focusable="false">
      <rect x="2" y="2" width="92" height="60" rx="8" fill="#f2f7fc" stroke="#17324d" strokeWidth="3" />
      {[14, 20, 24, 32, 36, 42, 50, 54, 60, 66, 70, 78].map((x, i) => (
        <rect key={x} x={x} y="18" width={i % 3 === 0 ? 4 : 2} height="28" fill="#17324d" />
      ))}
    </svg>
  );
}

function StripeIcon() {
  return (
    <svg viewBox="0 0 96 64" width="96" height="64" aria-hidden="true" focusable="false">
      <rect x="2" y="2" width="92" height="60" rx="8" fill="#f2f7fc" stroke="#17324d" strokeWidth="3" />
      <rect x="3" y="14" width="90" height="14" fill="#17324d" />
      <path d="M20 48 H76 M66 40 L76 48 L66 56" fill="none" stroke="#0066cc" strokeWidth="4" />
    </svg>
  );
}

function DocumentIcon() {
  return (
    <svg viewBox="0 0 96 64" width="96" height="64" aria-hidden="true" focusable="false">
      <rect x="2" y="2" width="92" height="60" rx="6" fill="#f2f7fc" stroke="#17324d" strokeWidth="3" />
      <rect x="10" y="10" width="22" height="28" fill="none" stroke="#17324d" strokeWidth="3" />
      <circle cx="21" cy="20" r="5" fill="#17324d" />
      <path d="M40 14 H84 M40 24 H76 M40 34 H80" stroke="#455b71" strokeWidth="3" />
      <path d="M10 48 H86 M10 56 H86" stroke="#17324d" strokeWidth="3" strokeDasharray="4 2" />
    </svg>
  );
}

function Waiting({ problem, onType }: { problem: IdentifyProblem | null; onType: () => void }) {
  const { t } = useTranslation();
  return (
    <>
      <p className="identify-intro">{t('identify.waiting.intro')}</p>
      <Problem problem={problem} />
      <ul className="identify-ways">
        <li className="identify-way">
          <BarcodeIcon />
          <div>
            <h3>{t('identify.waiting.barcode.title')}</h3>
            <p>{t('identify.waiting.barcode.body')}</p>
          </div>
        </li>
        <li className="identify-way">
          <StripeIcon />
          <div>
            <h3>{t('identify.waiting.stripe.title')}</h3>
            <p>{t('identify.waiting.stripe.body')}</p>
          </div>
        </li>
        <li className="identify-way">
          <DocumentIcon />
          <div>
            <h3>{t('identify.waiting.mrz.title')}</h3>
            <p>{t('identify.waiting.mrz.body')}</p>
          </div>
        </li>
      </ul>
      <p role="status" className="identify-waiting-status">
        {t('identify.waiting.status')}
      </p>
      <div className="identify-type">
        <p>{t('identify.waiting.orType')}</p>
        <Button onClick={onType}>{t('identify.waiting.type')}</Button>
      </div>
    </>
  );
}

function Typing({
  typed,
  problem,
  onChange,
  onSubmit,
}: {
  typed: string;
  problem: IdentifyProblem | null;
  onChange: (value: string) => void;
  onSubmit: () => void;
}) {
  const { t } = useTranslation();
  const missing = CODICE_FISCALE_LENGTH - typed.length;
  return (
    <>
      <p className="identify-intro">{t('identify.typing.intro')}</p>
      <Problem problem={problem} />
      <Keyboard
        layout="codiceFiscale"
        value={typed}
        onChange={onChange}
        maxLength={CODICE_FISCALE_LENGTH}
        label={t('identify.typing.label')}
        id="identify-codice-fiscale"
      />
      <StepActions
        primaryLabel={t('identify.typing.submit')}
        onPrimary={onSubmit}
        disabled={missing > 0}
        hint={t('identify.typing.incomplete', { missing })}
      />
    </>
  );
}

function Who({ identity }: { identity: Identity }) {
  const { t } = useTranslation();
  const cf = identity.codiceFiscale;
  if (identity.surname || identity.givenNames) {
    return (
      <dl className="identify-who">
        {identity.surname && (
          <div className="identify-who-row">
            <dt>{t('identify.confirm.surname')}</dt>
            <dd>{identity.surname}</dd>
          </div>
        )}
        {identity.givenNames && (
          <div className="identify-who-row">
            <dt>{t('identify.confirm.givenNames')}</dt>
            <dd>{identity.givenNames}</dd>
          </div>
        )}
      </dl>
    );
  }
  if (cf) {
    return (
      <dl className="identify-who">
        <div className="identify-who-row">
          <dt>{t('identify.confirm.codiceFiscale')}</dt>
          <dd>
            <span
              role="img"
              className="identify-masked"
              dir="ltr"
              aria-label={t('identify.confirm.masked', { start: cf.slice(0, 3), end: cf.slice(-4) })}
            >
              {maskCodiceFiscale(cf)}
            </span>
          </dd>
        </div>
      </dl>
    );
  }
  return <p className="identify-who">{t('identify.confirm.documentRead')}</p>;
}

function Confirming({ identity, onYes, onNo }: { identity: Identity | null; onYes: () => void; onNo: () => void }) {
  const { t } = useTranslation();
  return (
    <>
      {identity && <Who identity={identity} />}
      <div className="identify-confirm-actions">
        <Button onClick={onYes}>{t('identify.confirm.yes')}</Button>
        <Button variant="secondary" onClick={onNo}>
          {t('identify.confirm.no')}
        </Button>
      </div>
    </>
  );
}

/**
 * The identification step of a service, rendering an identify actor. It sits
 * inside the parent flow's <Screen>, whose back button the flow forwards to
 * the actor as `back`. Focus moves to the step's heading when the step
 * changes, so a keypad or screen reader user starts from the top of it.
 */
export function IdentifyStep({ identifyRef }: { identifyRef: ActorRefFrom<IdentifyMachine> }) {
  const { t } = useTranslation();
  const state = useSelector(identifyRef, (s) => s);
  const step: Step = state.matches('waiting')
    ? 'waiting'
    : state.matches('typing')
      ? 'typing'
      : state.matches('checking')
        ? 'checking'
        : state.matches('confirming')
          ? 'confirming'
          : 'done';
  const { typed, problem, identity } = state.context;
  const heading = useRef<HTMLHeadingElement>(null);
  const shownStep = useRef(step);
  useEffect(() => {
    if (shownStep.current === step) return;
    shownStep.current = step;
    heading.current?.focus();
  }, [step]);

  if (step === 'done') return null;

  const title =
    step === 'waiting'
      ? t('identify.waiting.title')
      : step === 'confirming'
        ? t('identify.confirm.title')
        : t('identify.typing.title');

  return (
    <section className="identify" aria-labelledby="identify-title">
      <h2 id="identify-title" ref={heading} tabIndex={-1} className="identify-title">
        {title}
      </h2>
      {step === 'waiting' && (
        <Waiting problem={problem} onType={() => identifyRef.send({ type: 'typing.requested' })} />
      )}
      {step === 'typing' && (
        <Typing
          typed={typed}
          problem={problem}
          onChange={(value) => identifyRef.send({ type: 'typed.changed', value })}
          onSubmit={() => identifyRef.send({ type: 'typed.submitted' })}
        />
      )}
      {step === 'checking' && (
        <p role="status" className="status">
          {t('identify.checking')}
        </p>
      )}
      {step === 'confirming' && (
        <Confirming
          identity={identity}
          onYes={() => identifyRef.send({ type: 'identity.confirmed' })}
          onNo={() => identifyRef.send({ type: 'identity.rejected' })}
        />
      )}
    </section>
  );
}
