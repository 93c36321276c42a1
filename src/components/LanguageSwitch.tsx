import { useTranslation } from 'react-i18next';
import type { Locale } from '../../kiosk-shell/api/contract';
import { createI18n } from '../i18n';
import { Button } from './Button';

const names = createI18n();

/** Each language named in itself, so a resident finds theirs whatever is on screen now. */
export function languageName(locale: Locale): string {
  return names.getFixedT(locale)('language.name');
}

export function LanguageSwitch({
  locales,
  current,
  onSelect,
}: {
  locales: readonly Locale[];
  current: Locale;
  onSelect: (locale: Locale) => void;
}) {
  const { t } = useTranslation();
  return (
    <nav className="language-switch" aria-label={t('nav.language')}>
      {locales.map((l) => (
        <Button
          key={l}
          variant="secondary"
          lang={l}
          dir="auto"
          aria-pressed={l === current}
          onClick={() => onSelect(l)}
        >
          {languageName(l)}
        </Button>
      ))}
    </nav>
  );
}
