import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { KioskDescription, Locale } from '../../kiosk-shell/api/contract';
import type { SessionEvent } from '../machines/session';
import { Button } from './Button';
import { LanguageSwitch } from './LanguageSwitch';

/**
 * The frame of every resident screen: who we are, the title, the content, and
 * a bottom bar with back, home and the language switch, so no screen is a dead end.
 */
export function Screen({
  kiosk,
  title,
  children,
  send,
  showHome = true,
}: {
  kiosk: KioskDescription;
  title: string;
  children: ReactNode;
  send: (event: SessionEvent) => void;
  showHome?: boolean;
}) {
  const { t, i18n } = useTranslation();
  return (
    <div className="screen">
      <header className="screen-header">
        <p className="brand">
          {t('attract.comune', { name: kiosk.comune.name })} · {kiosk.frazione}
        </p>
      </header>
      <main className="screen-main">
        <h1>{title}</h1>
        {children}
      </main>
      <footer className="screen-footer">
        <nav className="nav-bar" aria-label={t('nav.main')}>
          <Button variant="secondary" onClick={() => send({ type: 'back.requested' })}>
            <span aria-hidden="true" className="arrow-back">
              ←
            </span>{' '}
            {t('nav.back')}
          </Button>
          {showHome && (
            <Button variant="secondary" onClick={() => send({ type: 'home.requested' })}>
              {t('nav.home')}
            </Button>
          )}
        </nav>
        <LanguageSwitch
          locales={kiosk.locales}
          current={i18n.language as Locale}
          onSelect={(locale) => send({ type: 'language.selected', locale })}
        />
      </footer>
    </div>
  );
}
