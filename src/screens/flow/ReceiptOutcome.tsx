import { useTranslation } from 'react-i18next';
import type { ReceiptText } from '../../../kiosk-shell/api/contract';
import { SpokenReceipt } from '../../access/SpokenReceipt';
import { Button } from '../../components/Button';
import './receipt-outcome.css';

export type ReceiptOutcomeProps = {
  receiptCode: string;
  /** ISO date-time the request was registered. */
  createdAt: string;
  /**
   * The printer's answer; `problem` is a PrintOutcome problem code (others read
   * as a generic failure); `receipt` the receipt's text, spoken in speech mode.
   */
  print: { printed: boolean; problem: string | null; receipt: ReceiptText };
  /** What happens next for this service, already translated. */
  whatNext: string;
  onReprint: () => void;
  reprinting: boolean;
  onFinish: () => void;
  onAnotherService: () => void;
};

/** `K7Q29FXM` → `K7Q2 9FXM`: groups of four are easier to copy down. */
export function groupReceiptCode(code: string): string {
  return (code.replace(/[\s-]/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

/** `K7Q29FXM` → `K 7 Q 2 9 F X M`: a screen reader reads it one character at a time. */
export function spellReceiptCode(code: string): string {
  return Array.from(code.replace(/[\s-]/g, '')).join(' ');
}

function useNotPrintedText(): (problem: string | null) => string {
  const { t } = useTranslation();
  return (problem) => {
    switch (problem) {
      case 'PAPER_OUT':
        return t('flow.receipt.notPrinted.paperOut');
      case 'COVER_OPEN':
        return t('flow.receipt.notPrinted.coverOpen');
      case null:
      default:
        return t('flow.receipt.notPrinted.generic');
    }
  };
}

/**
 * The last part of every service: the request is registered, here is its code
 * (very large, in two groups of four), when, what happens next, and the
 * receipt, or why there is none and that the request is safe all the same.
 * In speech mode the receipt's text is spoken with it (printed or not: the
 * resident hears what it says either way). It renders inside the caller's <Screen>.
 */
export function ReceiptOutcome({
  receiptCode,
  createdAt,
  print,
  whatNext,
  onReprint,
  reprinting,
  onFinish,
  onAnotherService,
}: ReceiptOutcomeProps) {
  const { t, i18n } = useTranslation();
  const notPrintedText = useNotPrintedText();
  const created = new Date(createdAt);
  const date = Number.isNaN(created.getTime())
    ? createdAt
    : new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeStyle: 'short' }).format(created);
  return (
    <section className="receipt-outcome" aria-labelledby="receipt-outcome-title">
      <h2 id="receipt-outcome-title" className="receipt-outcome-title">
        <span aria-hidden="true" className="receipt-outcome-check">
          ✓
        </span>{' '}
        {t('flow.receipt.title')}
      </h2>
      <p className="receipt-code-label">{t('flow.receipt.codeLabel')}</p>
      <p className="receipt-code">
        <span role="img" dir="ltr" aria-label={spellReceiptCode(receiptCode)}>
          {groupReceiptCode(receiptCode)}
        </span>
      </p>
      <p className="receipt-created">{t('flow.receipt.createdAt', { date })}</p>
      <p className="receipt-what-next">{whatNext}</p>
      {print.printed ? (
        <p className="receipt-printed" role="status">
          {t('flow.receipt.printed')}
        </p>
      ) : (
        <div role="alert" className="receipt-not-printed">
          <p className="receipt-not-printed-why">{notPrintedText(print.problem)}</p>
          <p>{t('flow.receipt.safe')}</p>
          <p>{t('flow.receipt.noteCode')}</p>
        </div>
      )}
      {reprinting && (
        <p role="status" className="receipt-reprinting">
          {t('flow.receipt.reprinting')}
        </p>
      )}
      <div className="receipt-actions">
        <SpokenReceipt receipt={print.receipt} />
        <Button
          variant="secondary"
          aria-disabled={reprinting || undefined}
          onClick={() => {
            if (!reprinting) onReprint();
          }}
        >
          {t('flow.receipt.reprint')}
        </Button>
        <Button variant="secondary" onClick={onAnotherService}>
          {t('flow.receipt.another')}
        </Button>
        <Button onClick={onFinish}>{t('flow.receipt.finish')}</Button>
      </div>
    </section>
  );
}
