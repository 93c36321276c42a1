import { useCallback, useEffect, useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useI18n } from '../context';
import { formatDateTime } from '../i18n';
import { cardsApi } from '../technician-api';
import type { Card, IssuedCard } from '../technician-api';

/** Admins issue technician cards (shown once, as a printable QR) and revoke them. */
export function CardsPage({ onSessionLost }: { onSessionLost: () => void }) {
  const { t, language } = useI18n();
  const [cards, setCards] = useState<Card[] | null>(null);
  const [login, setLogin] = useState('');
  const [days, setDays] = useState('365');
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [issued, setIssued] = useState<IssuedCard | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = { login: useId(), days: useId(), error: useId() };

  const load = useCallback(async () => {
    const result = await cardsApi.list();
    if (result.ok) {
      setCards(result.value.cards);
      setError(null);
    } else if (result.status === 401) onSessionLost();
    else setError(t('genericError', { code: result.code }));
  }, [onSessionLost, t]);

  useEffect(() => {
    void load();
  }, [load]);

  async function issue(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFormError(null);
    const result = await cardsApi.issue(login.trim(), Number(days) || 365);
    setBusy(false);
    if (result.ok) {
      setIssued(result.value.card);
      setLogin('');
      void load();
    } else if (result.status === 401) onSessionLost();
    else if (result.code === 'NOT_FOUND') setFormError(t('cardUserUnknown'));
    else if (result.status === 400 && login.trim().length >= 3) setFormError(t('cardNotForRole'));
    else setFormError(t('genericError', { code: result.code }));
  }

  async function revoke(card: Card) {
    const result = await cardsApi.revoke(card.id);
    if (result.ok) {
      setMessage(t('cardRevokedNotice', { login: card.login }));
      void load();
    } else if (result.status === 401) onSessionLost();
    else setError(t('genericError', { code: result.code }));
  }

  const now = Date.now();
  return (
    <>
      <h1>{t('cardsTitle')}</h1>
      <p>{t('cardsIntro')}</p>
      {error !== null && (
        <p role="alert" className="callout callout-danger">
          {error}
        </p>
      )}
      <p role="status" className="visually-hidden">
        {message}
      </p>

      <section aria-labelledby="issue-title">
        <h2 id="issue-title">{t('issueTitle')}</h2>
        <form onSubmit={(e) => void issue(e)} noValidate>
          <div className="field">
            <label htmlFor={ids.login}>{t('cardLogin')}</label>
            <input
              id={ids.login}
              name="login"
              autoComplete="off"
              required
              value={login}
              aria-invalid={formError !== null}
              aria-describedby={formError === null ? undefined : ids.error}
              onChange={(e) => setLogin(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.days}>{t('cardDays')}</label>
            <input
              id={ids.days}
              name="days"
              type="number"
              min={1}
              max={1825}
              value={days}
              onChange={(e) => setDays(e.target.value)}
            />
          </div>
          <p id={ids.error} className="form-error" role="alert">
            {formError}
          </p>
          <button type="submit" className="btn btn-primary" disabled={busy || login.trim().length === 0}>
            {busy ? t('issuing') : t('issueCard')}
          </button>
        </form>
      </section>

      {issued !== null && (
        <section aria-labelledby="issued-title" className="callout callout-info issued-card">
          <h2 id="issued-title">{t('issuedTitle')}</h2>
          <p>{t('issuedNote')}</p>
          <img
            className="card-qr"
            width={240}
            height={240}
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(issued.qrSvg)}`}
            alt={t('cardQr', { login: issued.login, date: formatDateTime(issued.expiresAt, language) })}
          />
          <p>
            <strong>{t('colHolder')}:</strong> {issued.login} · <strong>{t('colExpires')}:</strong>{' '}
            {formatDateTime(issued.expiresAt, language)}
          </p>
          <details>
            <summary>{t('cardText')}</summary>
            <code className="card-text" style={{ wordBreak: 'break-all' }}>
              {issued.text}
            </code>
          </details>
          <button type="button" className="btn btn-outline-primary" onClick={() => print()}>
            {t('printCard')}
          </button>
        </section>
      )}

      <section aria-labelledby="cards-list">
        <h2 id="cards-list">{t('cardsListTitle')}</h2>
        {cards === null ? (
          <p role="status">{t('loading')}</p>
        ) : cards.length === 0 ? (
          <p>{t('noCards')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('cardsListTitle')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('colHolder')}</th>
                  <th scope="col">{t('colIssued')}</th>
                  <th scope="col">{t('colExpires')}</th>
                  <th scope="col">{t('colCardState')}</th>
                  <th scope="col">{t('colAction')}</th>
                </tr>
              </thead>
              <tbody>
                {cards.map((card) => (
                  <tr key={card.id} data-card-id={card.id}>
                    <th scope="row">
                      {card.login} <code className="muted">{card.id.slice(-12)}</code>
                    </th>
                    <td>{formatDateTime(card.issuedAt, language)}</td>
                    <td>{formatDateTime(card.expiresAt, language)}</td>
                    <td>
                      {card.revokedAt !== null
                        ? t('cardRevoked', { date: formatDateTime(card.revokedAt, language) })
                        : Date.parse(card.expiresAt) <= now
                          ? t('cardExpired')
                          : t('cardActive')}
                    </td>
                    <td>
                      {card.revokedAt === null && (
                        <button
                          type="button"
                          className="btn btn-outline-primary"
                          aria-label={t('revokeCard', { login: card.login })}
                          onClick={() => void revoke(card)}
                        >
                          {t('revoke')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
