/**
 * How a printed receipt is spoken (EN 301 549 5.1.3: "the content of every
 * receipt is spoken"). The runtime sends the receipt's text with every print
 * result (`ReceiptText`: the lines the printer got, in the language it printed
 * in); the UI never re-writes it, only spells the codes, one character at a
 * time, so a blind resident can note them down.
 *
 * A receipt printed in the screen's language is spoken with the screen. One
 * printed in another language (Arabic residents get English receipts: PC858
 * has no Arabic letters; a collected document is Italian as issued) is not
 * read with the screen's voice: the screen says the pickup code and offers to
 * play the receipt in its own language's voice. The QR's payload is never in
 * the text; the pickup code printed under it is (headphones are private).
 */
import type { Locale, ReceiptText } from '../../kiosk-shell/api/contract';

/** `7KQ3-9MXD` → `7 K Q 3, 9 M X D`: each character on its own, a pause between groups. */
export function spellCode(code: string): string {
  return code
    .split(/[\s-]+/)
    .filter((g) => g !== '')
    .map((g) => Array.from(g).join(' '))
    .join(', ');
}

/** The receipt's printed lines as they are spoken: the same text, its codes spelled. */
export function spokenReceiptLines(receipt: ReceiptText): string[] {
  // Longest first, so a code that contains another is spelled whole.
  const codes = receipt.codes.filter((c) => c.trim() !== '').sort((a, b) => b.length - a.length);
  return receipt.lines.map((line) => codes.reduce((l, code) => l.split(code).join(spellCode(code)), line));
}

/** Whether the receipt is spoken together with the screen: only when it is printed in the screen's language. */
export function speaksWithScreen(receipt: ReceiptText, screenLocale: string): boolean {
  return receipt.locale === (screenLocale as Locale);
}
