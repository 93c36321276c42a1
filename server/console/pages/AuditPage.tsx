import { useMemo, useState } from 'react';
import { backofficeApi } from '../backoffice-api';
import type { AuditEntry, AuditFilter, AuditPage as AuditPageData } from '../backoffice-api';
import { backofficeTranslator } from '../backoffice-i18n';
import type { BackofficeKey, BackofficeTranslate } from '../backoffice-i18n';
import { FilterForm, InputField, PageHead, PagedTable, RefreshButton, SelectField } from '../components/ui';
import { usePages } from '../components/usePages';
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

const entriesOf = (page: AuditPageData) => page.entries;
const entryCell = (id: string) => `tr[data-entry-id="${CSS.escape(id)}"] th`;

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
  const pages = usePages({
    fetch: backofficeApi.audit,
    items: entriesOf,
    filter,
    focusTarget: entryCell,
    onSessionLost,
  });

  function apply() {
    setFilter({
      ...(draft.request?.trim() ? { request: draft.request.trim() } : {}),
      ...(draft.user ? { user: draft.user } : {}),
    });
  }

  return (
    <>
      <PageHead title={t('auditTitle')}>
        <RefreshButton onRefresh={pages.load} />
      </PageHead>
      <p className="muted">{t('auditIntro')}</p>
      <FilterForm label={t('filters')} submitLabel={t('apply')} onApply={apply}>
        <InputField
          label={t('auditFilterRequest')}
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={draft.request ?? ''}
          onChange={(e) => setDraft((d) => ({ ...d, request: e.target.value }))}
        />
        <SelectField
          label={t('auditFilterUser')}
          value={draft.user ?? ''}
          onChange={(user) => setDraft((d) => ({ ...d, user }))}
          any={t('any')}
          options={(pages.page?.users ?? []).map((u) => ({
            value: u.id,
            label: `${u.login} (${ct(`role_${u.role}` as StringKey)})`,
          }))}
        />
      </FilterForm>
      <PagedTable
        pages={pages}
        caption={t('auditTitle')}
        columns={[t('colWhen'), t('colWho'), t('colAction'), t('colRequest'), t('colDetail')]}
        empty={t('auditNone')}
        count={(entries) => t('auditCount', { n: entries.length })}
        moreLabel={t('auditMore')}
      >
        {(entry) => (
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
        )}
      </PagedTable>
    </>
  );
}
