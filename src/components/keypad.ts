/**
 * Keyboard and keypad navigation for the whole UI, on the keys of the one
 * keymap (src/access/keymap.ts): arrows move focus through the controls in
 * reading order (mirrored for right-to-left), Enter/Space activate (native
 * buttons), Escape (and Backspace when nothing is being typed) goes back.
 * Inside an open modal dialog focus never leaves it.
 */
import { actionFor } from '../access/keymap';
import type { KeyContext } from '../access/keymap';

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), [tabindex]:not([tabindex="-1"])';

function scope(doc: Document): ParentNode {
  return doc.querySelector('[role="dialog"][aria-modal="true"], [role="alertdialog"][aria-modal="true"]') ?? doc;
}

export function focusables(root: ParentNode): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (el) => !el.closest('[inert]') && el.getClientRects().length > 0,
  );
}

export function moveFocus(doc: Document, step: 1 | -1): void {
  const items = focusables(scope(doc));
  if (items.length === 0) return;
  const current = items.indexOf(doc.activeElement as HTMLElement);
  const next = current === -1 ? (step === 1 ? 0 : items.length - 1) : (current + step + items.length) % items.length;
  items[next]?.focus();
}

/**
 * On a focused scrolling region (a screen's content), up and down scroll it by
 * most of a page until its end, then move focus on: a keypad user can read
 * everything without a pointer. Returns false when it did not scroll.
 */
function scrollRegion(target: HTMLElement | null, step: 1 | -1): boolean {
  if (!target?.hasAttribute('data-scroll-region')) return false;
  const room = step === 1 ? target.scrollHeight - target.clientHeight - target.scrollTop : target.scrollTop;
  if (room < 1) return false;
  target.scrollBy({ top: step * Math.min(room, target.clientHeight * 0.8) });
  return true;
}

/** What the keymap needs to know about the page and the key's target. */
export function keyContext(doc: Document, target: EventTarget | null): KeyContext {
  const el = target instanceof HTMLElement ? target : null;
  const inTextField = el?.tagName === 'INPUT' || el?.tagName === 'TEXTAREA' || el?.isContentEditable === true;
  return {
    rtl: doc.documentElement.dir === 'rtl',
    // The on-screen keyboard takes Backspace and printable keys from the physical keyboard.
    typing: inTextField || doc.querySelector('.kb') !== null,
    inDialog: scope(doc) !== doc,
    inTextField,
  };
}

/**
 * Moves focus and goes back on the keymap's navigation actions (src/access/keymap.ts);
 * the other actions (help, speech, volume) belong to the AccessProvider.
 */
export function installKeypadNavigation(doc: Document, onBack: () => void): () => void {
  const onKey = (e: KeyboardEvent) => {
    // A control that handled the key itself (the idle dialog's Escape) has the last word.
    if (e.defaultPrevented) return;
    const ctx = keyContext(doc, e.target);
    const target = e.target as HTMLElement | null;
    const action = actionFor(e, ctx);
    switch (action) {
      case 'next':
        if (!(e.key === 'ArrowDown' && scrollRegion(target, 1))) moveFocus(doc, 1);
        break;
      case 'previous':
        if (!(e.key === 'ArrowUp' && scrollRegion(target, -1))) moveFocus(doc, -1);
        break;
      case 'back':
        if (ctx.inDialog) return; // the dialog handles its own Escape
        onBack();
        break;
      case 'select':
      case 'help':
      case 'speech':
      case 'repeat':
      case 'stop':
      case 'volumeUp':
      case 'volumeDown':
      case null:
        // select is the focused button's own press; the rest is the AccessProvider's.
        return;
      default:
        return assertNever(action);
    }
    e.preventDefault();
  };
  doc.addEventListener('keydown', onKey);
  return () => doc.removeEventListener('keydown', onKey);
}

function assertNever(value: never): never {
  throw new Error(`unexpected keypad action ${String(value)}`);
}
