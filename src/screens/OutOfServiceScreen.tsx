import { useTranslation } from 'react-i18next';
import type { KioskDescription } from '../../kiosk-shell/api/contract';
import { direction } from '../i18n';

/** Shown instead of every service: the same message in every language, with where to go instead. */
export function OutOfServiceScreen({ kiosk }: { kiosk: KioskDescription }) {
  const { i18n } = useTranslation();
  return (
    <main className="screen out-of-service">
      {kiosk.locales.map((locale, index) => {
        const t = i18n.getFixedT(locale);
        const Heading = index === 0 ? 'h1' : 'h2';
        return (
          <section key={locale} lang={locale} dir={direction(locale)} className="oos-block">
            <Heading>{t('outOfService.title')}</Heading>
            <p>{t('outOfService.body')}</p>
            {kiosk.nearestCounter && (
              <p>
                {t('outOfService.nearest')}: {kiosk.nearestCounter.name}, {kiosk.nearestCounter.address}
              </p>
            )}
            <p>{t('outOfService.support', { phone: kiosk.supportPhone })}</p>
          </section>
        );
      })}
    </main>
  );
}
