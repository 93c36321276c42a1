import type { Locale } from '../../kiosk-shell/api/contract';
import { AccessFrame } from '../access/AccessBar';
import { EveryLanguage } from '../components/EveryLanguage';
import { resources } from '../i18n';

const ALL_LOCALES = Object.keys(resources) as Locale[];

/**
 * Before the runtime answers (or while it restarts) we do not know the kiosk's
 * languages: show them all. The display modes work here; speech does not (the
 * runtime speaks), so its toggle is left out rather than offered in vain.
 */
export function UnreachableScreen() {
  return (
    <AccessFrame speech={false}>
      <EveryLanguage locales={ALL_LOCALES} title={(t) => t('unreachable.title')}>
        {(t) => <p>{t('unreachable.body')}</p>}
      </EveryLanguage>
    </AccessFrame>
  );
}
