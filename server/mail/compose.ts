/**
 * The e-mails the hub sends residents: a status change of their request, or
 * the issued document, in the language they used at the kiosk. A message
 * carries the comune, the protocol number, the status and the office's answer
 * (and for a document its title, verification code and PDF): nothing read
 * from the resident's card or typed in the request. Pure.
 */
import type { Locale } from '../../sync/protocol';
import type { MailMessage } from './smtp';

type Texts = {
  status: Record<string, string>;
  subject: (comune: string, protocol: string, status: string) => string;
  documentSubject: (comune: string, title: string, protocol: string) => string;
  comune: (name: string) => string;
  request: (protocol: string, status: string) => string;
  attached: (title: string) => string;
  document: (title: string) => string;
  code: string;
  check: string;
  noReply: string;
};

const TEXTS: Record<Locale, Texts> = {
  it: {
    status: {
      'in-progress': 'presa in carico',
      answered: 'risposta dell’ufficio',
      'ready-for-pickup': 'pronta per il ritiro',
      closed: 'conclusa',
      declined: 'respinta',
    },
    subject: (c, p, s) => `Comune di ${c} - pratica ${p}: ${s}`,
    documentSubject: (c, t, p) => `Comune di ${c} - ${t} (pratica ${p})`,
    comune: (c) => `Comune di ${c}`,
    request: (p, s) => `Pratica ${p}: ${s}.`,
    attached: (t) => `In allegato: ${t}.`,
    document: (t) => `Documento: ${t}.`,
    code: 'Codice di verifica',
    check: 'Verifica',
    noReply: 'Messaggio automatico: non rispondere.',
  },
  en: {
    status: {
      'in-progress': 'being processed',
      answered: 'the office answered',
      'ready-for-pickup': 'ready for pickup',
      closed: 'completed',
      declined: 'declined',
    },
    subject: (c, p, s) => `Comune di ${c} - request ${p}: ${s}`,
    documentSubject: (c, t, p) => `Comune di ${c} - ${t} (request ${p})`,
    comune: (c) => `Comune di ${c}`,
    request: (p, s) => `Request ${p}: ${s}.`,
    attached: (t) => `Attached: ${t}.`,
    document: (t) => `Document: ${t}.`,
    code: 'Verification code',
    check: 'Check it at',
    noReply: 'Automatic message: please do not reply.',
  },
  de: {
    status: {
      'in-progress': 'in Bearbeitung',
      answered: 'Antwort des Amtes',
      'ready-for-pickup': 'abholbereit',
      closed: 'abgeschlossen',
      declined: 'abgelehnt',
    },
    subject: (c, p, s) => `Comune di ${c} - Antrag ${p}: ${s}`,
    documentSubject: (c, t, p) => `Comune di ${c} - ${t} (Antrag ${p})`,
    comune: (c) => `Gemeinde ${c} (Comune di ${c})`,
    request: (p, s) => `Antrag ${p}: ${s}.`,
    attached: (t) => `Im Anhang: ${t}.`,
    document: (t) => `Dokument: ${t}.`,
    code: 'Prüfcode',
    check: 'Prüfen unter',
    noReply: 'Automatische Nachricht: bitte nicht antworten.',
  },
  fr: {
    status: {
      'in-progress': 'prise en charge',
      answered: 'réponse du service',
      'ready-for-pickup': 'prête à être retirée',
      closed: 'terminée',
      declined: 'refusée',
    },
    subject: (c, p, s) => `Comune di ${c} - demande ${p} : ${s}`,
    documentSubject: (c, t, p) => `Comune di ${c} - ${t} (demande ${p})`,
    comune: (c) => `Commune de ${c} (Comune di ${c})`,
    request: (p, s) => `Demande ${p} : ${s}.`,
    attached: (t) => `En pièce jointe : ${t}.`,
    document: (t) => `Document : ${t}.`,
    code: 'Code de vérification',
    check: 'Vérifier sur',
    noReply: 'Message automatique : merci de ne pas répondre.',
  },
  ar: {
    status: {
      'in-progress': 'قيد المعالجة',
      answered: 'رد المكتب',
      'ready-for-pickup': 'جاهز للاستلام',
      closed: 'مكتمل',
      declined: 'مرفوض',
    },
    subject: (c, p, s) => `Comune di ${c} - الطلب ${p}: ${s}`,
    documentSubject: (c, t, p) => `Comune di ${c} - ${t} (الطلب ${p})`,
    comune: (c) => `بلدية ${c} (Comune di ${c})`,
    request: (p, s) => `الطلب ${p}: ${s}.`,
    attached: (t) => `مرفق: ${t}.`,
    document: (t) => `المستند: ${t}.`,
    code: 'رمز التحقق',
    check: 'تحقق على',
    noReply: 'رسالة تلقائية: يرجى عدم الرد.',
  },
};

export type ComposeInput = {
  to: string;
  /** The language the resident used at the kiosk (the request's locale). */
  language: Locale;
  comune: string;
  protocolNumber: string;
  status: string;
  answer: string | null;
  /** For a document by e-mail: its title (in the resident's language when the catalog has it), code, page, PDF. */
  document?: {
    title: string;
    verificationCode: string;
    verificationUrl: string;
    pdf: { name: string; content: Buffer } | null;
  };
};

export function composeMail(input: ComposeInput): MailMessage {
  const t = TEXTS[input.language] ?? TEXTS.it;
  const status = t.status[input.status] ?? input.status;
  const subject = input.document
    ? t.documentSubject(input.comune, input.document.title, input.protocolNumber)
    : t.subject(input.comune, input.protocolNumber, status);
  const lines = [t.comune(input.comune), '', t.request(input.protocolNumber, status)];
  if (input.answer) lines.push('', input.answer);
  if (input.document) {
    lines.push(
      '',
      input.document.pdf ? t.attached(input.document.title) : t.document(input.document.title),
      `${t.code}: ${input.document.verificationCode}`,
      `${t.check}: ${input.document.verificationUrl}`,
    );
  }
  lines.push('', '---', t.noReply);
  return {
    to: input.to,
    subject,
    text: lines.join('\n'),
    ...(input.document?.pdf
      ? {
          attachments: [
            { filename: input.document.pdf.name, contentType: 'application/pdf', content: input.document.pdf.content },
          ],
        }
      : {}),
  };
}
