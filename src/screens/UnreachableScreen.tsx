import type { Locale } from '../../kiosk-shell/api/contract';
import { EveryLanguage } from '../components/EveryLanguage';
import { resources } from '../i18n';

const ALL_LOCALES = Object.keys(resources) as Locale[];

/** Before the runtime answers (or while it restarts) we do not know the kiosk's languages: show them all. */
export function UnreachableScreen() {
  return (
    <EveryLanguage locales={ALL_LOCALES} title={(t) => t('unreachable.title')}>
      {(t) => <p>{t('unreachable.body')}</p>}
    </EveryLanguage>
  );
}
