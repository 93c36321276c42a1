import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from './Button';
import './keyboard.css';

export type KeyboardLayout = 'codiceFiscale' | 'text' | 'email' | 'digits' | 'code';

export type KeyboardProps = {
  layout: KeyboardLayout;
  value: string;
  onChange: (value: string) => void;
  maxLength?: number;
  /** What is being typed; the accessible name of the value display. */
  label: string;
  /** The id of the value display, for a caller that points at it (`aria-describedby`, tests). */
  id?: string;
};

type Key =
  { kind: 'char'; char: string } | { kind: 'space' } | { kind: 'shift' } | { kind: 'backspace' } | { kind: 'clear' };

const chars = (s: string): Key[] => Array.from(s, (char) => ({ kind: 'char', char }));
const SPACE: Key = { kind: 'space' };
const SHIFT: Key = { kind: 'shift' };
const BACKSPACE: Key = { kind: 'backspace' };
const CLEAR: Key = { kind: 'clear' };

const DIGITS = '1234567890';
const UPPER_ROWS = ['QWERTYUIOP', 'ASDFGHJKL', 'ZXCVBNM'] as const;

/** Rows top to bottom; DOM order is visual order, so keypad arrows walk the keys as they look. */
const LAYOUTS: Record<KeyboardLayout, Key[][]> = {
  codiceFiscale: [
    chars(DIGITS),
    chars(UPPER_ROWS[0]),
    chars(UPPER_ROWS[1]),
    [...chars(UPPER_ROWS[2]), BACKSPACE, CLEAR],
  ],
  code: [chars(DIGITS), chars(UPPER_ROWS[0]), chars(UPPER_ROWS[1]), [...chars(UPPER_ROWS[2]), BACKSPACE, CLEAR]],
  digits: [chars('123'), chars('456'), chars('789'), [...chars('0'), BACKSPACE, CLEAR]],
  text: [
    chars(DIGITS),
    chars('qwertyuiopè'),
    chars('asdfghjklòàù'),
    [SHIFT, ...chars('zxcvbnméì'), BACKSPACE],
    [...chars(",.'-?!"), SPACE, CLEAR],
  ],
  email: [
    chars(DIGITS),
    chars('qwertyuiop'),
    chars('asdfghjkl'),
    [...chars('zxcvbnm'), BACKSPACE],
    [...chars('@.-_+'), CLEAR],
  ],
};

