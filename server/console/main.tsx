/**
 * The hub console: sign-in, then the fleet dashboard (technicians and
 * admins). Routes are in the URL hash (#/ and #/kiosk/<id>), so the hub
 * serves one static page.
 */
import '@fontsource/titillium-web/400.css';
import '@fontsource/titillium-web/600.css';
import './console.css';
import { StrictMode, useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, setCsrfToken } from './api';
import type { SessionInfo } from './api';
import { I18nContext, useI18n as useI18nValue } from './context';
import { LANGUAGES, translator } from './i18n';
import type { Language } from './i18n';
import { backofficeTranslator } from './backoffice-i18n';
import { CardsPage } from './pages/CardsPage';
import { FleetPage } from './pages/FleetPage';
import { InboxPage } from './pages/InboxPage';
import { KioskPage } from './pages/KioskPage';
import { LoginPage } from './pages/LoginPage';
import { RequestPage } from './pages/RequestPage';
import { AuditPage } from './pages/AuditPage';

const LANGUAGE_KEY = 'sportello-console-language';

function initialLanguage(): Language {
  const stored = localStorage.getItem(LANGUAGE_KEY);
  return (LANGUAGES as readonly string[]).includes(stored ?? '') ? (stored as Language) : 'it';
}

/** `home` is the role's first page: the back office for a clerk, the fleet for the others. */
type Route =
  | { page: 'home' }
  | { page: 'fleet' }
  | { page: 'kiosk'; id: string }
  | { page: 'inbox' }
  | { page: 'request'; id: string }
  | { page: 'audit'; request?: string }
  | { page: 'cards' };

function parseRoute(hash: string): Route {
  const kiosk = /^#\/kiosk\/([^/]+)$/.exec(hash);
  if (kiosk?.[1]) return { page: 'kiosk', id: decodeURIComponent(kiosk[1]) };
  const request = /^#\/request\/([^/]+)$/.exec(hash);
  if (request?.[1]) return { page: 'request', id: decodeURIComponent(request[1]) };
  const audit = /^#\/audit(?:\?request=([^&]+))?$/.exec(hash);
  if (audit) return audit[1] ? { page: 'audit', request: decodeURIComponent(audit[1]) } : { page: 'audit' };
  if (hash === '#/inbox') return { page: 'inbox' };
  if (hash === '#/fleet') return { page: 'fleet' };
  if (hash === '#/cards') return { page: 'cards' };
  return { page: 'home' };
}

function resolveRoute(route: Route, role: SessionInfo['user']['role']): Exclude<Route, { page: 'home' }> {
  if (route.page !== 'home') return route;
  return role === 'clerk' ? { page: 'inbox' } : { page: 'fleet' };
}

