import { useTranslation } from 'react-i18next';
import type { Locale } from '../../kiosk-shell/api/contract';
import { direction, resources } from '../i18n';

const ALL_LOCALES = Object.keys(resources) as Locale[];

/** Before the runtime answers (or while it restarts) we do not know the kiosk's languages: show them all. */
export function UnreachableScreen() {
  const { i18n } = useTranslation();
  return (
    <main className="screen out-of-service">
      {ALL_LOCALES.map((locale, index) => {
        const t = i18n.getFixedT(locale);
        const Heading = index === 0 ? 'h1' : 'h2';
        return (
          <section key={locale} lang={locale} dir={direction(locale)} className="oos-block">
            <Heading>{t('unreachable.title')}</Heading>
            <p>{t('unreachable.body')}</p>
          </section>
        );
      })}
    </main>
  );
}
