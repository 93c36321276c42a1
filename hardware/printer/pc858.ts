/**
 * Code page PC858 (PC850 with € at 0xD5), the one character set every receipt is
 * printed in. The printer is told `ESC t 19` once per receipt; every character we
 * send must therefore exist in this table, or node-thermal-printer would silently
 * switch the printer to another code page in the middle of a line.
 */

/** Characters 0x80–0xFF of PC858, in byte order (0xF0 is a soft hyphen, 0xFF a no-break space). */
export const PC858_HIGH =
  'ÇüéâäàåçêëèïîìÄÅ' +
  'ÉæÆôöòûùÿÖÜø£Ø×ƒ' +
  'áíóúñÑªº¿®¬½¼¡«»' +
  '░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐' +
  '└┴┬├─┼ãÃ╚╔╩╦╠═╬¤' +
  'ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀' +
  'ÓßÔÒõÕµþÞÚÛÙýÝ¯´' +
  '\u00AD±‗¾¶§÷¸°¨·¹³²■\u00A0';

const ENCODE = new Map<string, number>();
for (let i = 0; i < 128; i += 1) ENCODE.set(PC858_HIGH.charAt(i), 0x80 + i);

/** The printable character of a PC858 byte; control bytes (< 0x20, 0x7F) have none. */
export function decodePc858Byte(byte: number): string | null {
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
  if (byte >= 0x80 && byte <= 0xff) return PC858_HIGH.charAt(byte - 0x80);
  return null;
}

/** The PC858 byte of a single printable character, or null when the page has none. */
export function encodePc858Char(char: string): number | null {
  if (char.length === 1) {
    const code = char.charCodeAt(0);
    if (code >= 0x20 && code < 0x7f) return code;
  }
  return ENCODE.get(char) ?? null;
}

/** True when every character prints as itself in PC858 (no controls, no soft hyphen). */
export function isPc858Printable(text: string): boolean {
  for (const char of text) {
    if (char === '\u00AD' || char === '\u00A0' || encodePc858Char(char) === null) return false;
  }
  return true;
}

/**
 * Safe equivalents for characters PC858 lacks that residents and clerks do type:
 * typographic punctuation from word processors and phones, spaces of every width,
 * a few Latin letters with no decomposition. Anything else falls back to its
 * NFKD base letter, then to '?'.
 */
const REPLACEMENTS: Record<string, string> = {
  '\u2018': "'", // ‘
  '\u2019': "'", // ’
  '\u201A': "'", // ‚
  '\u201B': "'", // ‛
  '\u2032': "'", // ′
  '\u201C': '"', // “
  '\u201D': '"', // ”
  '\u201E': '"', // „
  '\u201F': '"', // ‟
  '\u2033': '"', // ″
  '\u2039': '<', // ‹
  '\u203A': '>', // ›
  '\u2010': '-', // hyphen
  '\u2011': '-', // non-breaking hyphen
  '\u2012': '-', // figure dash
  '\u2013': '-', // en dash
  '\u2014': '-', // em dash
  '\u2015': '-', // horizontal bar
  '\u2212': '-', // minus sign
  '\u2026': '...', // …
  '\u2022': '*', // •
  '\u2023': '*', // ‣
  '\u2043': '-', // ⁃
  '\u2122': 'TM', // ™
  '\u2264': '<=', // ≤
  '\u2265': '>=', // ≥
  '\u2260': '!=', // ≠
  '\u2248': '~', // ≈
  '\u2192': '->', // →
  '\u2190': '<-', // ←
  '\u00A0': ' ', // no-break space: print a plain one
  '\u00AD': '', // soft hyphen: invisible
  '\u0131': 'i', // dotless i (0xD5 is € in PC858)
  '\u0141': 'L', // Ł
  '\u0142': 'l', // ł
  '\u0110': 'D', // Đ
  '\u0111': 'd', // đ
  '\u0152': 'OE', // Œ
  '\u0153': 'oe', // œ
  '\u0126': 'H', // Ħ
  '\u0127': 'h', // ħ
};

const COMBINING = /[\u0300-\u036F]/gu;

const inRange = (code: number, from: number, to: number) => code >= from && code <= to;

/** Spaces of every width (and tab): print a plain space. */
function isSpace(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return char.length === 1 && (inRange(code, 0x2000, 0x200a) || [0x09, 0x202f, 0x205f, 0x3000].includes(code));
}

/** Zero-width characters and variation selectors: print nothing. */
function isInvisible(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (
    char.length === 1 &&
    (inRange(code, 0x200b, 0x200d) || inRange(code, 0xfe00, 0xfe0f) || [0x2060, 0xfeff].includes(code))
  );
}

/** C0 and C1 controls, DEL. */
function isControls(text: string): boolean {
  return [...text].every((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code < 0x20 || inRange(code, 0x7f, 0x9f);
  });
}

const segmenter = new Intl.Segmenter('it', { granularity: 'grapheme' });

function replaceCluster(cluster: string): string {
  const composed = cluster.normalize('NFC');
  if (isPc858Printable(composed)) return composed;
  const mapped = REPLACEMENTS[composed];
  if (mapped !== undefined) return mapped;
  if (isSpace(composed)) return ' ';
  if (isInvisible(composed)) return '';
  // Controls never reach the printer: a stray ESC inside a name would be a command.
  if (isControls(composed)) return '';
  const base = composed.normalize('NFKD').replace(COMBINING, '');
  if (base.length > 0 && isPc858Printable(base)) return base;
  const perChar = [...base].map((c) => REPLACEMENTS[c] ?? (isPc858Printable(c) ? c : null));
  if (base.length > 0 && perChar.every((c) => c !== null)) return perChar.join('');
  return '?';
}

/**
 * Rewrites text so that every character exists in PC858: typographic quotes and
 * dashes become ASCII, accents PC858 lacks lose their accent, control characters
 * vanish, anything else (emoji, other scripts) becomes one '?' per character as
 * the reader perceives it. Line breaks become spaces: lines are the layout's business.
 */
export function toPc858Safe(text: string): string {
  let out = '';
  for (const { segment } of segmenter.segment(text)) {
    if (segment === '\n' || segment === '\r\n' || segment === '\r') {
      out += ' ';
      continue;
    }
    out += replaceCluster(segment);
  }
  return out;
}