function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const [session, setSession] = useState<SessionInfo | null | 'loading'>('loading');
  const [notice, setNotice] = useState<'sessionEnded' | null>(null);
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  const t = useMemo(() => translator(language), [language]);
  const bt = useMemo(() => backofficeTranslator(language), [language]);

  useEffect(() => {
    document.documentElement.lang = language;
    document.title = t('appTitle');
    localStorage.setItem(LANGUAGE_KEY, language);
  }, [language, t]);

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    void api.session().then((result) => {
      if (result.ok) setCsrfToken(result.value.csrfToken);
      setSession(result.ok ? result.value : null);
    });
  }, []);

  const signedIn = useCallback((info: SessionInfo) => {
    setCsrfToken(info.csrfToken);
    setNotice(null);
    setSession(info);
  }, []);

  /** Any 401 from a page: the session is gone. */
  const sessionLost = useCallback(() => {
    setCsrfToken(null);
    setNotice('sessionEnded');
    setSession(null);
  }, []);

  async function logout() {
    await api.logout();
    setCsrfToken(null);
    setSession(null);
  }

  const other = language === 'it' ? 'en' : 'it';

  return (
    <I18nContext.Provider value={{ t, language }}>
      <a className="skip-link" href="#content">
        {t('skipToContent')}
      </a>
      <header className="site-header">
        <div className="header-inner">
          <p className="brand">{t('appTitle')}</p>
          <div className="header-tools">
            {session !== null && session !== 'loading' && (
              <>
                <span className="whoami">
                  {t('signedInAs', { login: session.user.login, role: t(`role_${session.user.role}`) })}
                </span>
                <button type="button" className="btn btn-outline-light" onClick={() => void logout()}>
                  {t('logout')}
                </button>
              </>
            )}
            <button
              type="button"
              className="btn btn-outline-light"
              lang={other}
              aria-label={t('switchLanguageLabel')}
              onClick={() => setLanguage(other)}
            >
              {t('switchLanguage')}
            </button>
          </div>
        </div>
        {session !== null && session !== 'loading' && (
          <nav className="site-nav" aria-label={t('appTitle')}>
            {session.user.role !== 'technician' && (
              <a
                href="#/inbox"
                aria-current={
                  ['inbox', 'request'].includes(resolveRoute(route, session.user.role).page) ? 'page' : undefined
                }
              >
                {bt('navInbox')}
              </a>
            )}
            {session.user.role !== 'clerk' && (
              <a
                href="#/fleet"
                aria-current={
                  ['fleet', 'kiosk'].includes(resolveRoute(route, session.user.role).page) ? 'page' : undefined
                }
              >
                {t('navFleet')}
              </a>
            )}
            {session.user.role === 'admin' && (
              <a
                href="#/audit"
                aria-current={resolveRoute(route, session.user.role).page === 'audit' ? 'page' : undefined}
              >
                {bt('navAudit')}
              </a>
            )}
            {session.user.role === 'admin' && (
              <a
                href="#/cards"
                aria-current={resolveRoute(route, session.user.role).page === 'cards' ? 'page' : undefined}
              >
                {t('navCards')}
              </a>
            )}
          </nav>
        )}
      </header>
      <main id="content" tabIndex={-1}>
        {session === 'loading' ? (
          <p role="status">{t('loading')}</p>
        ) : session === null ? (
          <LoginPage onSignedIn={signedIn} notice={notice} />
        ) : (
          <Page route={resolveRoute(route, session.user.role)} role={session.user.role} onSessionLost={sessionLost} />
        )}
      </main>
    </I18nContext.Provider>
  );
}

function Page({
  route,
  role,
  onSessionLost,
}: {
  route: Exclude<Route, { page: 'home' }>;
  role: SessionInfo['user']['role'];
  onSessionLost: () => void;
}) {
  const { t, language } = useI18nValue();
  const fleet = route.page === 'fleet' || route.page === 'kiosk';
  if (route.page === 'audit' && role !== 'admin') {
    return (
      <section aria-labelledby="forbidden-title">
        <h1 id="forbidden-title">{t('forbiddenTitle')}</h1>
        <p>{backofficeTranslator(language)('forbiddenAudit', { role: t(`role_${role}`) })}</p>
      </section>
    );
  }
  if (route.page === 'cards' && role !== 'admin') {
    return (
      <section aria-labelledby="forbidden-title">
        <h1 id="forbidden-title">{t('forbiddenTitle')}</h1>
        <p>{t('forbiddenCards', { role: t(`role_${role}`) })}</p>
      </section>
    );
  }
  if (route.page !== 'cards' && (fleet ? role === 'clerk' : role === 'technician')) {
    return (
      <section aria-labelledby="forbidden-title">
        <h1 id="forbidden-title">{t('forbiddenTitle')}</h1>
        <p>
          {fleet
            ? t('forbiddenFleet', { role: t(`role_${role}`) })
            : backofficeTranslator(language)('forbiddenBackoffice', { role: t(`role_${role}`) })}
        </p>
      </section>
    );
  }
  switch (route.page) {
    case 'kiosk':
      return <KioskPage id={route.id} onSessionLost={onSessionLost} />;
    case 'fleet':
      return <FleetPage onSessionLost={onSessionLost} />;
    case 'inbox':
      return <InboxPage onSessionLost={onSessionLost} />;
    case 'request':
      return <RequestPage id={route.id} onSessionLost={onSessionLost} auditLink={role === 'admin'} />;
    case 'audit':
      return <AuditPage key={route.request ?? ''} request={route.request} onSessionLost={onSessionLost} />;
    case 'cards':
      return <CardsPage onSessionLost={onSessionLost} />;
  }
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
