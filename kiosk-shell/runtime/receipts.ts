/**
 * The receipt every service prints: one layout, in the resident's language.
 * Comune header, service, request code, date and time, what happens next, and
 * a QR (`SPORTELLO:1:<code>[:<pickup secret>]`) that this kiosk's scanner reads
 * back at "Stato pratica" and "Ritiro documenti".
 *
 * Nothing personal is printed in clear on a request's receipt: no names, no
 * codice fiscale, no e-mail. A collected document (`buildDocumentReceipt`) is
 * printed as the back office wrote it, for the person who proved to be its owner.
 * The printer speaks PC858, which has no Arabic letters: a resident who chose
 * Arabic gets the receipt in English (the screen still shows everything in Arabic).
 *
 * Each receipt's text also goes back to the UI (`receiptText`), so speech
 * output reads the receipt as printed: the same strings, never re-written in
 * the UI. The QR's payload is not text and is never in it.
 */
import { formatReceiptQr } from '../../hardware/readers/receipt-qr';
import type { Receipt, ReceiptRow } from '../../hardware/printer/receipt';
import type { Locale, NewRequest, ReceiptText } from '../api/contract';
import type { PickupContent } from '../../sync/protocol';
import { groupPickupCode, pickupCodeOf } from './pickup-code';
import de from './receipt-text/de.json';
import en from './receipt-text/en.json';
import fr from './receipt-text/fr.json';
import it from './receipt-text/it.json';

export const RECEIPT_TEXT = { it, en, de, fr } as const;
export type ReceiptLocale = keyof typeof RECEIPT_TEXT;
type Strings = (typeof RECEIPT_TEXT)['it']['receipt'];

/** The language a receipt is printed in: the resident's, unless the printer cannot print its script. */
export function receiptLocale(locale: Locale): ReceiptLocale {
  return locale === 'ar' ? 'en' : locale;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '');
}

/** `27/11/2026 21:14` in the comune's time zone, the same in every language (and PC858-safe). */
export function receiptDateTime(at: Date, timeZone = 'Europe/Rome'): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('day')}/${part('month')}/${part('year')} ${part('hour')}:${part('minute')}`;
}

export type ReceiptContext = {
  comune: string;
  frazione: string;
  /** The code as printed, grouped (`7KQ3-9MXD`). */
  receiptCode: string;
  createdAt: Date;
  /** Name of the requested certificate type in the receipt's language (certificates only). */
  certificateName: string | null;
  /** Name of the street reported (reports only, when one was chosen). */
  streetName: string | null;
  /** Present only on receipts that can collect a document at this kiosk. */
  pickupSecret: string | null;
};

/** The receipt of a request already committed to the store. */
export function buildReceipt(request: NewRequest, ctx: ReceiptContext): Receipt {
  const s: Strings = RECEIPT_TEXT[receiptLocale(request.locale)].receipt;
  const rows: ReceiptRow[] = [
    { label: s.code, value: ctx.receiptCode },
    { label: s.date, value: receiptDateTime(ctx.createdAt) },
    { label: s.kiosk, value: ctx.frazione },
  ];
  const lines: string[] = [];
  let title: string;
  if (request.kind === 'certificate') {
    title = ctx.certificateName ?? request.certificateType;
    rows.push({ label: s.subject, value: request.subject.relation === 'self' ? s.self : s.family });
    const duty = request.stampDuty.kind;
    rows.push({ label: s.stampDuty, value: duty === 'notDue' ? s.notDue : duty === 'exempt' ? s.exempt : s.stamp });
    const delivery = request.delivery.kind;
    rows.push({
      label: s.delivery,
      value: delivery === 'kiosk' ? s.deliveryKiosk : delivery === 'townHall' ? s.deliveryTownHall : s.deliveryEmail,
    });
    lines.push(delivery === 'kiosk' ? s.nextKiosk : delivery === 'townHall' ? s.nextTownHall : s.nextEmail);
  } else {
    title = s.reportTitle;
    rows.push({ label: s.category, value: s.categories[request.category] });
    rows.push({ label: s.place, value: request.place.kind === 'nearKiosk' ? s.nearKiosk : (ctx.streetName ?? '') });
    lines.push(s.nextReport);
  }
  lines.push(s.status);
  return {
    header: { comune: fill(s.comune, { name: ctx.comune }) },
    title,
    lines,
    rows,
    qr: formatReceiptQr({ requestCode: ctx.receiptCode, pickupSecret: ctx.pickupSecret }),
    // The pickup code is the secret again, typeable (./pickup-code): it is in the QR anyway.
    ...(ctx.pickupSecret !== null && {
      footer: [s.pickupCode, groupPickupCode(pickupCodeOf(ctx.pickupSecret)), s.keep],
    }),
    cut: true,
  };
}

/**
 * A document collected at this kiosk, in receipt format: the comune's header,
 * its title and text as issued (Italian, the document's language), who issued
 * it and when, its verification code, and a QR of the verification page.
 */
export function buildDocumentReceipt(content: PickupContent, ctx: { comune: string; receiptCode: string }): Receipt {
  const s: Strings = RECEIPT_TEXT.it.receipt;
  const printableUrl = /^[\x20-\x7e]{1,200}$/.test(content.verificationUrl);
  return {
    header: { comune: fill(s.comune, { name: ctx.comune }) },
    title: content.title,
    lines: [...content.lines, ...(content.issuer ? [content.issuer] : [])],
    rows: [
      { label: s.documentIssuedAt, value: receiptDateTime(new Date(content.issuedAt)) },
      { label: s.code, value: ctx.receiptCode },
      { label: s.verificationCode, value: content.verificationCode },
    ],
    ...(printableUrl && { qr: content.verificationUrl }),
    footer: [fill(s.verifyAt, { url: content.verificationUrl })],
    cut: true,
  };
}

/**
 * The printed text of `receipt` for speech: every line in print order,
 * unwrapped (header, title, text, rows as `label: value`, footer); the QR is
 * left out. `codes` are the codes among the lines, which speech spells.
 */
export function receiptText(
  receipt: Receipt,
  locale: Locale,
  codes: readonly string[],
  pickupCode: string | null,
): ReceiptText {
  return {
    locale,
    lines: [
      receipt.header.comune,
      receipt.title,
      ...receipt.lines,
      ...receipt.rows.map((r) => `${r.label}: ${r.value}`),
      ...(receipt.footer ?? []),
    ],
    codes: [...codes],
    pickupCode,
  };
}

/** The text of a request's receipt made by `buildReceipt` with the same context. */
export function requestReceiptText(
  request: NewRequest,
  receipt: Receipt,
  ctx: Pick<ReceiptContext, 'receiptCode' | 'pickupSecret'>,
): ReceiptText {
  const pickupCode = ctx.pickupSecret === null ? null : groupPickupCode(pickupCodeOf(ctx.pickupSecret));
  const codes = pickupCode === null ? [ctx.receiptCode] : [ctx.receiptCode, pickupCode];
  return receiptText(receipt, receiptLocale(request.locale), codes, pickupCode);
}

/** The text of a collected document made by `buildDocumentReceipt` (Italian, as issued). */
export function documentReceiptText(
  receipt: Receipt,
  content: Pick<PickupContent, 'verificationCode'>,
  receiptCode: string,
): ReceiptText {
  return receiptText(receipt, 'it', [receiptCode, content.verificationCode], null);
}
