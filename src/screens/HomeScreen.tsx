import { useTranslation } from 'react-i18next';
import type { KioskDescription } from '../../kiosk-shell/api/contract';
import { Button } from '../components/Button';
import { Screen } from '../components/Screen';
import type { SessionEvent } from '../machines/session';

/** The service tiles. Only services that work end to end are shown. */
export function HomeScreen({ kiosk, send }: { kiosk: KioskDescription; send: (e: SessionEvent) => void }) {
  const { t } = useTranslation();
  return (
    <Screen kiosk={kiosk} title={t('home.title')} send={send} showHome={false}>
      <ul className="tiles" aria-label={t('home.services')}>
        <li>
          <Button variant="tile" onClick={() => send({ type: 'service.selected', service: 'info' })}>
            <span className="tile-title">{t('service.info.title')}</span>
            <span className="tile-description">{t('service.info.description')}</span>
          </Button>
        </li>
      </ul>
    </Screen>
  );
}
