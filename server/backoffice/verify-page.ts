/**
 * The public verification page: anyone holding a printed document types (or
 * scans) its verification code and sees what the comune issued: type, date,
 * issuer, and whether it is valid or revoked. Nothing about the person it was
 * issued to. Italian and English (`?lang=`, else Accept-Language), plain
 * server-rendered HTML with no script, rate-limited per client address.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { takeRateLimit } from '../db/guard';
import type { RateLimit } from '../db/guard';
import type { HubDb } from '../db/open';
import { verificationByCode } from '../db/verification';
import type { VerificationRecord } from '../db/verification';
import { normalizeVerificationCode } from './verification-code';

export type VerifyLanguage = 'it' | 'en';
/** Modest: a person checks a few documents; a scraper guessing 60-bit codes gets nowhere at this pace. */
export const DEFAULT_VERIFY_RATE_LIMIT: RateLimit = { max: 30, windowMs: 60_000 };

const STRINGS = {
  it: {
    title: 'Verifica di un documento',
    intro: 'Inserisci il codice di verifica stampato sul documento per controllare che sia stato emesso dal comune.',
    codeLabel: 'Codice di verifica',
    codeHint: 'Dodici caratteri, ad esempio 7KQ2-M9XD-4HZA.',
    submit: 'Verifica',
    valid: 'Documento valido',
    revoked: 'Documento revocato',
    revokedNote: 'Il comune ha revocato questo documento il {{date}}: non è più valido.',
    notFound: 'Nessun documento corrisponde al codice {{code}}. Controlla di averlo scritto correttamente.',
    malformed: 'Il codice inserito non ha la forma di un codice di verifica (dodici caratteri).',
    type: 'Tipo di documento',
    issuedAt: 'Data di emissione',
    issuer: 'Emesso da',
    code: 'Codice',
    another: 'Verifica un altro documento',
    privacy: 'Questa pagina non mostra dati personali: confronta il documento con quanto riportato qui.',
    tooMany: 'Troppe verifiche da questo indirizzo. Riprova tra un minuto.',
    other: 'English',
    otherLabel: 'Read this page in English',
  },
  en: {
    title: 'Check a document',
    intro: 'Enter the verification code printed on the document to check that the comune issued it.',
    codeLabel: 'Verification code',
    codeHint: 'Twelve characters, for example 7KQ2-M9XD-4HZA.',
    submit: 'Check',
    valid: 'Valid document',
    revoked: 'Revoked document',
    revokedNote: 'The comune revoked this document on {{date}}: it is no longer valid.',
    notFound: 'No document matches the code {{code}}. Check that you typed it correctly.',
    malformed: 'What you entered is not shaped like a verification code (twelve characters).',
    type: 'Document type',
    issuedAt: 'Date of issue',
    issuer: 'Issued by',
    code: 'Code',
    another: 'Check another document',
    privacy: 'This page shows no personal data: compare the document with what is shown here.',
    tooMany: 'Too many checks from this address. Try again in a minute.',
    other: 'Italiano',
    otherLabel: 'Leggi questa pagina in italiano',
  },
} as const;

type Strings = (typeof STRINGS)[VerifyLanguage];

/** The page's language: `?lang=` first, then the first of it/en in Accept-Language, else Italian. */
export function pickLanguage(query: unknown, acceptLanguage: string | undefined): VerifyLanguage {
  const lang = (query as { lang?: unknown } | null)?.lang;
  if (lang === 'it' || lang === 'en') return lang;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().toLowerCase() ?? '';
    if (tag.startsWith('it')) return 'it';
    if (tag.startsWith('en')) return 'en';
  }
  return 'it';
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => escapeHtml(values[name] ?? ''));

function formatDate(iso: string, language: VerifyLanguage): string {
  return new Intl.DateTimeFormat(language === 'it' ? 'it-IT' : 'en-GB', {
    timeZone: 'Europe/Rome',
    dateStyle: 'long',
  }).format(new Date(iso));
}

const STYLE = `
body{margin:0;font-family:'Titillium Web',system-ui,sans-serif;color:#1a1a1a;background:#fff;line-height:1.5}
header{background:#0066cc;color:#fff;padding:.75rem 1.5rem;display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
header p{margin:0;font-size:1.25rem;font-weight:600}
header a{color:#fff;font-weight:600}
main{max-width:44rem;margin:0 auto;padding:1.5rem}
h1{font-size:2rem;margin:.5rem 0 1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
input{font:inherit;font-size:1.25rem;padding:.5rem;border:2px solid #4d5a66;border-radius:4px;width:100%;max-width:20rem;text-transform:uppercase}
button{font:inherit;font-weight:600;margin-top:.75rem;padding:.5rem 1.25rem;background:#0066cc;color:#fff;border:0;border-radius:4px;cursor:pointer}
:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
header :focus-visible{outline-color:#fff}
.hint{color:#4d5a66;margin:.25rem 0 0}
.result{border-left:6px solid;padding:.75rem 1rem;margin:1rem 0}
.valid{border-color:#00573a;background:#e1f5ec}
.revoked,.error{border-color:#a3162b;background:#fbe4e7}
.result h2{margin:0 0 .5rem;font-size:1.5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dt{font-weight:600}dd{margin:0}
a{color:#0066cc}
`;

