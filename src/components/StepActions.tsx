import { useId } from 'react';
import { Button } from './Button';
import './steps.css';

export type StepActionsProps = {
  primaryLabel: string;
  onPrimary: () => void;
  /** The step is not complete: the button stays focusable but does nothing, and `hint` says why. */
  disabled?: boolean;
  /** What is missing, shown and announced while `disabled`. */
  hint?: string;
};

/**
 * The bottom row of a step: its one primary action ("Continua", "Conferma").
 * A disabled action is `aria-disabled`, not `disabled`, so keypad and screen
 * reader users can still reach it and hear why it does nothing yet.
 */
export function StepActions({ primaryLabel, onPrimary, disabled = false, hint }: StepActionsProps) {
  const id = useId();
  const hintId = `step-hint-${id}`;
  const showHint = disabled && hint !== undefined && hint !== '';
  return (
    <div className="step-actions">
      {showHint && (
        <p id={hintId} className="step-hint">
          {hint}
        </p>
      )}
      <Button
        className="step-primary"
        aria-disabled={disabled || undefined}
        aria-describedby={showHint ? hintId : undefined}
        onClick={() => {
          if (!disabled) onPrimary();
        }}
      >
        {primaryLabel}
      </Button>
    </div>
  );
}
