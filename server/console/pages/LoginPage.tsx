import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { SessionInfo } from '../api';
import { InputField } from '../components/ui';
import { useI18n } from '../context';

export function LoginPage({
  onSignedIn,
  notice,
}: {
  onSignedIn: (info: SessionInfo) => void;
  notice: 'sessionEnded' | null;
}) {
  const { t } = useI18n();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await api.login(login, password);
    setBusy(false);
    if (result.ok) {
      setPassword('');
      onSignedIn(result.value);
      return;
    }
    setError(
      result.code === 'LOGIN_FAILED'
        ? t('loginFailed')
        : result.code === 'LOGIN_THROTTLED'
          ? t('loginThrottled')
          : t('genericError', { code: result.code }),
    );
  }

  return (
    <section className="login" aria-labelledby="login-title">
      <h1 id="login-title">{t('loginTitle')}</h1>
      <p>{t('loginIntro')}</p>
      {notice === 'sessionEnded' && error === null && (
        <p className="callout callout-info" role="status">
          {t('sessionEnded')}
        </p>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <InputField
          label={t('loginName')}
          name="username"
          autoComplete="username"
          required
          value={login}
          onChange={(e) => setLogin(e.target.value)}
        />
        <InputField
          label={t('password')}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <div role="alert" className="form-error">
          {error}
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
      </form>
    </section>
  );
}
