import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { layoutReceipt } from '../../hardware/printer/receipt';
import type { Receipt } from '../../hardware/printer/receipt';
import type { PickupContent } from '../../sync/protocol';
import type { NewRequest, ReceiptText } from '../api/contract';
import { groupPickupCode, pickupCodeOf } from './pickup-code';
import { buildDocumentReceipt, buildReceipt, documentReceiptText, requestReceiptText } from './receipts';

const IDENTITY = {
  source: 'scanner',
  codiceFiscale: 'RSSMRA85T10A562S',
  surname: null,
  givenNames: null,
  birthDate: null,
  document: null,
} as const;

function certificate(locale: NewRequest['locale']): NewRequest {
  return {
    kind: 'certificate',
    locale,
    certificateType: 'residenza',
    identity: IDENTITY,
    subject: { relation: 'self' },
    stampDuty: { kind: 'exempt', reason: 'pension' },
    delivery: { kind: 'kiosk' },
  };
}

const CTX = {
  comune: 'Castelnuovo Magra',
  frazione: 'Colombiera',
  receiptCode: '7KQ3-9MXD',
  createdAt: new Date('2026-11-27T21:14:00Z'),
  certificateName: 'Certificato di residenza',
  streetName: null,
};

/** The text lines the printer gets (wrapped at 48 columns), and the QR payloads. */
function printed(receipt: Receipt): { lines: string[]; qr: string[] } {
  const blocks = layoutReceipt(receipt);
  return {
    lines: blocks.flatMap((b) => (b.kind === 'text' ? [b.text] : [])),
    qr: blocks.flatMap((b) => (b.kind === 'qr' ? [b.payload] : [])),
  };
}

/** Every printed line is in the text: a wrapped piece of one of its lines, or a row's label and value. */
function expectEveryPrintedLine(receipt: Receipt, text: ReceiptText): void {
  const all = text.lines.join('\n');
  for (const line of printed(receipt).lines) {
    for (const piece of line.trim().split(/ {2,}/)) expect(all, line).toContain(piece);
  }
}

describe('the receipt text for speech', () => {
  it('holds every printed line of a certificate receipt, with its codes and the pickup code, and never the QR', () => {
    const secret = randomBytes(24).toString('base64url');
    const request = certificate('it');
    const receipt = buildReceipt(request, { ...CTX, pickupSecret: secret });
    const text = requestReceiptText(request, receipt, { receiptCode: CTX.receiptCode, pickupSecret: secret });
    expectEveryPrintedLine(receipt, text);
    const pickupCode = groupPickupCode(pickupCodeOf(secret));
    expect(text).toMatchObject({ locale: 'it', codes: ['7KQ3-9MXD', pickupCode], pickupCode });
    expect(text.lines).toContain(pickupCode);
    expect(text.lines).toContain('Codice richiesta: 7KQ3-9MXD');
    const qr = printed(receipt).qr[0]!;
    expect(qr).toContain(secret);
    expect(JSON.stringify(text)).not.toContain(secret);
  });

  it('is in English for an Arabic resident, as the receipt is printed', () => {
    const request = certificate('ar');
    const receipt = buildReceipt(request, { ...CTX, pickupSecret: null });
    const text = requestReceiptText(request, receipt, { receiptCode: CTX.receiptCode, pickupSecret: null });
    expect(text.locale).toBe('en');
    expect(text.pickupCode).toBeNull();
    expect(text.codes).toEqual(['7KQ3-9MXD']);
    expect(text.lines).toContain('Request code: 7KQ3-9MXD');
    expectEveryPrintedLine(receipt, text);
  });

  it('reads a report receipt in German', () => {
    const request: NewRequest = {
      kind: 'report',
      locale: 'de',
      category: 'lighting',
      place: { kind: 'nearKiosk' },
      description: 'Lampe aus',
      contact: null,
    };
    const receipt = buildReceipt(request, { ...CTX, certificateName: null, pickupSecret: null });
    const text = requestReceiptText(request, receipt, { receiptCode: CTX.receiptCode, pickupSecret: null });
    expect(text.locale).toBe('de');
    expectEveryPrintedLine(receipt, text);
    // The description is the resident's, sealed: never on the receipt, so never in its text.
    expect(text.lines.join(' ')).not.toContain('Lampe aus');
  });

  it('gives a collected document in Italian, as issued, with its verification code', () => {
    const content: PickupContent = {
      v: 1,
      title: 'Certificato di residenza',
      lines: ['Si certifica che ROSSI MARIO', 'risiede in Via Aurelia 1.'],
      issuer: "L'Ufficiale d'anagrafe",
      issuedAt: '2026-11-27T10:00:00.000Z',
      verificationCode: 'ABCD-EFGH-JKMN',
      verificationUrl: 'http://127.0.0.1/verify/ABCD-EFGH-JKMN',
      codiceFiscale: 'RSSMRA85T10A562S',
    };
    const receipt = buildDocumentReceipt(content, { comune: 'Castelnuovo Magra', receiptCode: '7KQ3-9MXD' });
    const text = documentReceiptText(receipt, content, '7KQ3-9MXD');
    expect(text).toMatchObject({ locale: 'it', codes: ['7KQ3-9MXD', 'ABCD-EFGH-JKMN'], pickupCode: null });
    expectEveryPrintedLine(receipt, text);
  });
});
