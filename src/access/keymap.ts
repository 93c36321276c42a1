/**
 * The one keymap of the kiosk: which physical key does what. A tactile
 * navigation keypad (EN 301 549 5.1.6.1, 8.4.2) arrives as ordinary key
 * events; a USB keyboard in the technician's hands uses the same keys.
 *
 * | key                               | action                                 |
 * |-----------------------------------|----------------------------------------|
 * | ArrowDown / ArrowUp               | next / previous control (reading order) |
 * | ArrowRight / ArrowLeft            | next / previous, mirrored right-to-left |
 * | Tab / Shift+Tab (in a dialog)     | next / previous, kept inside the dialog |
 * | Enter, Space                      | select (the focused button's own press) |
 * | Escape; Backspace when not typing | back                                    |
 * | F1; `?` when not typing; Help     | help: what the keys do, then the screen |
 * | F2; `*`                           | speech on/off                           |
 * | F3                                | repeat what was last said               |
 * | F4; Pause                         | stop speaking                           |
 * | F12, `+` / F11, `-` (not typing); AudioVolumeUp/Down | volume up / down |
 *
 * "Typing" means an input has focus or an on-screen keyboard is on screen:
 * then Backspace erases, and `?`, `+`, `-` are characters, not commands.
 */

export type AccessAction =
  'next' | 'previous' | 'select' | 'back' | 'help' | 'speech' | 'repeat' | 'stop' | 'volumeUp' | 'volumeDown';

/** The parts of a KeyboardEvent the keymap looks at. */
export type KeyPress = {
  key: string;
  shiftKey?: boolean;
  altKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
};

export type KeyContext = {
  /** The page is right-to-left: left and right swap meaning. */
  rtl: boolean;
  /** An input has focus or an on-screen keyboard takes printable keys and Backspace. */
  typing: boolean;
  /** A modal dialog is open: Tab is kept inside it. */
  inDialog: boolean;
  /** The focused element is a text field, where left and right move the caret. */
  inTextField: boolean;
};

/** The action for a key press, or null when the key is not the keymap's (it then does what it normally does). */
export function actionFor(press: KeyPress, ctx: KeyContext): AccessAction | null {
  if (press.altKey || press.ctrlKey || press.metaKey) return null;
  switch (press.key) {
    case 'ArrowDown':
      return 'next';
    case 'ArrowUp':
      return 'previous';
    case 'ArrowRight':
      if (ctx.inTextField) return null;
      return ctx.rtl ? 'previous' : 'next';
    case 'ArrowLeft':
      if (ctx.inTextField) return null;
      return ctx.rtl ? 'next' : 'previous';
    case 'Tab':
      // Outside a dialog the browser's own Tab order is the reading order.
      if (!ctx.inDialog) return null;
      return press.shiftKey ? 'previous' : 'next';
    case 'Enter':
    case ' ':
      return 'select';
    case 'Escape':
    case 'BrowserBack':
      return 'back';
    case 'Backspace':
      return ctx.typing ? null : 'back';
    case 'F1':
    case 'Help':
      return 'help';
    case '?':
      return ctx.typing ? null : 'help';
    case 'F2':
    case '*':
      return 'speech';
    case 'F3':
      return 'repeat';
    case 'F4':
    case 'Pause':
      return 'stop';
    case 'F12':
    case 'AudioVolumeUp':
      return 'volumeUp';
    case 'F11':
    case 'AudioVolumeDown':
      return 'volumeDown';
    case '+':
      return ctx.typing ? null : 'volumeUp';
    case '-':
      return ctx.typing ? null : 'volumeDown';
    default:
      return null;
  }
}

/** The keys of each action, for the spoken help and docs/ACCESSIBILITY.md. */
export const KEYS_OF: Readonly<Record<AccessAction, readonly string[]>> = {
  next: ['ArrowDown', 'ArrowRight'],
  previous: ['ArrowUp', 'ArrowLeft'],
  select: ['Enter'],
  back: ['Escape', 'Backspace'],
  help: ['F1', '?'],
  speech: ['F2', '*'],
  repeat: ['F3'],
  stop: ['F4'],
  volumeUp: ['F12', '+'],
  volumeDown: ['F11', '-'],
};
