import { useLayoutEffect, useRef, useState } from 'react';
import type { ReactNode, RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { KioskDescription, Locale } from '../../kiosk-shell/api/contract';
import type { SessionEvent } from '../machines/session';
import { AccessBar } from '../access/AccessBar';
import { Button } from './Button';
import { LanguageSwitch } from './LanguageSwitch';

/**
 * Whether the element's content overflows it. A region that scrolls must be
 * reachable by keyboard and keypad (WCAG 2.1.1; axe scrollable-region-focusable);
 * one that does not would only be a useless stop in the focus order.
 */
function useOverflows(ref: RefObject<HTMLElement | null>): boolean {
  const [overflows, setOverflows] = useState(false);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setOverflows(el.scrollHeight > el.clientHeight + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    for (const child of Array.from(el.children)) observer.observe(child);
    const mutations = new MutationObserver(() => {
      for (const child of Array.from(el.children)) observer.observe(child);
      measure();
    });
    mutations.observe(el, { childList: true, subtree: true });
    return () => {
      observer.disconnect();
      mutations.disconnect();
    };
  }, [ref]);
  return overflows;
}

/**
 * The frame of every resident screen: who we are, the title, the content, and
 * a bottom bar with back, home, the access toggles (speech, display modes) and
 * the language switch, so no screen is a dead end and every screen can be
 * made readable, reachable and spoken.
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
  const main = useRef<HTMLElement>(null);
  const scrolls = useOverflows(main);
  return (
    <div className="screen">
      <header className="screen-header">
        <p className="brand">
          {t('attract.comune', { name: kiosk.comune.name })} · {kiosk.frazione}
        </p>
      </header>
      <main
        ref={main}
        className="screen-main"
        aria-labelledby="screen-title"
        {...(scrolls && { tabIndex: 0, 'data-scroll-region': '' })}
      >
        <h1 id="screen-title">{title}</h1>
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
        <AccessBar />
        <LanguageSwitch
          locales={kiosk.locales}
          current={i18n.language as Locale}
          onSelect={(locale) => send({ type: 'language.selected', locale })}
        />
      </footer>
    </div>
  );
}
