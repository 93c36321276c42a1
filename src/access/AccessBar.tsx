import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '../components/Button';
import type { DisplayMode } from './display';
import { useAccess } from './useAccess';
import './access-bar.css';

const DISPLAY_LABELS: Readonly<Record<DisplayMode, 'access.largeText' | 'access.highContrast' | 'access.reach'>> = {
  largeText: 'access.largeText',
  highContrast: 'access.highContrast',
  reach: 'access.reach',
};

/**
 * The access toggles, on every screen: speech, large text, high contrast, the
 * reach layout. Each is a button that says whether it is on (`aria-pressed`);
 * its label is the text spoken for it. `speech={false}` leaves out the speech
 * toggle where the runtime that speaks cannot answer (the unreachable screen).
 */
export function AccessBar({ speech = true }: { speech?: boolean } = {}) {
  const { t } = useTranslation();
  const access = useAccess();
  if (!access) return null;
  return (
    <nav className="access-bar" aria-label={t('access.bar')}>
      {speech && (
        <Button variant="secondary" aria-pressed={access.speech} onClick={() => access.toggleSpeech()}>
          {t('access.speech')}
        </Button>
      )}
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

/**
 * The frame of a screen that is not built on Screen (out of service,
 * unreachable): the screen's own content, then a footer with the access bar
 * that stays at the bottom of the window however long the content is.
 */
export function AccessFrame({ children, speech = true }: { children: ReactNode; speech?: boolean }) {
  return (
    <div className="access-frame">
      {children}
      <footer className="screen-footer access-frame-footer">
        <AccessBar speech={speech} />
      </footer>
    </div>
  );
}
