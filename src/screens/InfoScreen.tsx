import { useSelector } from '@xstate/react';
import { useTranslation } from 'react-i18next';
import type { ActorRefFrom } from 'xstate';
import type { KioskDescription, Office, OpeningHours } from '../../kiosk-shell/api/contract';
import { Button } from '../components/Button';
import { Screen } from '../components/Screen';
import type { InfoMachine } from '../machines/info';
import type { SessionEvent } from '../machines/session';

// 2024-01-01 was a Monday: ISO weekday d is 2024-01-0d.
const weekdayName = (locale: string, day: number) =>
  new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, day)));

function isAlwaysOpen(hours: readonly OpeningHours[]): boolean {
  return [1, 2, 3, 4, 5, 6, 7].every((d) =>
    hours.some((h) => h.day === d && h.opens === '00:00' && h.closes === '23:59'),
  );
}

function Hours({ hours }: { hours: readonly OpeningHours[] }) {
  const { t, i18n } = useTranslation();
  if (isAlwaysOpen(hours)) return <p>{t('info.open24')}</p>;
  return (
    <dl className="hours">
      {[1, 2, 3, 4, 5, 6, 7].map((day) => {
        const slots = hours.filter((h) => h.day === day);
        return (
          <div key={day} className="hours-row">
            <dt>{weekdayName(i18n.language, day)}</dt>
            <dd dir="ltr">
              {slots.length === 0 ? t('info.closed') : slots.map((s) => `${s.opens}–${s.closes}`).join(', ')}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function OfficeCard({ office, nearest }: { office: Office; nearest: boolean }) {
  const { t, i18n } = useTranslation();
  const km = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 }).format(office.distanceM / 1000);
  return (
    <article className={nearest ? 'card card-nearest' : 'card'} aria-labelledby={`office-${office.id}`}>
      {nearest && <p className="badge">{t('info.nearest')}</p>}
      <h3 id={`office-${office.id}`}>{office.name}</h3>
      <p>
        {office.staffed ? t('info.staffed') : t('info.selfService')} · {t('info.distance', { km })}
      </p>
      <p>{office.address}</p>
      <p>
        {t('info.phone')}: <span dir="ltr">{office.phone}</span>
      </p>
      <p>
        {t('info.email')}: <span dir="ltr">{office.email}</span>
      </p>
      <h4>{t('info.hours')}</h4>
      <Hours hours={office.hours} />
    </article>
  );
}

/** Informazioni: office hours, contacts and the nearest staffed counter, from the kiosk's store. */
export function InfoScreen({
  kiosk,
  infoRef,
  send,
}: {
  kiosk: KioskDescription;
  infoRef: ActorRefFrom<InfoMachine>;
  send: (e: SessionEvent) => void;
}) {
  const { t } = useTranslation();
  const state = useSelector(infoRef, (s) => s);
  const info = state.context.info;
  return (
    <Screen kiosk={kiosk} title={t('service.info.title')} send={send}>
      {state.matches('loading') && (
        <p role="status" className="status">
          {t('info.loading')}
        </p>
      )}
      {state.matches('failed') && (
        <div role="alert" className="status">
          <p>{t('info.failed')}</p>
          <Button onClick={() => infoRef.send({ type: 'retry.requested' })}>{t('info.retry')}</Button>
        </div>
      )}
      {state.matches('ready') && info && (
        <>
          {info.exampleData && (
            <p className="notice" role="note">
              {t('info.exampleData')}
            </p>
          )}
          <section aria-labelledby="offices-title">
            <h2 id="offices-title">{t('info.offices')}</h2>
            {info.offices.map((o) => (
              <OfficeCard key={o.id} office={o} nearest={o.id === info.nearestStaffedId} />
            ))}
          </section>
          <section aria-labelledby="contacts-title">
            <h2 id="contacts-title">{t('info.contacts')}</h2>
            <dl className="contacts">
              {info.contacts.map((c) => (
                <div key={c.topic} className="contact-row">
                  <dt>{t(`info.contact.${c.topic}`)}</dt>
                  <dd dir="ltr">
                    {c.phone} · {c.email}
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        </>
      )}
    </Screen>
  );
}
