import i18next from 'i18next';
import type { i18n as I18n } from 'i18next';
import type { Locale } from '../../kiosk-shell/api/contract';
import ar from './locales/ar.json';
import de from './locales/de.json';
import en from './locales/en.json';
import fr from './locales/fr.json';
import it from './locales/it.json';

/** Every locale's strings, bundled: the kiosk is often offline and loads nothing at run time. */
export const resources = { it, en, de, fr, ar } as const satisfies Record<Locale, unknown>;

export const RTL_LOCALES: ReadonlySet<Locale> = new Set(['ar']);

export function direction(locale: Locale): 'rtl' | 'ltr' {
  return RTL_LOCALES.has(locale) ? 'rtl' : 'ltr';
}

/** A fresh i18next instance with Italian as the default and the fallback. */
export function createI18n(locale: Locale = 'it'): I18n {
  const instance = i18next.createInstance();
  void instance.init({
    resources: Object.fromEntries(Object.entries(resources).map(([lng, translation]) => [lng, { translation }])),
    lng: locale,
    fallbackLng: false,
    initAsync: false,
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
    saveMissing: false,
  });
  return instance;
}
