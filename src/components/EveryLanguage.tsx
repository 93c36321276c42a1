import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../kiosk-shell/api/contract';
import { direction } from '../i18n';

/**
 * One notice written out in every language at once, for screens a resident
 * meets before choosing one (out of service, unreachable). The first block
 * carries the page's h1, the others h2, each with its own lang and dir.
 */
export function EveryLanguage({
  locales,
  title,
  children,
}: {
  locales: readonly Locale[];
  title: (t: TFunction) => string;
  children: (t: TFunction) => ReactNode;
}) {
  const { i18n } = useTranslation();
  return (
    <main className="screen out-of-service">
      {locales.map((locale, index) => {
        const t = i18n.getFixedT(locale);
        const Heading = index === 0 ? 'h1' : 'h2';
        return (
          <section key={locale} lang={locale} dir={direction(locale)} className="oos-block">
            <Heading>{title(t)}</Heading>
            {children(t)}
          </section>
        );
      })}
    </main>
  );
}
