import { useCallback, useId, useState } from 'react';
import { api } from '../api';
import { AlertsTable, DeviceList, OnlineBadge, PaperInfo, QueueInfo } from '../components/fleet-bits';
import { LineChart } from '../components/LineChart';
import { ServiceInfo, actorLabel, detailText } from '../components/service-bits';
import { DataTable, ErrorCallout, PageHead, RefreshButton } from '../components/ui';
import { useResource } from '../components/usePages';
import { useI18n } from '../context';
import type { KioskViewWithActions } from '../technician-api';
import { duration, formatDateTime } from '../i18n';

const WINDOWS = [6, 24, 168] as const;

export function KioskPage({ id, onSessionLost }: { id: string; onSessionLost: () => void }) {
  const { t, language } = useI18n();
  const [hours, setHours] = useState<(typeof WINDOWS)[number]>(24);
  const windowId = useId();
  const fetchKiosk = useCallback(() => api.kiosk(id, hours), [id, hours]);
  const { value: view, error, load } = useResource<KioskViewWithActions>(fetchKiosk, onSessionLost, t('notFound'));

  const to = view === null ? 0 : Date.parse(view.now);
  const from = to - hours * 3_600_000;
  const kiosk = view?.kiosk;

  return (
    <>
      <p>
        <a href="#/">{t('backToFleet')}</a>
      </p>
      {error !== null && (
        <>
          <h1>{t('notFound')}</h1>
          <ErrorCallout error={error} />
        </>
      )}
      {kiosk === undefined ? (
        error === null && <p role="status">{t('loading')}</p>
      ) : (
        <>
          <PageHead title={t('kioskTitle', { frazione: kiosk.frazione.name })}>
            <label htmlFor={windowId}>{t('window')}</label>
            <select
              id={windowId}
              value={hours}
              onChange={(e) => setHours(Number(e.target.value) as (typeof WINDOWS)[number])}
            >
              {WINDOWS.map((w) => (
                <option key={w} value={w}>
                  {t(`window_${w}`)}
                </option>
              ))}
            </select>
            <RefreshButton onRefresh={load} />
          </PageHead>
          <dl className="facts">
            <dt>{t('colStatus')}</dt>
            <dd>
              <OnlineBadge kiosk={kiosk} />
            </dd>
            <dt>{t('colService')}</dt>
            <dd>
              <ServiceInfo kiosk={kiosk} />
            </dd>
            <dt>{t('colPaper')}</dt>
            <dd>
              <PaperInfo kiosk={kiosk} />
            </dd>
            <dt>{t('colReaders')}</dt>
            <dd>
              <DeviceList kiosk={kiosk} />
            </dd>
            <dt>{t('colQueue')}</dt>
            <dd>
              <QueueInfo kiosk={kiosk} />
            </dd>
            <dt>{t('colVersion')}</dt>
            <dd>{kiosk.version ?? t('none')}</dd>
            <dt>{t('uptime')}</dt>
            <dd>{kiosk.uptimeS === null ? t('none') : duration(kiosk.uptimeS * 1000, language)}</dd>
            <dt>{t('colLastError')}</dt>
            <dd>{kiosk.lastError ?? t('none')}</dd>
            <dt>{t('kioskId')}</dt>
            <dd>
              <code>{kiosk.id}</code>
            </dd>
            <dt>{t('enrolledAt')}</dt>
            <dd>{formatDateTime(kiosk.enrolledAt, language)}</dd>
          </dl>
          <section aria-labelledby="charts" className="charts">
            <h2 id="charts" className="visually-hidden">
              {t('window')}
            </h2>
            <LineChart
              title={t('chartQueue')}
              from={from}
              to={to}
              points={view!.samples.map((s) => ({ at: s.at, value: s.queueDepth }))}
            />
            <LineChart
              title={t('chartPaper')}
              from={from}
              to={to}
              points={view!.samples.map((s) => ({ at: s.at, value: s.remainingReceipts }))}
            />
            <LineChart
              title={t('chartUptime')}
              from={from}
              to={to}
              points={view!.samples.map((s) => ({ at: s.at, value: s.uptimeS / 3600 }))}
            />
          </section>
          <section aria-labelledby="kiosk-alerts">
            <h2 id="kiosk-alerts">{t('kioskAlertsTitle')}</h2>
            <AlertsTable
              alerts={view!.alerts}
              caption={t('kioskAlertsTitle')}
              empty={t('noOpenAlerts')}
              cleared={false}
              onSessionLost={onSessionLost}
              onChanged={() => void load()}
            />
          </section>
          <section aria-labelledby="tech-actions">
            <h2 id="tech-actions">{t('techActionsTitle')}</h2>
            {(view!.technicianActions ?? []).length === 0 ? (
              <p>{t('noTechActions')}</p>
            ) : (
              <DataTable
                caption={t('techActionsTitle')}
                columns={[t('colWhen'), t('colWho'), t('colAction'), t('colDetail')]}
              >
                {view!.technicianActions!.map((a) => (
                  <tr key={a.id}>
                    <td>{formatDateTime(a.at, language)}</td>
                    <td>{actorLabel(a, t)}</td>
                    <td>
                      <code>{a.action}</code>
                    </td>
                    <td>{detailText(a.detail)}</td>
                  </tr>
                ))}
              </DataTable>
            )}
          </section>
        </>
      )}
    </>
  );
}
