import { useEffect, useMemo, useState } from 'react';
import { backofficeApi, KINDS, STATUSES } from '../backoffice-api';
import type { InboxFilter, InboxItem, InboxPage as InboxPageData, Meta } from '../backoffice-api';
import { backofficeTranslator } from '../backoffice-i18n';
import { FilterForm, PageHead, PagedTable, RefreshButton, SelectField } from '../components/ui';
import { usePages } from '../components/usePages';
import { useI18n } from '../context';
import { duration } from '../i18n';

const AGES = ['1', '3', '7', '30'] as const;

const requestsOf = (page: InboxPageData) => page.requests;
const requestLink = (id: string) => `tr[data-request-id="${CSS.escape(id)}"] a`;

/**
 * The back office's inbox: every kiosk's requests, filtered by type, status,
 * frazione and age, oldest first, a page at a time ("show more" appends the
 * next page by its keyset cursor, so requests arriving meanwhile never shift
 * it); no personal data.
 */
export function InboxPage({ onSessionLost }: { onSessionLost: () => void }) {
  const { language } = useI18n();
  const t = useMemo(() => backofficeTranslator(language), [language]);
  const [meta, setMeta] = useState<Meta | null>(null);
  const [filter, setFilter] = useState<InboxFilter>({});
  const [draft, setDraft] = useState<InboxFilter>({});
  const pages = usePages({
    fetch: backofficeApi.inbox,
    items: requestsOf,
    filter,
    focusTarget: requestLink,
    onSessionLost,
  });

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

  /** A filter's select: `any` first, then the options. */
  const field = (
    key: keyof InboxFilter,
    label: string,
    any: string,
    options: Array<{ value: string; label: string }>,
  ) => (
    <SelectField
      label={label}
      value={draft[key] ?? ''}
      onChange={(value) => setDraft((d) => ({ ...d, [key]: value }))}
      any={any}
      options={options}
    />
  );
  const ages = AGES.map((d) => ({ value: d, label: t(`days_${d}`) }));
  const total = pages.page?.total ?? 0;

  return (
    <>
      <PageHead title={t('inboxTitle')}>
        <RefreshButton onRefresh={pages.load} />
      </PageHead>
      <FilterForm label={t('filters')} submitLabel={t('apply')} onApply={() => setFilter({ ...draft })}>
        {field(
          'kind',
          t('filterKind'),
          t('any'),
          KINDS.map((k) => ({ value: k, label: t(`kind_${k}`) })),
        )}
        {field(
          'status',
          t('filterStatus'),
          t('any'),
          STATUSES.map((s) => ({ value: s, label: t(`status_${s}`) })),
        )}
        {field(
          'frazione',
          t('filterFrazione'),
          t('any'),
          (meta?.frazioni ?? []).map((f) => ({ value: f.code, label: f.name })),
        )}
        {field('olderThanDays', t('filterAge'), t('anyAge'), ages)}
        {field('newerThanDays', t('filterNewer'), t('anyAge'), ages)}
      </FilterForm>
      <PagedTable
        pages={pages}
        caption={t('inboxTitle')}
        columns={[t('colProtocol'), t('colType'), t('colService'), t('colFrazione'), t('colStatus'), t('colAge')]}
        empty={t('noRequests')}
        count={(items) =>
          pages.next === null && items.length === total
            ? t('count', { n: items.length })
            : t('countPage', { shown: items.length, total })
        }
        moreLabel={t('showMore')}
      >
        {(item) => (
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
        )}
      </PagedTable>
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