function page(language: VerifyLanguage, s: Strings, otherHref: string, body: string): string {
  const other: VerifyLanguage = language === 'it' ? 'en' : 'it';
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${escapeHtml(s.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><p>Sportello</p><a href="${escapeHtml(otherHref)}" lang="${other}" hreflang="${other}" aria-label="${escapeHtml(s.otherLabel)}">${escapeHtml(s.other)}</a></header>
<main>
${body}
</main>
</body>
</html>
`;
}

function form(language: VerifyLanguage, s: Strings, value: string): string {
  return `<form method="get" action="/verify">
<input type="hidden" name="lang" value="${language}">
<label for="code">${escapeHtml(s.codeLabel)}</label>
<input id="code" name="code" autocomplete="off" spellcheck="false" aria-describedby="code-hint" value="${escapeHtml(value)}" maxlength="32">
<p id="code-hint" class="hint">${escapeHtml(s.codeHint)}</p>
<button type="submit">${escapeHtml(s.submit)}</button>
</form>`;
}

export type VerifyView =
  | { kind: 'form'; error?: 'malformed' | 'tooMany'; typed?: string }
  | { kind: 'record'; record: VerificationRecord }
  | { kind: 'notFound'; code: string };

/** The whole HTML page for a view. Pure: the route decides the view. */
export function renderVerifyPage(view: VerifyView, language: VerifyLanguage, path: string): string {
  const s = STRINGS[language];
  const otherHref = `${path}?lang=${language === 'it' ? 'en' : 'it'}`;
  const heading = `<h1>${escapeHtml(s.title)}</h1>`;
  switch (view.kind) {
    case 'form': {
      const error =
        view.error === undefined
          ? ''
          : `<div class="result error" role="alert"><p>${escapeHtml(view.error === 'malformed' ? s.malformed : s.tooMany)}</p></div>`;
      return page(
        language,
        s,
        otherHref,
        `${heading}<p>${escapeHtml(s.intro)}</p>${error}${form(language, s, view.typed ?? '')}`,
      );
    }
    case 'notFound':
      return page(
        language,
        s,
        otherHref,
        `${heading}<div class="result error" role="alert"><p>${fill(s.notFound, { code: view.code })}</p></div>
<p><a href="/verify?lang=${language}">${escapeHtml(s.another)}</a></p>`,
      );
    case 'record': {
      const { record } = view;
      const revoked = record.revokedAt !== null;
      const title = (language === 'en' ? record.title.en : undefined) ?? record.title.it;
      return page(
        language,
        s,
        otherHref,
        `${heading}<section class="result ${revoked ? 'revoked' : 'valid'}" aria-labelledby="outcome">
<h2 id="outcome">${escapeHtml(revoked ? s.revoked : s.valid)}</h2>
${revoked ? `<p>${fill(s.revokedNote, { date: formatDate(record.revokedAt!, language) })}</p>` : ''}
<dl>
<dt>${escapeHtml(s.type)}</dt><dd>${escapeHtml(title)}</dd>
<dt>${escapeHtml(s.issuedAt)}</dt><dd>${escapeHtml(formatDate(record.issuedAt, language))}</dd>
<dt>${escapeHtml(s.issuer)}</dt><dd>${escapeHtml(record.issuer)}</dd>
<dt>${escapeHtml(s.code)}</dt><dd>${escapeHtml(record.code)}</dd>
</dl>
</section>
<p>${escapeHtml(s.privacy)}</p>
<p><a href="/verify?lang=${language}">${escapeHtml(s.another)}</a></p>`,
      );
    }
  }
}

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Registers GET /verify and GET /verify/:code on the hub's root app. */
export function registerVerifyRoutes(
  app: FastifyInstance,
  options: { hubDb: HubDb; now: () => number; rateLimit?: RateLimit },
): void {
  const { hubDb, now } = options;
  const limit = options.rateLimit ?? DEFAULT_VERIFY_RATE_LIMIT;

  function html(reply: FastifyReply, status: number, body: string): FastifyReply {
    return reply
      .code(status)
      .headers({
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      })
      .send(body);
  }

  async function limited(request: FastifyRequest, reply: FastifyReply, language: VerifyLanguage, path: string) {
    const taken = await hubDb.write((db) => takeRateLimit(db, `verify:${request.ip}`, limit, now()));
    if (taken.ok) return false;
    reply.header('retry-after', String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))));
    html(reply, 429, renderVerifyPage({ kind: 'form', error: 'tooMany' }, language, path));
    return true;
  }

  app.get('/verify', async (request, reply) => {
    const language = pickLanguage(request.query, request.headers['accept-language']);
    const typed = (request.query as { code?: unknown }).code;
    if (typeof typed !== 'string' || typed.trim() === '') {
      return html(reply, 200, renderVerifyPage({ kind: 'form' }, language, '/verify'));
    }
    const code = normalizeVerificationCode(typed);
    if (code === null) {
      return html(
        reply,
        400,
        renderVerifyPage({ kind: 'form', error: 'malformed', typed: typed.slice(0, 32) }, language, '/verify'),
      );
    }
    return reply.redirect(`/verify/${code}?lang=${language}`, 303);
  });

  app.get('/verify/:code', async (request, reply) => {
    const language = pickLanguage(request.query, request.headers['accept-language']);
    const param = (request.params as { code?: unknown }).code;
    const raw = (typeof param === 'string' ? param : '').slice(0, 64);
    const path = `/verify/${encodeURIComponent(raw)}`;
    if (await limited(request, reply, language, path)) return reply;
    const code = normalizeVerificationCode(raw);
    if (code === null) {
      return html(reply, 404, renderVerifyPage({ kind: 'notFound', code: raw }, language, path));
    }
    const record = await verificationByCode(hubDb.db, code);
    if (record === undefined) return html(reply, 404, renderVerifyPage({ kind: 'notFound', code }, language, path));
    return html(reply, 200, renderVerifyPage({ kind: 'record', record }, language, path));
  });
}
