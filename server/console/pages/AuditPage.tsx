import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { backofficeApi } from '../backoffice-api';
import type { AuditEntry, AuditFilter, AuditPage as AuditPageData } from '../backoffice-api';
import { backofficeTranslator } from '../backoffice-i18n';
import type { BackofficeKey, BackofficeTranslate } from '../backoffice-i18n';
import { useI18n } from '../context';
import { formatDateTime } from '../i18n';
import type { StringKey, Translate } from '../i18n';

/** The actions with a label; any other shows its name. */
const LABELLED = new Set<string>([
  'request.open',
  'request.status',
  'request.assign-office',
  'backoffice.take',
  'backoffice.ask',
  'backoffice.reply',
  'backoffice.complete',
  'backoffice.reject',
  'document.issue',
  'document.download',
  'document.revoke',
  'document.collected',
  'mail.sent',
]);

function actionLabel(action: string, t: BackofficeTranslate): string {
  return LABELLED.has(action) ? t(`audit_${action}` as BackofficeKey) : action;
}

function who(entry: AuditEntry, t: BackofficeTranslate, ct: Translate): string {
  if (entry.user !== null) return `${entry.user.login} (${ct(`role_${entry.user.role}` as StringKey)})`;
  if (entry.actor.startsWith('console:')) return t('actorUnknownUser', { id: entry.actor.slice('console:'.length) });
  if (entry.actor === 'mailer') return t('actorMailer');
  if (entry.actor.startsWith('kiosk:')) return t('actorKiosk', { id: entry.actor.slice('kiosk:'.length) });
  return entry.actor;
}

/** The detail's ids and codes as `key: value` pairs (the log holds nothing personal). */
function details(entry: AuditEntry): string {
  return Object.entries(entry.detail ?? {})
    .filter(([key]) => key !== 'request')
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

/**
 * The audit log of the requests, for admins: who opened a request's personal
 * data or acted on it, and when, newest first, by request and by user, a page
 * at a time.
 */
export function AuditPage({ request, onSessionLost }: { request?: string; onSessionLost: () => void }) {
  const { t: ct, language } = useI18n();
  const t = useMemo(() => backofficeTranslator(language), [language]);
  const [filter, setFilter] = useState<AuditFilter>(request === undefined ? {} : { request });
  const [draft, setDraft] = useState<AuditFilter>(request === undefined ? {} : { request });
  const [data, setData] = useState<AuditPageData | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const focusRow = useRef<string | null>(null);
  const tbody = useRef<HTMLTableSectionElement>(null);
  const ids = { request: useId(), user: useId() };

  const load = useCallback(async () => {
    const result = await backofficeApi.audit(filter);
    if (result.ok) {
      setData(result.value);
      setError(null);
    } else if (result.status === 401) onSessionLost();
    else setError(ct('genericError', { code: result.code }));
  }, [filter, onSessionLost, ct]);

  useEffect(() => {
    void load();
  }, [load]);

  async function more() {
    if (data?.next == null || loadingMore) return;
    setLoadingMore(true);
    const result = await backofficeApi.audit(filter, data.next);
    setLoadingMore(false);
    if (result.ok) {
      focusRow.current = result.value.entries[0]?.id ?? null;
      setData((shown) => ({ ...result.value, entries: [...(shown?.entries ?? []), ...result.value.entries] }));
      setError(null);
    } else if (result.status === 401) onSessionLost();
    else setError(ct('genericError', { code: result.code }));
  }

  useEffect(() => {
    const id = focusRow.current;
    if (id === null) return;
    focusRow.current = null;
    tbody.current?.querySelector<HTMLElement>(`tr[data-entry-id="${CSS.escape(id)}"] th`)?.focus();
  }, [data]);

  function submit(event: FormEvent) {
    event.preventDefault();
    setFilter({
      ...(draft.request?.trim() ? { request: draft.request.trim() } : {}),
      ...(draft.user ? { user: draft.user } : {}),
    });
  }

  const entries = data?.entries ?? null;

  return (
    <>
      <div className="page-head">
        <h1>{t('auditTitle')}</h1>
        <div className="page-tools">
          <button type="button" className="btn btn-outline-primary" onClick={() => void load()}>
            {ct('refresh')}
          </button>
        </div>
      </div>
      <p className="muted">{t('auditIntro')}</p>
      <form className="filters" onSubmit={submit} aria-label={t('filters')}>
        <div className="field">
          <label htmlFor={ids.request}>{t('auditFilterRequest')}</label>
          <input
            id={ids.request}
            type="text"
            autoComplete="off"
            spellCheck={false}
            value={draft.request ?? ''}
            onChange={(e) => setDraft((d) => ({ ...d, request: e.target.value }))}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.user}>{t('auditFilterUser')}</label>
          <select
            id={ids.user}
            value={draft.user ?? ''}
            onChange={(e) => setDraft((d) => ({ ...d, user: e.target.value }))}
          >
            <option value="">{t('any')}</option>
            {(data?.users ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.login} ({ct(`role_${u.role}` as StringKey)})
              </option>
            ))}
          </select>
        </div>
        <div className="filters-submit">
          <button type="submit" className="btn btn-primary">
            {t('apply')}
          </button>
        </div>
      </form>
      {error !== null && (
        <p role="alert" className="callout callout-danger">
          {error}
        </p>
      )}
      {entries === null ? (
        <p>{ct('loading')}</p>
      ) : entries.length === 0 ? (
        <p role="status">{t('auditNone')}</p>
      ) : (
        <div>
          <p role="status" className="muted">
            {t('auditCount', { n: entries.length })}
          </p>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('auditTitle')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('colWhen')}</th>
                  <th scope="col">{t('colWho')}</th>
                  <th scope="col">{t('colAction')}</th>
                  <th scope="col">{t('colRequest')}</th>
                  <th scope="col">{t('colDetail')}</th>
                </tr>
              </thead>
              <tbody ref={tbody}>
                {entries.map((entry) => (
                  <tr key={entry.id} data-entry-id={entry.id}>
                    <th scope="row" tabIndex={-1}>
                      <time dateTime={entry.at}>{formatDateTime(entry.at, language)}</time>
                    </th>
                    <td>{who(entry, t, ct)}</td>
                    <td>{actionLabel(entry.action, t)}</td>
                    <td>
                      <a href={`#/request/${encodeURIComponent(entry.requestId)}`}>{entry.protocolNumber}</a>
                    </td>
                    <td className="audit-detail">{details(entry)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {data?.next != null && (
            <p className="more">
              <button
                type="button"
                className="btn btn-outline-primary"
                aria-disabled={loadingMore}
                onClick={() => void more()}
              >
                {loadingMore ? ct('loading') : t('auditMore')}
              </button>
            </p>
          )}
        </div>
      )}
    </>
  );
}
