/**
 * The runtime's pickup service on a real store file: find, open with the
 * secret or the typed code, check the card, print first and record after,
 * rate-limit wrong attempts across restarts, purge at expiry.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { Receipt } from '../../hardware/printer/receipt';
import { layoutReceipt } from '../../hardware/printer/receipt';
import { sealForPickup } from '../../sync/crypto/pickup';
import type { PickupContent } from '../../sync/protocol';
import { closeStore, openStore } from '../../sync/store/db';
import type { Store } from '../../sync/store/db';
import { putPickupDocuments, unreportedCollections } from '../../sync/store/pickup-documents';
import { formatReceiptCode } from '../../sync/store/receipt';
import { createSubmission } from '../../sync/store/submissions';
import type { Identity, PrintOutcome } from '../api/contract';
import type { DeviceManager } from './devices';
import { ApiFailure } from './dispatch';
import { createLogger } from './log';
import { createPickupService } from './pickup';
import { groupPickupCode, pickupCodeOf, secretOfPickupCode } from './pickup-code';

const CF = 'RSSMRA85T10A562S';
const OTHER_CF = 'BNCNNA90A41H501X';
const T0 = new Date('2026-03-01T09:00:00.000Z');
const DAY = 24 * 60 * 60_000;

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) closeStore(s);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function card(codiceFiscale: string): Identity {
  return { source: 'scanner', codiceFiscale, surname: null, givenNames: null, birthDate: null, document: null };
}

const content: PickupContent = {
  v: 1,
  codiceFiscale: CF,
  title: 'Certificato di residenza',
  lines: ['Si certifica che ROSSI MARIO risiede in Via Aurelia 12, Colombiera.'],
  issuer: 'Comune di Castelnuovo Magra - Ufficio Anagrafe',
  issuedAt: T0.toISOString(),
  verificationCode: 'C240-7KQ2-M9XD',
  verificationUrl: 'https://hub.example.it/verifica',
};

function setup(options: { print?: () => PrintOutcome } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sportello-pickup-'));
  dirs.push(dir);
  const store = openStore(join(dir, 'sportello.db'));
  stores.push(store);
  const printed: Receipt[] = [];
  const devices = {
    printReceipt: (receipt: Receipt) => {
      const outcome = options.print?.() ?? { printed: true, problem: null };
      if (outcome.printed) printed.push(receipt);
      return Promise.resolve(outcome);
    },
  } as unknown as DeviceManager;
  let clock = T0.getTime();
  let collectedCalls = 0;
  const service = () =>
    createPickupService({
      db: store.db,
      devices,
      comune: 'Castelnuovo Magra',
      now: () => new Date(clock),
      log: createLogger({ level: 'silent' }),
      onCollected: () => collectedCalls++,
    });
  const secret = randomBytes(24).toString('base64url');
  const request = createSubmission(store.db, {
    kind: 'certificate',
    service: 'residenza',
    locale: 'it',
    publicFields: {},
    sealed: new Uint8Array([1, 2, 3]),
    now: T0,
  });
  const documentId = uuidv7();
  putPickupDocuments(
    store.db,
    [
      {
        id: documentId,
        submissionId: request.id,
        title: { it: 'Certificato di residenza' },
        issuedAt: T0,
        expiresAt: new Date(T0.getTime() + 30 * DAY),
        envelope: sealForPickup(secret, documentId, new TextEncoder().encode(JSON.stringify(content))),
      },
    ],
    T0,
  );
  return {
    store,
    printed,
    service,
    secret,
    receiptCode: formatReceiptCode(request.receiptCode),
    documentId,
    collectedCalls: () => collectedCalls,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiFailure) return err.code;
    throw err;
  }
  return 'OK';
}

describe('pickup codes', () => {
  it('print the secret itself in Crockford base32, and read back however they are typed', () => {
    const secret = randomBytes(24).toString('base64url');
    const code = pickupCodeOf(secret);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{39}$/);
    expect(secretOfPickupCode(code)).toBe(secret);
    expect(secretOfPickupCode(groupPickupCode(code, '-').toLowerCase())).toBe(secret);
    expect(secretOfPickupCode(code.slice(1))).toBeNull();
    expect(secretOfPickupCode(`${code.slice(0, -1)}U`)).toBeNull();
    expect(pickupCodeOf('AAECAwQFBgcICQoLDA0ODxAREhMUFRYX')).toBe('000G40R40M30E209185GR38E1W8124GK2GAHC5R');
  });
});

describe('pickup service', () => {
  it('tells whether a document waits without the secret, and nothing personal', () => {
    const k = setup();
    const found = k.service().find(k.receiptCode.toLowerCase());
    expect(found).toEqual({
      status: 'ready',
      receiptCode: k.receiptCode,
      title: { it: 'Certificato di residenza' },
      issuedAt: T0.toISOString(),
      expiresAt: new Date(T0.getTime() + 30 * DAY).toISOString(),
    });
    expect(k.service().find('ZZZZ-ZZZZ')).toEqual({ status: 'unknown' });
  });

  it('prints the document for the right secret and card, then records it and deletes the envelope', async () => {
    const k = setup();
    const out = await k
      .service()
      .collect({ receiptCode: k.receiptCode, key: { kind: 'scanned', pickupSecret: k.secret }, identity: card(CF) });
    expect(out).toEqual({
      print: { printed: true, problem: null, receipt: expect.objectContaining({ locale: 'it', pickupCode: null }) },
      title: 'Certificato di residenza',
      verificationCode: 'C240-7KQ2-M9XD',
    });
    // The document's text comes back for speech, as printed: its lines, the verification code spelled as a code.
    expect(out.print.receipt.lines).toContain('Certificato di residenza');
    expect(out.print.receipt.lines.join('\n')).toContain('ROSSI MARIO');
    expect(out.print.receipt.codes).toContain('C240-7KQ2-M9XD');
    const text = layoutReceipt(k.printed[0]!)
      .map((b) => (b.kind === 'text' ? b.text : b.kind === 'qr' ? `[QR ${b.payload}]` : ''))
      .join('\n');
    expect(text).toContain('ROSSI MARIO');
    expect(text).toContain('C240-7KQ2-M9XD');
    expect(text).toContain('[QR https://hub.example.it/verifica]');
    expect(k.collectedCalls()).toBe(1);
    expect(unreportedCollections(k.store.db, 10).map((c) => c.documentId)).toEqual([k.documentId]);
    const row = k.store.db.prepare('SELECT envelope FROM pickup_documents WHERE id = ?').get(k.documentId) as {
      envelope: Buffer | null;
    };
    expect(row.envelope).toBeNull();
    expect(k.service().find(k.receiptCode)).toMatchObject({ status: 'collected' });
    expect(
      await failure(
        k.service().collect({
          receiptCode: k.receiptCode,
          key: { kind: 'scanned', pickupSecret: k.secret },
          identity: card(CF),
        }),
      ),
    ).toBe('NOT_FOUND');
  });

  it('opens with the pickup code typed from the receipt', async () => {
    const k = setup();
    const pickupCode = groupPickupCode(pickupCodeOf(k.secret)).toLowerCase();
    const out = await k
      .service()
      .collect({ receiptCode: k.receiptCode, key: { kind: 'typed', pickupCode }, identity: card(CF) });
    expect(out.print.printed).toBe(true);
  });

  it('refuses a wrong code and a wrong card, and keeps the document', async () => {
    const k = setup();
    const wrong = randomBytes(24).toString('base64url');
    const svc = k.service();
    expect(
      await failure(
        svc.collect({ receiptCode: k.receiptCode, key: { kind: 'scanned', pickupSecret: wrong }, identity: card(CF) }),
      ),
    ).toBe('PICKUP_WRONG_CODE');
    expect(
      await failure(
        svc.collect({
          receiptCode: k.receiptCode,
          key: { kind: 'typed', pickupCode: 'NOT A CODE' },
          identity: card(CF),
        }),
      ),
    ).toBe('PICKUP_WRONG_CODE');
    expect(
      await failure(
        svc.collect({
          receiptCode: k.receiptCode,
          key: { kind: 'scanned', pickupSecret: k.secret },
          identity: card(OTHER_CF),
        }),
      ),
    ).toBe('PICKUP_WRONG_CARD');
    expect(k.printed).toHaveLength(0);
    expect(svc.find(k.receiptCode)).toMatchObject({ status: 'ready' });
    const failures = k.store.db.prepare('SELECT scope FROM pickup_failures').all() as Array<{ scope: string }>;
    expect(failures).toHaveLength(6); // each counted for the kiosk and for the request
  });

  it('locks a request after 5 wrong attempts, for an hour, even across a restart', async () => {
    const k = setup();
    const wrong = { kind: 'scanned' as const, pickupSecret: randomBytes(24).toString('base64url') };
    for (let i = 0; i < 5; i++) {
      expect(await failure(k.service().collect({ receiptCode: k.receiptCode, key: wrong, identity: card(CF) }))).toBe(
        'PICKUP_WRONG_CODE',
      );
    }
    const right = { kind: 'scanned' as const, pickupSecret: k.secret };
    // A new service on the same file: what a restart of the runtime makes.
    expect(await failure(k.service().collect({ receiptCode: k.receiptCode, key: right, identity: card(CF) }))).toBe(
      'RATE_LIMITED',
    );
    expect(k.service().find(k.receiptCode)).toMatchObject({ status: 'locked' });
    k.advance(60 * 60_000 + 1);
    expect(await failure(k.service().collect({ receiptCode: k.receiptCode, key: right, identity: card(CF) }))).toBe(
      'OK',
    );
  });

  it('stops every pickup at the kiosk after 10 wrong attempts in 10 minutes', async () => {
    const k = setup();
    const wrong = { kind: 'scanned' as const, pickupSecret: randomBytes(24).toString('base64url') };
    // Other requests' failures count for the kiosk too.
    const { recordPickupFailure } = await import('../../sync/store/pickup-documents');
    for (let i = 0; i < 6; i++) recordPickupFailure(k.store.db, ['kiosk', `other-${i}`], T0);
    for (let i = 0; i < 4; i++) {
      await failure(k.service().collect({ receiptCode: k.receiptCode, key: wrong, identity: card(CF) }));
    }
    const right = { kind: 'scanned' as const, pickupSecret: k.secret };
    expect(await failure(k.service().collect({ receiptCode: k.receiptCode, key: right, identity: card(CF) }))).toBe(
      'RATE_LIMITED',
    );
    k.advance(10 * 60_000 + 1);
    expect(await failure(k.service().collect({ receiptCode: k.receiptCode, key: right, identity: card(CF) }))).toBe(
      'OK',
    );
  });

  it('does not record a document the printer did not print: it still waits', async () => {
    let paper = false;
    const k = setup({
      print: () => (paper ? { printed: true, problem: null } : { printed: false, problem: 'PAPER_OUT' }),
    });
    const input = {
      receiptCode: k.receiptCode,
      key: { kind: 'scanned' as const, pickupSecret: k.secret },
      identity: card(CF),
    };
    expect((await k.service().collect(input)).print).toEqual({
      printed: false,
      problem: 'PAPER_OUT',
      receipt: expect.objectContaining({ locale: 'it' }),
    });
    expect(k.service().find(k.receiptCode)).toMatchObject({ status: 'ready' });
    expect(unreportedCollections(k.store.db, 10)).toEqual([]);
    paper = true;
    expect((await k.service().collect(input)).print.printed).toBe(true);
    expect(k.service().find(k.receiptCode)).toMatchObject({ status: 'collected' });
  });

  it('deletes the envelope at expiry and says the document expired', async () => {
    const k = setup();
    k.advance(30 * DAY);
    expect(k.service().find(k.receiptCode)).toMatchObject({ status: 'expired' });
    expect(k.service().purge()).toEqual({ expired: 1, deleted: 0 });
    expect(k.service().find(k.receiptCode)).toMatchObject({ status: 'expired' });
    expect(
      await failure(
        k.service().collect({
          receiptCode: k.receiptCode,
          key: { kind: 'scanned', pickupSecret: k.secret },
          identity: card(CF),
        }),
      ),
    ).toBe('NOT_FOUND');
    k.advance(31 * DAY);
    expect(k.service().purge()).toEqual({ expired: 0, deleted: 1 });
    expect(k.service().find(k.receiptCode)).toEqual({ status: 'notReady' });
  });

  it('never writes the secret, the codice fiscale or the text to the store file', async () => {
    const k = setup();
    const wrong = k.service().collect({
      receiptCode: k.receiptCode,
      key: { kind: 'scanned', pickupSecret: randomBytes(24).toString('base64url') },
      identity: card(CF),
    });
    expect(await failure(wrong)).toBe('PICKUP_WRONG_CODE');
    await k
      .service()
      .collect({ receiptCode: k.receiptCode, key: { kind: 'scanned', pickupSecret: k.secret }, identity: card(CF) });
    const dir = join(k.store.path, '..');
    for (const file of readdirSync(dir).filter((f) => f.startsWith('sportello.db'))) {
      const bytes = readFileSync(join(dir, file));
      expect(bytes.includes(Buffer.from(k.secret)), file).toBe(false);
      expect(bytes.includes(Buffer.from(CF)), file).toBe(false);
      expect(bytes.includes(Buffer.from('ROSSI MARIO')), file).toBe(false);
    }
  });
});