/** The characters a layout accepts, as typed on a physical keyboard, normalised to what the layout writes. */
function accept(layout: KeyboardLayout, raw: string): string | null {
  switch (layout) {
    case 'codiceFiscale':
    case 'code':
      return /^[a-z0-9]$/i.test(raw) ? raw.toUpperCase() : null;
    case 'digits':
      return /^[0-9]$/.test(raw) ? raw : null;
    case 'email':
      return /^[a-z0-9@.\-_+]$/i.test(raw) ? raw.toLowerCase() : null;
    case 'text':
      return /^[a-z0-9àèéìòùÀÈÉÌÒÙ .,'\-?!]$/i.test(raw) ? raw : null;
    default:
      return assertNever(layout);
  }
}

/** Calls `onChange` with the new value unless it would pass `maxLength`. */
function emit(props: Pick<KeyboardProps, 'onChange' | 'maxLength'>, next: string): void {
  if (props.maxLength !== undefined && next.length > props.maxLength) return;
  props.onChange(next);
}

function assertNever(value: never): never {
  throw new Error(`unexpected keyboard layout ${String(value)}`);
}

/** Spoken names of the punctuation keys; letters and digits speak for themselves. */
function useCharName(): (char: string) => string | undefined {
  const { t } = useTranslation();
  return (char) => {
    switch (char) {
      case '.':
        return t('flow.keyboard.period');
      case ',':
        return t('flow.keyboard.comma');
      case "'":
        return t('flow.keyboard.apostrophe');
      case '-':
        return t('flow.keyboard.hyphen');
      case '?':
        return t('flow.keyboard.question');
      case '!':
        return t('flow.keyboard.exclamation');
      case '@':
        return t('flow.keyboard.at');
      case '_':
        return t('flow.keyboard.underscore');
      case '+':
        return t('flow.keyboard.plus');
      default:
        return undefined;
    }
  };
}

/**
 * An on-screen keyboard for touch and keypad, that also takes a physical
 * keyboard's printable keys and Backspace (never Enter, Escape or arrows:
 * the global keypad navigation owns them). The value is the caller's: every
 * key calls `onChange` with the whole new value, never beyond `maxLength`.
 * In the text layout Space types a space unless a control outside the
 * keyboard has focus (then Space presses that control).
 */
export function Keyboard({ layout, value, onChange, maxLength, label, id }: KeyboardProps) {
  const { t } = useTranslation();
  const charName = useCharName();
  const ownId = useId();
  const displayId = id ?? `kb-${ownId}`;
  const labelId = `${displayId}-label`;
  const keysRef = useRef<HTMLDivElement>(null);
  const [shift, setShift] = useState(false);

  // The latest props, for the window listener that is installed once.
  const latest = useRef({ value, onChange, layout, maxLength });
  useLayoutEffect(() => {
    latest.current = { value, onChange, layout, maxLength };
  });

  useEffect(() => {
    const ignoreSpaceUp = { pending: false };
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
      const target = e.target as HTMLElement | null;
      if (target?.tagName === 'INPUT' || target?.tagName === 'TEXTAREA') return;
      // An open modal dialog (the idle warning) owns the keys.
      if (document.querySelector('[aria-modal="true"]')) return;
      const current = latest.current.value;
      if (e.key === 'Backspace') {
        e.preventDefault();
        if (current.length > 0) emit(latest.current, current.slice(0, -1));
        return;
      }
      if (e.key.length !== 1) return;
      const char = accept(latest.current.layout, e.key);
      if (char === null) return;
      if (char === ' ') {
        const onForeignControl =
          target !== null &&
          target.closest('button, a, [role="button"]') !== null &&
          !keysRef.current?.contains(target);
        if (onForeignControl) return;
        ignoreSpaceUp.pending = true;
      }
      e.preventDefault();
      emit(latest.current, current + char);
    };
    // A focused button activates on Space's keyup: the space was typed, not a press.
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key === ' ' && ignoreSpaceUp.pending) {
        ignoreSpaceUp.pending = false;
        e.preventDefault();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('keyup', onKeyUp, true);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp, true);
    };
  }, []);

  const press = (key: Key) => {
    const props = { value, onChange, maxLength };
    const current = value;
    switch (key.kind) {
      case 'char': {
        const char = shift ? key.char.toUpperCase() : key.char;
        emit(props, current + char);
        if (shift) setShift(false);
        return;
      }
      case 'space':
        emit(props, `${current} `);
        return;
      case 'shift':
        setShift((s) => !s);
        return;
      case 'backspace':
        if (current.length > 0) emit(props, current.slice(0, -1));
        return;
      case 'clear':
        if (current.length > 0) emit(props, '');
        return;
      default:
        assertNever(key);
    }
  };

  const full = maxLength !== undefined && value.length >= maxLength;

  const renderKey = (key: Key, index: number) => {
    switch (key.kind) {
      case 'char': {
        const shown = shift ? key.char.toUpperCase() : key.char;
        return (
          <Button
            key={`c-${key.char}`}
            variant="secondary"
            className="kb-key"
            aria-label={charName(key.char)}
            aria-disabled={full || undefined}
            onClick={() => press(key)}
          >
            {shown}
          </Button>
        );
      }
      case 'space':
        return (
          <Button
            key="space"
            variant="secondary"
            className="kb-key kb-space"
            aria-disabled={full || undefined}
            onClick={() => press(key)}
          >
            {t('flow.keyboard.space')}
          </Button>
        );
      case 'shift':
        return (
          <Button
            key="shift"
            variant="secondary"
            className="kb-key kb-wide"
            aria-label={t('flow.keyboard.shift')}
            aria-pressed={shift}
            onClick={() => press(key)}
          >
            <span aria-hidden="true">⇧</span>
          </Button>
        );
      case 'backspace':
        return (
          <Button
            key="backspace"
            variant="secondary"
            className="kb-key kb-wide"
            aria-label={t('flow.keyboard.backspace')}
            onClick={() => press(key)}
          >
            <span aria-hidden="true" className="kb-backspace-icon">
              ⌫
            </span>
          </Button>
        );
      case 'clear':
        return (
          <Button key={`clear-${index}`} variant="secondary" className="kb-key kb-wide" onClick={() => press(key)}>
            {t('flow.keyboard.clear')}
          </Button>
        );
      default:
        return assertNever(key);
    }
  };

  return (
    <div className={`kb kb-${layout}`}>
      <p id={labelId} className="kb-label">
        {label}
      </p>
      <div className="kb-display-row">
        <div
          id={displayId}
          role="textbox"
          aria-readonly="true"
          aria-labelledby={labelId}
          aria-live="polite"
          className="kb-display"
          dir={layout === 'text' ? 'auto' : 'ltr'}
        >
          {value}
          <span className="kb-caret" aria-hidden="true" />
        </div>
        {maxLength !== undefined && (
          <p className="kb-count">{t('flow.keyboard.count', { length: value.length, max: maxLength })}</p>
        )}
      </div>
      <div ref={keysRef} role="group" aria-label={t('flow.keyboard.name')} className="kb-keys" dir="ltr">
        {LAYOUTS[layout].map((row, r) => (
          <div role="group" key={r} className="kb-row">
            {row.map(renderKey)}
          </div>
        ))}
      </div>
    </div>
  );
}
