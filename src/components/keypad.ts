/**
 * Keyboard and keypad navigation for the whole UI: arrows move focus through
 * the controls in reading order (mirrored for right-to-left), Enter/Space
 * activate (native buttons), Escape goes back. Inside an open modal dialog
 * focus never leaves it.
 */
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

export function installKeypadNavigation(doc: Document, onBack: () => void): () => void {
  const onKey = (e: KeyboardEvent) => {
    // A control that handled the key itself (the idle dialog's Escape) has the last word.
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const rtl = doc.documentElement.dir === 'rtl';
    const target = e.target as HTMLElement | null;
    const typing = target?.tagName === 'INPUT' || target?.tagName === 'TEXTAREA';
    switch (e.key) {
      case 'ArrowDown':
        if (!scrollRegion(target, 1)) moveFocus(doc, 1);
        break;
      case 'ArrowUp':
        if (!scrollRegion(target, -1)) moveFocus(doc, -1);
        break;
      case 'ArrowRight':
        if (typing) return;
        moveFocus(doc, rtl ? -1 : 1);
        break;
      case 'ArrowLeft':
        if (typing) return;
        moveFocus(doc, rtl ? 1 : -1);
        break;
      case 'Tab': {
        // Keep Tab inside an open dialog; elsewhere the browser's order is the reading order.
        const root = scope(doc);
        if (root === doc) return;
        moveFocus(doc, e.shiftKey ? -1 : 1);
        break;
      }
      case 'Escape':
        if (scope(doc) !== doc) return; // the dialog handles its own Escape
        onBack();
        break;
      default:
        return;
    }
    e.preventDefault();
  };
  doc.addEventListener('keydown', onKey);
  return () => doc.removeEventListener('keydown', onKey);
}
