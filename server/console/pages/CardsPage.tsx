import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { BusyButton, DataTable, ErrorCallout, InputField, LiveStatus, RowAction } from '../components/ui';
import { useResource } from '../components/usePages';
import { useI18n } from '../context';
import { formatDateTime } from '../i18n';
import { cardsApi } from '../technician-api';
import type { Card, IssuedCard } from '../technician-api';

/** Admins issue technician cards (shown once, as a printable QR) and revoke them. */
export function CardsPage({ onSessionLost }: { onSessionLost: () => void }) {
  const { t, language } = useI18n();
  const { value: list, error, load, failed } = useResource(cardsApi.list, onSessionLost);
  const cards = list?.cards ?? null;
  const [login, setLogin] = useState('');
  const [days, setDays] = useState('365');
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [issued, setIssued] = useState<IssuedCard | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const errorId = useId();

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
    } else failed(result);
  }

  const now = Date.now();
  return (
    <>
      <h1>{t('cardsTitle')}</h1>
      <p>{t('cardsIntro')}</p>
      <ErrorCallout error={error} />
      <LiveStatus message={message} />

      <section aria-labelledby="issue-title">
        <h2 id="issue-title">{t('issueTitle')}</h2>
        <form onSubmit={(e) => void issue(e)} noValidate>
          <InputField
            label={t('cardLogin')}
            name="login"
            autoComplete="off"
            required
            value={login}
            aria-invalid={formError !== null}
            aria-describedby={formError === null ? undefined : errorId}
            onChange={(e) => setLogin(e.target.value)}
          />
          <InputField
            label={t('cardDays')}
            name="days"
            type="number"
            min={1}
            max={1825}
            value={days}
            onChange={(e) => setDays(e.target.value)}
          />
          <p id={errorId} className="form-error" role="alert">
            {formError}
          </p>
          <BusyButton
            type="submit"
            className="btn btn-primary"
            busy={busy}
            disabled={login.trim().length === 0}
            label={t('issueCard')}
            busyLabel={t('issuing')}
          />
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
          <DataTable
            caption={t('cardsListTitle')}
            columns={[t('colHolder'), t('colIssued'), t('colExpires'), t('colCardState'), t('colAction')]}
          >
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
                    <RowAction
                      className="btn btn-outline-primary"
                      name={t('revokeCard', { login: card.login })}
                      label={t('revoke')}
                      onClick={() => void revoke(card)}
                    />
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
    </>
  );
}
