import type { KioskDescription } from '../../kiosk-shell/api/contract';
import { EveryLanguage } from '../components/EveryLanguage';

/** Shown instead of every service: the same message in every language, with where to go instead. */
export function OutOfServiceScreen({ kiosk }: { kiosk: KioskDescription }) {
  return (
    <EveryLanguage locales={kiosk.locales} title={(t) => t('outOfService.title')}>
      {(t) => (
        <>
          <p>{t('outOfService.body')}</p>
          {kiosk.nearestCounter && (
            <p>
              {t('outOfService.nearest')}: {kiosk.nearestCounter.name}, {kiosk.nearestCounter.address}
            </p>
          )}
          <p>{t('outOfService.support', { phone: kiosk.supportPhone })}</p>
        </>
      )}
    </EveryLanguage>
  );
}
