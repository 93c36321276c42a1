import { useTranslation } from 'react-i18next';
import type { KioskDescription } from '../../kiosk-shell/api/contract';
import { AccessBar } from '../access/AccessBar';
import { Button } from '../components/Button';
import { Clock } from '../components/Clock';
import { LanguageSwitch } from '../components/LanguageSwitch';
import type { SessionEvent } from '../machines/session';
import { TechnicianCorner } from './technician/TechnicianCorner';

/**
 * The idle screen: who and where this counter is, the time, alerts, and a way
 * in. The access bar is here too, so a resident can make the screen readable,
 * reachable or spoken before touching anything else; a mode chosen here stays
 * on into the session (the languages start one).
 */
export function AttractScreen({ kiosk, send }: { kiosk: KioskDescription; send: (e: SessionEvent) => void }) {
  const { t, i18n } = useTranslation();
  return (
    <div className="screen attract">
      <TechnicianCorner onTrigger={() => send({ type: 'technician.requested' })} />
      <main className="screen-main attract-main">
        <p className="brand">{t('attract.comune', { name: kiosk.comune.name })}</p>
        <h1>{t('attract.kiosk', { frazione: kiosk.frazione })}</h1>
        <Clock locale={i18n.language} />
        <section className="alerts" aria-label={t('attract.alerts')} />
        <Button className="start" onClick={() => send({ type: 'screen.touched' })}>
          {t('attract.touchToStart')}
        </Button>
      </main>
      <footer className="screen-footer">
        <AccessBar />
        <LanguageSwitch
          locales={kiosk.locales}
          current={kiosk.defaultLocale}
          onSelect={(locale) => send({ type: 'language.selected', locale })}
        />
      </footer>
    </div>
  );
}
