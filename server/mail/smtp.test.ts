import { describe, expect, it } from 'vitest';
import { composeMail } from './compose';
import { MailError, mailErrorCode, smtpConfig } from './smtp';

const FROM = 'sportello@comune.example';

function refusal(settings: Parameters<typeof smtpConfig>[0]): string {
  try {
    smtpConfig(settings);
  } catch (error) {
    expect(error).toBeInstanceOf(MailError);
    return (error as MailError).code;
  }
  throw new Error('accepted');
}

describe('smtpConfig', () => {
  it('requires STARTTLS on smtp:// by default, port 587, and implicit TLS on smtps://, port 465', () => {
    expect(smtpConfig({ smtpUrl: 'smtp://mail.comune.example', from: FROM })).toMatchObject({
      host: 'mail.comune.example',
      port: 587,
      secure: false,
      startTls: 'required',
      auth: null,
    });
    expect(
      smtpConfig({ smtpUrl: 'smtps://mail.comune.example', from: FROM, user: 'sportello', password: 'p' }),
    ).toMatchObject({ port: 465, secure: true, auth: { user: 'sportello', pass: 'p' } });
    expect(smtpConfig({ smtpUrl: 'smtp://relay:25', from: FROM, startTls: 'off' })).toMatchObject({
      port: 25,
      startTls: 'off',
    });
  });

  it('refuses a password that could travel in clear, in the URL, or without its user', () => {
    expect(refusal({ smtpUrl: 'smtp://relay:25', from: FROM, startTls: 'off', user: 'u', password: 'p' })).toBe(
      'SMTP_AUTH_INSECURE',
    );
    expect(refusal({ smtpUrl: 'smtp://relay:25', from: FROM, startTls: 'optional', user: 'u', password: 'p' })).toBe(
      'SMTP_AUTH_INSECURE',
    );
    expect(refusal({ smtpUrl: 'smtp://u:secret@relay:25', from: FROM })).toBe('SMTP_URL_INVALID');
    expect(refusal({ smtpUrl: 'smtp://relay', from: FROM, password: 'p' })).toBe('SMTP_AUTH_INCOMPLETE');
    expect(refusal({ smtpUrl: 'http://relay', from: FROM })).toBe('SMTP_URL_INVALID');
    expect(refusal({ smtpUrl: 'smtp://relay', from: 'not an address' })).toBe('SMTP_FROM_INVALID');
  });

  it('never puts the password in an error message', () => {
    try {
      smtpConfig({ smtpUrl: 'smtp://u:hunter2@relay', from: FROM });
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });
});

describe('mailErrorCode', () => {
  it('names the failure without the server’s text', () => {
    expect(mailErrorCode({ code: 'EAUTH', responseCode: 535, message: 'Invalid login: 535 bad' })).toBe(
      'SMTP_AUTH_FAILED_535',
    );
    expect(mailErrorCode({ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:25' })).toBe('SMTP_UNREACHABLE');
    expect(mailErrorCode({ code: 'ESOCKET', message: 'self-signed certificate' })).toBe('SMTP_TLS_UNTRUSTED');
    expect(mailErrorCode({ code: 'EENVELOPE', responseCode: 550, message: '550 <a@b> unknown' })).toBe(
      'SMTP_REFUSED_550',
    );
    expect(mailErrorCode({ code: 'ETIMEDOUT' })).toBe('SMTP_TIMEOUT');
    expect(mailErrorCode(new Error('boom'))).toBe('SMTP_FAILED');
  });
});

describe('composeMail', () => {
  const base = { to: 'r@example.org', comune: 'Castelnuovo Magra', protocolNumber: 'C240-2026-000001' };

  it('writes the status in each kiosk language', () => {
    const expected = {
      it: 'presa in carico',
      en: 'being processed',
      de: 'in Bearbeitung',
      fr: 'prise en charge',
      ar: 'قيد المعالجة',
    } as const;
    for (const [language, text] of Object.entries(expected)) {
      const mail = composeMail({
        ...base,
        language: language as keyof typeof expected,
        status: 'in-progress',
        answer: null,
      });
      expect(mail.subject).toContain(text);
      expect(mail.text).toMatch(new RegExp(`C240-2026-000001 ?: ${text}\\.`));
    }
  });

  it('carries the answer and a document’s code and page, nothing else', () => {
    const mail = composeMail({
      ...base,
      language: 'en',
      status: 'closed',
      answer: 'Here it is.',
      document: {
        title: 'Certificate of residence',
        verificationCode: 'AAAA-BBBB-CCCC',
        verificationUrl: 'https://hub.example/verify/AAAA-BBBB-CCCC',
        pdf: { name: 'r.pdf', content: Buffer.from('%PDF-') },
      },
    });
    expect(mail.text.split('\n')).toEqual([
      'Comune di Castelnuovo Magra',
      '',
      'Request C240-2026-000001: completed.',
      '',
      'Here it is.',
      '',
      'Attached: Certificate of residence.',
      'Verification code: AAAA-BBBB-CCCC',
      'Check it at: https://hub.example/verify/AAAA-BBBB-CCCC',
      '',
      '---',
      'Automatic message: please do not reply.',
    ]);
    expect(mail.attachments).toHaveLength(1);
  });
});
