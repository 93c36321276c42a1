import i18next from 'i18next';
import type { i18n as I18n } from 'i18next';
import type { Locale } from '../../kiosk-shell/api/contract';
import ar from './locales/ar.json';
import de from './locales/de.json';
import en from './locales/en.json';
import fr from './locales/fr.json';
import it from './locales/it.json';
import certificateAr from './locales/certificate/ar.json';
import certificateDe from './locales/certificate/de.json';
import certificateEn from './locales/certificate/en.json';
import certificateFr from './locales/certificate/fr.json';
import certificateIt from './locales/certificate/it.json';
import flowAr from './locales/flow/ar.json';
import flowDe from './locales/flow/de.json';
import flowEn from './locales/flow/en.json';
import flowFr from './locales/flow/fr.json';
import flowIt from './locales/flow/it.json';
import identifyAr from './locales/identify/ar.json';
import identifyDe from './locales/identify/de.json';
import identifyEn from './locales/identify/en.json';
import identifyFr from './locales/identify/fr.json';
import identifyIt from './locales/identify/it.json';
import reportAr from './locales/report/ar.json';
import reportDe from './locales/report/de.json';
import reportEn from './locales/report/en.json';
import reportFr from './locales/report/fr.json';
import reportIt from './locales/report/it.json';
import statusAr from './locales/status/ar.json';
import statusDe from './locales/status/de.json';
import statusEn from './locales/status/en.json';
import statusFr from './locales/status/fr.json';
import statusIt from './locales/status/it.json';
import pickupAr from './locales/pickup/ar.json';
import pickupDe from './locales/pickup/de.json';
import pickupEn from './locales/pickup/en.json';
import pickupFr from './locales/pickup/fr.json';
import pickupIt from './locales/pickup/it.json';
import technicianAr from './locales/technician/ar.json';
import technicianDe from './locales/technician/de.json';
import technicianEn from './locales/technician/en.json';
import technicianFr from './locales/technician/fr.json';
import technicianIt from './locales/technician/it.json';
import accessAr from './locales/access/ar.json';
import accessDe from './locales/access/de.json';
import accessEn from './locales/access/en.json';
import accessFr from './locales/access/fr.json';
import accessIt from './locales/access/it.json';

/**
 * Every locale's strings, bundled: the kiosk is often offline and loads nothing
 * at run time. Each service keeps its strings in its own file under
 * `locales/<feature>/`, with its feature name as the top-level key; they are
 * merged here into one tree per language.
 */
export const resources = {
  it: {
    ...it,
    ...flowIt,
    ...identifyIt,
    ...certificateIt,
    ...reportIt,
    ...statusIt,
    ...technicianIt,
    ...pickupIt,
    ...accessIt,
  },
  en: {
    ...en,
    ...flowEn,
    ...identifyEn,
    ...certificateEn,
    ...reportEn,
    ...statusEn,
    ...technicianEn,
    ...pickupEn,
    ...accessEn,
  },
  de: {
    ...de,
    ...flowDe,
    ...identifyDe,
    ...certificateDe,
    ...reportDe,
    ...statusDe,
    ...technicianDe,
    ...pickupDe,
    ...accessDe,
  },
  fr: {
    ...fr,
    ...flowFr,
    ...identifyFr,
    ...certificateFr,
    ...reportFr,
    ...statusFr,
    ...technicianFr,
    ...pickupFr,
    ...accessFr,
  },
  ar: {
    ...ar,
    ...flowAr,
    ...identifyAr,
    ...certificateAr,
    ...reportAr,
    ...statusAr,
    ...technicianAr,
    ...pickupAr,
    ...accessAr,
  },
} as const satisfies Record<Locale, unknown>;

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
