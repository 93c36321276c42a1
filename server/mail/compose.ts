/**
 * The e-mails the hub sends residents: a status change of their request, or
 * the issued document. Italian and English in one message (the resident may
 * have used the kiosk in another language; these are the comune's two). Pure.
 */
import type { MailMessage } from './smtp';

const STATUS_TEXT: Record<string, { it: string; en: string }> = {
  'in-progress': { it: 'presa in carico', en: 'being processed' },
  answered: { it: 'risposta dell’ufficio', en: 'the office answered' },
  'ready-for-pickup': { it: 'pronta per il ritiro', en: 'ready for pickup' },
  closed: { it: 'conclusa', en: 'completed' },
  declined: { it: 'respinta', en: 'declined' },
};

export type ComposeInput = {
  to: string;
  comune: string;
  protocolNumber: string;
  status: string;
  answer: string | null;
  /** For a document by e-mail: its text, verification code and page, and the PDF when one was attached. */
  document?: {
    title: string;
    verificationCode: string;
    verificationUrl: string;
    pdf: { name: string; content: Buffer } | null;
  };
};

export function composeMail(input: ComposeInput): MailMessage {
  const status = STATUS_TEXT[input.status] ?? { it: input.status, en: input.status };
  const subject = input.document
    ? `Comune di ${input.comune} - ${input.document.title} (pratica ${input.protocolNumber})`
    : `Comune di ${input.comune} - pratica ${input.protocolNumber}: ${status.it}`;
  const lines = [
    `Comune di ${input.comune}`,
    '',
    `Pratica ${input.protocolNumber}: ${status.it}.`,
    ...(input.answer ? ['', input.answer] : []),
  ];
  if (input.document) {
    lines.push(
      '',
      input.document.pdf ? `In allegato: ${input.document.title}.` : `Documento: ${input.document.title}.`,
      `Codice di verifica: ${input.document.verificationCode}`,
      `Verifica: ${input.document.verificationUrl}`,
    );
  }
  lines.push(
    '',
    '---',
    `Request ${input.protocolNumber}: ${status.en}.`,
    ...(input.document
      ? [`Verification code: ${input.document.verificationCode} (${input.document.verificationUrl})`]
      : []),
    '',
    'Messaggio automatico: non rispondere. / Automatic message: please do not reply.',
  );
  return {
    to: input.to,
    subject,
    text: lines.join('\n').replace(/\n/g, '\r\n'),
    ...(input.document?.pdf
      ? {
          attachments: [
            { filename: input.document.pdf.name, contentType: 'application/pdf', content: input.document.pdf.content },
          ],
        }
      : {}),
  };
}
