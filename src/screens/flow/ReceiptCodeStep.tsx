import { Keyboard } from '../../components/Keyboard';
import { StepActions } from '../../components/StepActions';
import type { ScanProblem } from '../../machines/receipt-code';
import { RECEIPT_CODE_LENGTH, isReceiptCodeComplete } from '../../machines/receipt-code';
import { StepHeading } from './FlowStep';

/** What the step says, in the flow's own words, already translated. */
export type ReceiptCodeTexts = {
  scanTitle: string;
  scanHint: string;
  unreadable: string;
  notAReceipt: string;
  typeTitle: string;
  typeHint: string;
  codeLabel: string;
  submit: string;
  incomplete: string;
};

/**
 * "Show the receipt's QR code to the reader, or type its code": the scanner
 * listens the whole time (the flow's machine owns it); a scan that cannot be
 * used is announced; the code keyboard and its primary action, which says
 * what is missing until all 8 characters are there.
 */
export function ReceiptCodeStep({
  flow,
  texts,
  typedCode,
  scanProblem,
  onTyped,
  onSubmitted,
}: {
  /** The flow's prefix for ids and classes (`pickup` → `#pickup-scan`, `.pickup-step`). */
  flow: 'pickup' | 'status';
  texts: ReceiptCodeTexts;
  typedCode: string;
  scanProblem: ScanProblem | null;
  onTyped: (code: string) => void;
  onSubmitted: () => void;
}) {
  return (
    <>
      <section aria-labelledby={`${flow}-scan`} className={`${flow}-step`}>
        <StepHeading id={`${flow}-scan`}>{texts.scanTitle}</StepHeading>
        <p>{texts.scanHint}</p>
        {scanProblem && (
          <p role="alert" className="notice">
            {scanProblem === 'unreadable' ? texts.unreadable : texts.notAReceipt}
          </p>
        )}
      </section>
      <section aria-labelledby={`${flow}-type`} className={`${flow}-step`}>
        <h2 id={`${flow}-type`}>{texts.typeTitle}</h2>
        <p>{texts.typeHint}</p>
        <Keyboard
          layout="code"
          label={texts.codeLabel}
          value={typedCode}
          maxLength={RECEIPT_CODE_LENGTH}
          onChange={onTyped}
        />
        <StepActions
          primaryLabel={texts.submit}
          disabled={!isReceiptCodeComplete(typedCode)}
          hint={texts.incomplete}
          onPrimary={onSubmitted}
        />
      </section>
    </>
  );
}
