import { useEffect, useState } from 'react';
import { api } from '../api';
import { AlertsTable, DeviceList, OnlineBadge, PaperInfo, QueueInfo, kioskLabel } from '../components/fleet-bits';
import { ServiceInfo } from '../components/service-bits';
import { DataTable, ErrorCallout, LiveStatus, PageHead, RefreshButton } from '../components/ui';
import { useResource } from '../components/usePages';
import { useI18n } from '../context';
import type { FleetKioskWithService } from '../technician-api';
import { formatTime } from '../i18n';

/** How often the dashboard refreshes itself. */
const REFRESH_MS = 30_000;

export function FleetPage({ onSessionLost }: { onSessionLost: () => void }) {
  const { t, language } = useI18n();
  const { value: view, error, load } = useResource(api.fleet, onSessionLost);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const open = view?.alerts.filter((a) => a.clearedAt === null) ?? [];
  const cleared = view?.alerts.filter((a) => a.clearedAt !== null) ?? [];
  const online = view?.kiosks.filter((k) => k.online).length ?? 0;

  return (
    <>
      <PageHead title={t('fleetTitle')}>
        {view !== null && (
          <span className="muted" role="status">
            {t('updatedAt', { time: formatTime(view.now, language) })}
          </span>
        )}
        <RefreshButton onRefresh={load} />
      </PageHead>
      <ErrorCallout error={error} />
      <LiveStatus message={message} />
      {view === null ? (
        <p>{t('loading')}</p>
      ) : (
        <>
          <ul className="summary" aria-label={t('fleetTitle')}>
            <li>
              <span className="summary-n">{online}</span> {t('summaryOnline')}
            </li>
            <li>
              <span className="summary-n">{view.kiosks.length - online}</span> {t('summaryOffline')}
            </li>
            <li>
              <span className="summary-n">{open.length}</span> {t('summaryAlerts')}
            </li>
          </ul>

          <section aria-labelledby="open-alerts">
            <h2 id="open-alerts">{t('openAlertsTitle')}</h2>
            <AlertsTable
              alerts={open}
              caption={t('openAlertsTitle')}
              empty={t('noOpenAlerts')}
              cleared={false}
              onSessionLost={onSessionLost}
              onChanged={(text) => {
                setMessage(text);
                void load();
              }}
            />
          </section>

          <section aria-labelledby="kiosks">
            <h2 id="kiosks">{t('kiosksTitle')}</h2>
            {view.kiosks.length === 0 ? (
              <p>{t('noKiosks')}</p>
            ) : (
              <DataTable
                caption={t('kiosksTitle')}
                columns={[
                  t('colKiosk'),
                  t('colStatus'),
                  t('colService'),
                  t('colPaper'),
                  t('colReaders'),
                  t('colQueue'),
                  t('colVersion'),
                  t('colLastError'),
                ]}
              >
                {view.kiosks.map((kiosk) => (
                  <tr key={kiosk.id} data-kiosk-id={kiosk.id}>
                    <th scope="row">
                      <a href={`#/kiosk/${encodeURIComponent(kiosk.id)}`}>{kioskLabel(kiosk)}</a>
                    </th>
                    <td>
                      <OnlineBadge kiosk={kiosk} />
                    </td>
                    <td>
                      <ServiceInfo kiosk={kiosk as FleetKioskWithService} />
                    </td>
                    <td>
                      <PaperInfo kiosk={kiosk} />
                    </td>
                    <td>
                      <DeviceList kiosk={kiosk} />
                    </td>
                    <td>
                      <QueueInfo kiosk={kiosk} />
                    </td>
                    <td>{kiosk.version ?? t('none')}</td>
                    <td>{kiosk.lastError ?? t('none')}</td>
                  </tr>
                ))}
              </DataTable>
            )}
          </section>

          <section aria-labelledby="cleared-alerts">
            <h2 id="cleared-alerts">{t('clearedAlertsTitle')}</h2>
            <AlertsTable
              alerts={cleared}
              caption={t('clearedAlertsTitle')}
              empty={t('noClearedAlerts')}
              cleared
              onSessionLost={onSessionLost}
              onChanged={() => void load()}
            />
          </section>
        </>
      )}
    </>
  );
}
