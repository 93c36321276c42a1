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
import { I18nContext } from './context';
import { LANGUAGES, translator } from './i18n';
import type { Language } from './i18n';
import { FleetPage } from './pages/FleetPage';
import { KioskPage } from './pages/KioskPage';
import { LoginPage } from './pages/LoginPage';

const LANGUAGE_KEY = 'sportello-console-language';

function initialLanguage(): Language {
  const stored = localStorage.getItem(LANGUAGE_KEY);
  return (LANGUAGES as readonly string[]).includes(stored ?? '') ? (stored as Language) : 'it';
}

type Route = { page: 'fleet' } | { page: 'kiosk'; id: string };

function parseRoute(hash: string): Route {
  const match = /^#\/kiosk\/([^/]+)$/.exec(hash);
  return match?.[1] ? { page: 'kiosk', id: decodeURIComponent(match[1]) } : { page: 'fleet' };
}

function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const [session, setSession] = useState<SessionInfo | null | 'loading'>('loading');
  const [notice, setNotice] = useState<'sessionEnded' | null>(null);
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  const t = useMemo(() => translator(language), [language]);

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
        {session !== null && session !== 'loading' && session.user.role !== 'clerk' && (
          <nav className="site-nav" aria-label={t('navFleet')}>
            <a href="#/" aria-current={route.page === 'fleet' ? 'page' : undefined}>
              {t('navFleet')}
            </a>
          </nav>
        )}
      </header>
      <main id="content" tabIndex={-1}>
        {session === 'loading' ? (
          <p role="status">{t('loading')}</p>
        ) : session === null ? (
          <LoginPage onSignedIn={signedIn} notice={notice} />
        ) : session.user.role === 'clerk' ? (
          <section aria-labelledby="forbidden-title">
            <h1 id="forbidden-title">{t('forbiddenTitle')}</h1>
            <p>{t('forbiddenFleet', { role: t('role_clerk') })}</p>
          </section>
        ) : route.page === 'kiosk' ? (
          <KioskPage id={route.id} onSessionLost={sessionLost} />
        ) : (
          <FleetPage onSessionLost={sessionLost} />
        )}
      </main>
    </I18nContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
