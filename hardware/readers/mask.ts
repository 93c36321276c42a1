/**
 * Masks for the diagnostics screen ("last reads"): enough to tell reads apart
 * and recognise one's own card, never enough to rebuild personal data.
 */

/** `RSSMRA80A01H501U` → `RSS*********501U`. */
export function maskCodiceFiscale(cf: string): string {
  if (cf.length <= 7) return '*'.repeat(cf.length);
  return `${cf.slice(0, 3)}${'*'.repeat(cf.length - 7)}${cf.slice(-4)}`;
}

/** `ANNA MARIA` → `A. M.`; empty stays empty. */
export function initials(name: string): string {
  return name
    .split(/[\s'-]+/)
    .filter((part) => part.length > 0)
    .map((part) => `${part.charAt(0)}.`)
    .join(' ');
}

/** Keeps `keepStart` and `keepEnd` characters and stars the rest (all stars when too short). */
export function maskMiddle(text: string, keepStart: number, keepEnd: number): string {
  if (text.length <= keepStart + keepEnd) return '*'.repeat(text.length);
  return `${text.slice(0, keepStart)}${'*'.repeat(text.length - keepStart - keepEnd)}${text.slice(text.length - keepEnd)}`;
}
