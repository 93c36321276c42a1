import { useTranslation } from 'react-i18next';
import { Button } from '../components/Button';
import type { DisplayMode } from './display';
import { useAccess } from './useAccess';

const DISPLAY_LABELS: Readonly<Record<DisplayMode, 'access.largeText' | 'access.highContrast' | 'access.reach'>> = {
  largeText: 'access.largeText',
  highContrast: 'access.highContrast',
  reach: 'access.reach',
};

/**
 * The access toggles, on every screen of the kit: speech, large text, high
 * contrast, the reach layout. Each is a button that says whether it is on
 * (`aria-pressed`); its label is the text spoken for it.
 */
export function AccessBar() {
  const { t } = useTranslation();
  const access = useAccess();
  if (!access) return null;
  return (
    <nav className="access-bar" aria-label={t('access.bar')}>
      <Button variant="secondary" aria-pressed={access.speech} onClick={() => access.toggleSpeech()}>
        {t('access.speech')}
      </Button>
      {(Object.keys(DISPLAY_LABELS) as DisplayMode[]).map((mode) => (
        <Button
          key={mode}
          variant="secondary"
          aria-pressed={access.display[mode]}
          onClick={() => access.toggleDisplay(mode)}
        >
          {t(DISPLAY_LABELS[mode])}
        </Button>
      ))}
    </nav>
  );
}
