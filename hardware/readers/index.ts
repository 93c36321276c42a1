/** The card and ID readers: frame decoders, parsers and services (see each module for its wire format). */
export type { DecoderOutput, FrameDecoder, Framed, Parsed, ReaderLogger, Unreadable } from './types';
export {
  CODICE_FISCALE_SHAPE,
  checkCodiceFiscale,
  codiceFiscaleCheckCharacter,
  isCodiceFiscale,
  namesMatchCodiceFiscale,
} from './codice-fiscale';
export type { CodiceFiscaleCheck, CodiceFiscaleReason } from './codice-fiscale';
export { initials, maskCodiceFiscale, maskMiddle } from './mask';
export { formatReceiptQr, isPickupSecret, isRequestCode, parseReceiptQr, RECEIPT_QR_PREFIX } from './receipt-qr';
export type { ReceiptQr } from './receipt-qr';
export { isTechnicianCardText, parseTechnicianCard, TECHNICIAN_CARD_PREFIX } from './technician-card';
export type { TechnicianCard } from './technician-card';
export { isOrganizationFiscalCode, parsePagopaQr } from './pagopa';
export type { PagopaNotice } from './pagopa';
export { classifyScan, createScannerDecoder } from './scanner';
export type { ScanRead, ScanReason, ScannerDecoderOptions, ScannerFrameReason } from './scanner';
export { createMagstripeDecoder, parseTesseraSanitaria } from './magstripe';
export type {
  MagstripeDecoderOptions,
  MagstripeFrameReason,
  MagstripeSwipe,
  TesseraSanitariaRead,
  TesseraSanitariaReason,
  TrackFault,
  TrackNumber,
} from './magstripe';
export { createMrzDecoder, localIsoDate, parseMrz } from './mrz';
export type {
  MrzDecoderOptions,
  MrzDocumentKind,
  MrzFormat,
  MrzFrame,
  MrzFrameReason,
  MrzRead,
  MrzReason,
} from './mrz';
export {
  ReaderService,
  createMagstripeService,
  createMrzService,
  createScannerService,
  maskMrz,
  maskScan,
  maskTesseraSanitaria,
} from './service';
export type {
  LastRead,
  MagstripeService,
  MaskedValue,
  MrzService,
  ReaderKind,
  ReaderServiceCommonOptions,
  ReaderServiceEvents,
  ReaderServiceOptions,
  ScannerService,
} from './service';
