/** Small pieces of the fleet views: state badges, paper, devices, queue, and the alerts table. */
import { useState } from 'react';
import { api } from '../api';
import type { FleetAlert, FleetKiosk } from '../api';
import { useI18n } from '../context';
import { duration, formatDateTime, formatTime } from '../i18n';
import { DataTable, RowAction } from './ui';

export function kioskLabel(k: { frazione: string | { name: string }; id: string }): string {
  const place = typeof k.frazione === 'string' ? k.frazione : k.frazione.name;
  return `${place} · ${k.id.slice(-6)}`;
}

export function OnlineBadge({ kiosk }: { kiosk: FleetKiosk }) {
  const { t, language } = useI18n();
  return (
    <span className="status">
      <span className={`badge ${kiosk.online ? 'badge-ok' : 'badge-danger'}`}>
        {kiosk.online ? t('online') : t('offline')}
      </span>{' '}
      <span className="muted">
        {kiosk.heartbeatAgeMs === null
          ? t('neverSeen')
          : t('lastSeen', { age: duration(kiosk.heartbeatAgeMs, language) })}
      </span>
    </span>
  );
}

export function PaperInfo({ kiosk }: { kiosk: FleetKiosk }) {
  const { t } = useI18n();
  const tone = kiosk.paper === 'ok' ? 'badge-ok' : kiosk.paper === 'unknown' ? 'badge-neutral' : 'badge-warning';
  return (
    <span>
      <span className={`badge ${tone}`}>{t(`paper_${kiosk.paper}`)}</span>
      {kiosk.remainingReceipts !== null && (
        <>
          {' '}
          <span className="muted">{t('receiptsLeft', { n: kiosk.remainingReceipts })}</span>
        </>
      )}
    </span>
  );
}

export function DeviceList({ kiosk }: { kiosk: FleetKiosk }) {
  const { t } = useI18n();
  if (kiosk.devices.length === 0) return <span>{t('none')}</span>;
  return (
    <ul className="plain-list">
      {kiosk.devices.map((d) => (
        <li key={d.device}>
          {t(`device_${d.device}`)}:{' '}
          <span className={d.state === 'error' || d.state === 'offline' ? 'text-danger' : undefined}>
            {t(`state_${d.state}`)}
            {d.code !== null && ` (${d.code})`}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function QueueInfo({ kiosk }: { kiosk: FleetKiosk }) {
  const { t, language } = useI18n();
  if (kiosk.queueDepth === null) return <span>{t('none')}</span>;
  if (kiosk.queueDepth === 0 || kiosk.oldestQueuedAgeMs === null) return <span>{t('queueEmpty')}</span>;
  return <span>{t('queueItems', { n: kiosk.queueDepth, age: duration(kiosk.oldestQueuedAgeMs, language) })}</span>;
}

/** Open or cleared alerts as a table; open ones get an acknowledge button. */
export function AlertsTable({
  alerts,
  caption,
  empty,
  cleared,
  onChanged,
  onSessionLost,
}: {
  alerts: FleetAlert[];
  caption: string;
  empty: string;
  cleared: boolean;
  onChanged: (message: string) => void;
  onSessionLost: () => void;
}) {
  const { t, language } = useI18n();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function acknowledge(alert: FleetAlert) {
    setBusy(alert.id);
    setError(null);
    const result = await api.acknowledge(alert.id);
    setBusy(null);
    if (result.ok) return onChanged(t('alertAcknowledged'));
    if (result.status === 401) return onSessionLost();
    setError(t('genericError', { code: result.code }));
  }

  if (alerts.length === 0) return <p>{empty}</p>;
  return (
    <>
      {error !== null && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      <DataTable
        caption={caption}
        columns={[
          t('colAlert'),
          t('colKiosk'),
          t('colSince'),
          cleared ? t('colCleared') : t('colHandling'),
          ...(cleared ? [] : [t('colAction')]),
        ]}
      >
        {alerts.map((alert) => {
          const label = t(`alert_${alert.kind}`);
          const kiosk = kioskLabel({ frazione: alert.frazione, id: alert.kioskId });
          return (
            <tr key={alert.id} data-alert-kind={alert.kind}>
              <th scope="row">{label}</th>
              <td>
                <a href={`#/kiosk/${encodeURIComponent(alert.kioskId)}`}>{kiosk}</a>
              </td>
              <td>{formatDateTime(alert.openedAt, language)}</td>
              <td>
                {alert.clearedAt !== null
                  ? t('clearedAt', { time: formatDateTime(alert.clearedAt, language) })
                  : alert.acknowledgedBy !== null && alert.acknowledgedAt !== null
                    ? t('acknowledgedBy', {
                        login: alert.acknowledgedBy,
                        time: formatTime(alert.acknowledgedAt, language),
                      })
                    : t('notAcknowledged')}
              </td>
              {!cleared && (
                <td>
                  {alert.acknowledgedAt === null && alert.clearedAt === null && (
                    <RowAction
                      className="btn btn-primary btn-sm"
                      disabled={busy === alert.id}
                      name={t('acknowledgeLabel', { alert: label, kiosk })}
                      label={t('acknowledge')}
                      onClick={() => void acknowledge(alert)}
                    />
                  )}
                </td>
              )}
            </tr>
          );
        })}
      </DataTable>
    </>
  );
}
