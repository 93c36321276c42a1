/**
 * The QR code of a pagoPA payment notice (avviso di pagamento):
 *
 *     PAGOPA|002|<notice number: 18 digits>|<creditor's fiscal code: 11 digits>|<amount in euro cents>
 *
 * The notice number starts with its aux digit (0–3). The creditor body's fiscal
 * code is checked with its check digit (the algorithm of the partita IVA). The
 * amount has 1–10 digits: pagoPA's own app accepts one digit because real
 * notices were printed that way; zero is refused.
 */
import type { Parsed } from './types';

export type PagopaNotice = { noticeNumber: string; creditorFiscalCode: string; amountCents: number };

const NOTICE_NUMBER = /^[0-3]\d{17}$/;
const ELEVEN_DIGITS = /^\d{11}$/;
const AMOUNT = /^\d{1,10}$/;

/** Check digit of an 11-digit fiscal code of a legal person (or partita IVA). */
export function isOrganizationFiscalCode(code: string): boolean {
  if (!ELEVEN_DIGITS.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const d = code.charCodeAt(i) - 0x30;
    if (i % 2 === 0) sum += d;
    else sum += d * 2 > 9 ? d * 2 - 9 : d * 2;
  }
  return (10 - (sum % 10)) % 10 === code.charCodeAt(10) - 0x30;
}

export function isPagopaText(text: string): boolean {
  return text.startsWith('PAGOPA|');
}

/** Parses a pagoPA notice QR; the detail names the field that is wrong. */
export function parsePagopaQr(text: string): Parsed<PagopaNotice, 'pagopa-invalid'> {
  const parts = text.split('|');
  if (parts.length !== 5 || parts[0] !== 'PAGOPA') return { ok: false, reason: 'pagopa-invalid', detail: 'parts' };
  const [, version, noticeNumber = '', creditorFiscalCode = '', amount = ''] = parts;
  if (version !== '002') return { ok: false, reason: 'pagopa-invalid', detail: 'version' };
  if (!NOTICE_NUMBER.test(noticeNumber)) return { ok: false, reason: 'pagopa-invalid', detail: 'notice-number' };
  if (!isOrganizationFiscalCode(creditorFiscalCode)) {
    return { ok: false, reason: 'pagopa-invalid', detail: 'creditor-fiscal-code' };
  }
  if (!AMOUNT.test(amount) || Number(amount) === 0) return { ok: false, reason: 'pagopa-invalid', detail: 'amount' };
  return { ok: true, value: { noticeNumber, creditorFiscalCode, amountCents: Number(amount) } };
}
