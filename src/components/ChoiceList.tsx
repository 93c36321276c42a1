import { useId } from 'react';
import './steps.css';

export type Choice<Id extends string = string> = { id: Id; title: string; description?: string };

export type ChoiceListProps<Id extends string = string> = {
  /** The question, shown as the list's heading and used as the group's name. */
  label: string;
  options: ReadonlyArray<Choice<Id>>;
  selected?: Id | null;
  onSelect: (id: Id) => void;
};

/**
 * One pattern for every choice in a step: a radio group. Each option is a big
 * button with `role="radio"` and `aria-checked`; pressing it (tap, or keypad
 * focus + Enter) selects it and does not advance: the step's StepActions does,
 * so a resident can look at their choice, change it, and come back to it
 * selected. Every option stays in the focus order (the global keypad
 * navigation walks controls in DOM order, so there is no roving tabindex).
 */
export function ChoiceList<Id extends string = string>({ label, options, selected, onSelect }: ChoiceListProps<Id>) {
  const id = useId();
  const labelId = `choices-${id}`;
  return (
    <div className="choices">
      <h2 id={labelId} className="choices-label">
        {label}
      </h2>
      <div role="radiogroup" aria-labelledby={labelId} className="choices-list">
        {options.map((option) => {
          const checked = option.id === selected;
          const descriptionId = `${labelId}-${option.id}-description`;
          return (
            <button
              key={option.id}
              type="button"
              role="radio"
              aria-checked={checked}
              aria-describedby={option.description ? descriptionId : undefined}
              className={checked ? 'btn choice choice-checked' : 'btn choice'}
              onClick={() => onSelect(option.id)}
            >
              <span className="choice-mark" aria-hidden="true" />
              <span className="choice-text">
                <span className="choice-title">{option.title}</span>
                {option.description && (
                  <span id={descriptionId} className="choice-description">
                    {option.description}
                  </span>
                )}
              </span>
            </button>
          );
        })}
      </div>
    </div>
  );
}
