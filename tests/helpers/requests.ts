/**
 * Resident requests as the kiosk API takes them (`requests.create`), shared
 * by the suites that drive the real runtime.
 */

/** A card read by the barcode scanner: the Tessera Sanitaria carries the codice fiscale only. */
export const scannedIdentity = (codiceFiscale: string) => ({
  source: 'scanner' as const,
  codiceFiscale,
  surname: null,
  givenNames: null,
  birthDate: null,
  document: null,
});

/** A certificato di residenza for oneself, exempt from bollo (pension), for pickup at this kiosk. */
export const certificateForPickupHere = (codiceFiscale: string) =>
  ({
    kind: 'certificate',
    locale: 'it',
    certificateType: 'residenza',
    identity: scannedIdentity(codiceFiscale),
    subject: { relation: 'self' },
    stampDuty: { kind: 'exempt', reason: 'pension' },
    delivery: { kind: 'kiosk' },
  }) as const;
