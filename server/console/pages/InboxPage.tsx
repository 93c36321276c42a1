import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { backofficeApi, KINDS, STATUSES } from '../backoffice-api';
import type { InboxFilter, InboxItem, Meta } from '../backoffice-api';
import { backofficeTranslator } from '../backoffice-i18n';
import { useI18n } from '../context';
import { duration } from '../i18n';

const AGES = ['1', '3', '7', '30'] as const;

/**
 * The back office's inbox: every kiosk's requests, filtered by type, status,
 * frazione and age, oldest first, a page at a time ("show more" appends the
 * next page by its keyset cursor, so requests arriving meanwhile never shift
 * it); no personal data.
 */
export function InboxPage({ onSessionLost }: { onSessionLost: () => void }) {
  const { t: ct, language } = useI18n();
  const t = useMemo(() => backofficeTranslator(language), [language]);
  const [meta, setMeta] = useState<Meta | null>(null);
  const [filter, setFilter] = useState<InboxFilter>({});
  const [draft, setDraft] = useState<InboxFilter>({});
  const [items, setItems] = useState<InboxItem[] | null>(null);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** After "show more", the first new row's link takes the focus. */
  const focusRow = useRef<string | null>(null);
  const tbody = useRef<HTMLTableSectionElement>(null);
  const ids = { kind: useId(), status: useId(), frazione: useId(), age: useId(), newer: useId() };

  const load = useCallback(async () => {
    const result = await backofficeApi.inbox(filter);
    if (result.ok) {
      setItems(result.value.requests);
      setTotal(result.value.total);
      setNext(result.value.next);
      setError(null);
    } else if (result.status === 401) onSessionLost();
    else setError(ct('genericError', { code: result.code }));
  }, [filter, onSessionLost, ct]);

  async function more() {
    if (next === null || loadingMore) return;
    setLoadingMore(true);
    const result = await backofficeApi.inbox(filter, next);
    setLoadingMore(false);
    if (result.ok) {
      focusRow.current = result.value.requests[0]?.id ?? null;
      setItems((shown) => [...(shown ?? []), ...result.value.requests]);
      setTotal(result.value.total);
      setNext(result.value.next);
      setError(null);
    } else if (result.status === 401) onSessionLost();
    else setError(ct('genericError', { code: result.code }));
  }

  useEffect(() => {
    const id = focusRow.current;
    if (id === null) return;
    focusRow.current = null;
    tbody.current?.querySelector<HTMLAnchorElement>(`tr[data-request-id="${CSS.escape(id)}"] a`)?.focus();
  }, [items]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    void backofficeApi.meta().then((result) => {
      if (result.ok) setMeta(result.value);
    });
  }, []);

  const frazioneName = (code: string) => meta?.frazioni?.find((f) => f.code === code)?.name ?? code;
  const serviceName = (code: string) => {
    const title =
      meta?.services?.find((s) => s.code === code)?.title ?? meta?.certificateTypes?.find((c) => c.code === code)?.name;
    return title === undefined ? code : ((language === 'en' ? title.en : undefined) ?? title.it);
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    setFilter({ ...draft });
  }

  const select = (key: keyof InboxFilter, value: string) => setDraft((d) => ({ ...d, [key]: value }));

  return (
    <>
      <div className="page-head">
        <h1>{t('inboxTitle')}</h1>
        <div className="page-tools">
          <button type="button" className="btn btn-outline-primary" onClick={() => void load()}>
            {ct('refresh')}
          </button>
        </div>
      </div>
      <form className="filters" onSubmit={submit} aria-label={t('filters')}>
        <div className="field">
          <label htmlFor={ids.kind}>{t('filterKind')}</label>
          <select id={ids.kind} value={draft.kind ?? ''} onChange={(e) => select('kind', e.target.value)}>
            <option value="">{t('any')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind_${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.status}>{t('filterStatus')}</label>
          <select id={ids.status} value={draft.status ?? ''} onChange={(e) => select('status', e.target.value)}>
            <option value="">{t('any')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status_${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.frazione}>{t('filterFrazione')}</label>
          <select id={ids.frazione} value={draft.frazione ?? ''} onChange={(e) => select('frazione', e.target.value)}>
            <option value="">{t('any')}</option>
            {(meta?.frazioni ?? []).map((f) => (
              <option key={f.code} value={f.code}>
                {f.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.age}>{t('filterAge')}</label>
          <select
            id={ids.age}
            value={draft.olderThanDays ?? ''}
            onChange={(e) => select('olderThanDays', e.target.value)}
          >
            <option value="">{t('anyAge')}</option>
            {AGES.map((d) => (
              <option key={d} value={d}>
                {t(`days_${d}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.newer}>{t('filterNewer')}</label>
          <select
            id={ids.newer}
            value={draft.newerThanDays ?? ''}
            onChange={(e) => select('newerThanDays', e.target.value)}
          >
            <option value="">{t('anyAge')}</option>
            {AGES.map((d) => (
              <option key={d} value={d}>
                {t(`days_${d}`)}
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
      {items === null ? (
        <p>{ct('loading')}</p>
      ) : items.length === 0 ? (
        <p role="status">{t('noRequests')}</p>
      ) : (
        <div>
          <p role="status" className="muted">
            {next === null && items.length === total
              ? t('count', { n: items.length })
              : t('countPage', { shown: items.length, total })}
          </p>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('inboxTitle')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('colProtocol')}</th>
                  <th scope="col">{t('colType')}</th>
                  <th scope="col">{t('colService')}</th>
                  <th scope="col">{t('colFrazione')}</th>
                  <th scope="col">{t('colStatus')}</th>
                  <th scope="col">{t('colAge')}</th>
                </tr>
              </thead>
              <tbody ref={tbody}>
                {items.map((item) => (
                  <tr key={item.id} data-request-id={item.id}>
                    <th scope="row">
                      <a href={`#/request/${encodeURIComponent(item.id)}`}>{item.protocolNumber}</a>
                    </th>
                    <td>{t(`kind_${item.kind}`)}</td>
                    <td>{serviceName(item.service)}</td>
                    <td>{frazioneName(item.frazione)}</td>
                    <td>
                      <StatusBadge status={item.status} />
                    </td>
                    <td>{duration(item.ageMs, language)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {next !== null && (
            <p className="more">
              <button
                type="button"
                className="btn btn-outline-primary"
                aria-disabled={loadingMore}
                onClick={() => void more()}
              >
                {loadingMore ? ct('loading') : t('showMore')}
              </button>
            </p>
          )}
        </div>
      )}
    </>
  );
}

export function StatusBadge({ status }: { status: InboxItem['status'] }) {
  const { language } = useI18n();
  const t = backofficeTranslator(language);
  const tone =
    status === 'accepted'
      ? 'badge-warning'
      : status === 'declined'
        ? 'badge-danger'
        : status === 'closed'
          ? 'badge-neutral'
          : 'badge-ok';
  return <span className={`badge ${tone}`}>{t(`status_${status}`)}</span>;
}
