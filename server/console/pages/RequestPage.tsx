import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { ACTIONS, backofficeApi } from '../backoffice-api';
import type { Action, Meta, OpenedContent, RequestDetail } from '../backoffice-api';
import { backofficeTranslator } from '../backoffice-i18n';
import type { BackofficeTranslate } from '../backoffice-i18n';
import { useI18n } from '../context';
import { formatDateTime } from '../i18n';
import { StatusBadge } from './InboxPage';

/** A field of the opened content as text; '—' when absent or not text. */
function text(o: unknown, k: string): string {
  const v = (o as Record<string, unknown> | null)?.[k];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '—';
}

/** The opened sealed content as label/value rows; the pickup secret is never shown. */
function contentRows(content: Record<string, unknown>, t: BackofficeTranslate): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const get = (o: unknown, k: string): unknown => (o as Record<string, unknown> | null)?.[k];
  if (content.kind === 'certificate') {
    const applicant = content.applicant as Record<string, unknown>;
    rows.push([t('f_certificateType'), text(content, 'certificateType')]);
    rows.push([t('f_codiceFiscale'), text(applicant, 'codiceFiscale')]);
    rows.push([t('f_surname'), text(applicant, 'surname')]);
    rows.push([t('f_givenNames'), text(applicant, 'givenNames')]);
    rows.push([t('f_birthDate'), text(applicant, 'birthDate')]);
    const doc = get(applicant, 'document');
    if (doc) rows.push([t('f_document'), `${text(doc, 'kind')} ${text(doc, 'number')}`]);
    rows.push([t('f_source'), text(applicant, 'source')]);
    const subject = content.subject as Record<string, unknown>;
    rows.push([
      t('f_subject'),
      subject.relation === 'self' ? t('f_self') : `${text(subject, 'surname')} ${text(subject, 'givenNames')}`,
    ]);
    const stamp = content.stampDuty as Record<string, string>;
    rows.push([
      t('f_stampDuty'),
      stamp.kind === 'exempt'
        ? t('stamp_exempt', { reason: stamp.reason ?? '' })
        : stamp.kind === 'stamp'
          ? t('stamp_stamp', { number: stamp.number ?? '' })
          : t('stamp_notDue'),
    ]);
    const delivery = content.delivery as Record<string, string>;
    const kind = delivery.kind as 'kiosk' | 'townHall' | 'email';
    rows.push([t('f_delivery'), `${t(`delivery_${kind}`)}${delivery.address ? `: ${delivery.address}` : ''}`]);
  } else if (content.kind === 'report') {
    const place = content.place as Record<string, string>;
    rows.push([t('f_place'), place.kind === 'street' ? (place.streetName ?? '') : t('f_nearKiosk')]);
    rows.push([t('f_description'), text(content, 'description')]);
    const contact = content.contact as Record<string, string | null> | null;
    rows.push([t('f_email'), contact?.email ?? '—']);
    rows.push([t('f_phone'), contact?.phone ?? '—']);
  }
  return rows;
}

function readFile(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve((typeof reader.result === 'string' ? reader.result : '').replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}

/** One request: facts, history, the audited opening of its personal data, actions, office, document issuing. */
export function RequestPage({
  id,
  onSessionLost,
  auditLink = false,
}: {
  id: string;
  onSessionLost: () => void;
  /** Admins get a link to this request's audit log. */
  auditLink?: boolean;
}) {
  const { t: ct, language } = useI18n();
  const t = useMemo(() => backofficeTranslator(language), [language]);
  const [detail, setDetail] = useState<RequestDetail | null | 'missing'>(null);
  const [meta, setMeta] = useState<Meta | null>(null);
  const [opened, setOpened] = useState<OpenedContent | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [action, setAction] = useState<Action>('take');
  const [answer, setAnswer] = useState('');
  const [office, setOffice] = useState('');
  const [docTitle, setDocTitle] = useState('');
  const [docText, setDocText] = useState('');
  const [pdf, setPdf] = useState<File | null>(null);
  const f = {
    action: useId(),
    answer: useId(),
    office: useId(),
    title: useId(),
    text: useId(),
    pdf: useId(),
  };

  const failed = useCallback(
    (result: { status: number; code: string }) => {
      if (result.status === 401) onSessionLost();
      else setError(ct('genericError', { code: result.code }));
    },
    [ct, onSessionLost],
  );

  const load = useCallback(async () => {
    const result = await backofficeApi.detail(id);
    if (result.ok) setDetail(result.value);
    else if (result.status === 404) setDetail('missing');
    else failed(result);
  }, [id, failed]);

  useEffect(() => {
    void load();
    void backofficeApi.meta().then((result) => {
      if (result.ok) setMeta(result.value);
    });
  }, [load]);

  async function openPersonal() {
    setBusy(true);
    const result = await backofficeApi.open(id);
    setBusy(false);
    if (result.ok) setOpened(result.value);
    else failed(result);
  }

  async function submitAction(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (['ask', 'reply', 'reject'].includes(action) && answer.trim() === '') {
      setError(t('answerRequired'));
      return;
    }
    const result = await backofficeApi.act(id, action, answer);
    if (result.ok) {
      setMessage(t('actionDone', { status: t(`status_${result.value.status}`) }));
      setAnswer('');
      await load();
    } else failed(result);
  }

  async function submitOffice(event: FormEvent) {
    event.preventDefault();
    if (office === '') return;
    const result = await backofficeApi.assignOffice(id, office);
    if (result.ok) {
      setMessage(t('assigned'));
      await load();
    } else failed(result);
  }

  async function submitDocument(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (docText.trim() === '') {
      setError(t('textRequired'));
      return;
    }
    const body = {
      text: docText,
      ...(docTitle.trim() === '' ? {} : { title: docTitle }),
      ...(pdf === null ? {} : { pdf: { name: pdf.name, base64: await readFile(pdf) } }),
    };
    const result = await backofficeApi.issue(id, body);
    if (result.ok) {
      setMessage(t('issued', { code: result.value.verificationCode }));
      setDocText('');
      setDocTitle('');
      setPdf(null);
      await load();
    } else failed(result);
  }

  async function revoke(code: string) {
    const result = await backofficeApi.revoke(code);
    if (result.ok) {
      setMessage(t('revoked'));
      await load();
    } else failed(result);
  }

  if (detail === null) return <p role="status">{ct('loading')}</p>;
  if (detail === 'missing') {
    return (
      <>
        <p>
          <a href="#/inbox">{t('backToInbox')}</a>
        </p>
        <h1>{t('notFoundRequest')}</h1>
      </>
    );
  }
  const finished = detail.status === 'closed' || detail.status === 'declined';
  const officeName = (officeId: string | null) =>
    officeId === null ? ct('none') : (meta?.offices?.find((o) => o.id === officeId)?.name ?? officeId);
  const frazione = meta?.frazioni?.find((x) => x.code === detail.frazione)?.name ?? detail.frazione;

  return (
    <>
      <p>
        <a href="#/inbox">{t('backToInbox')}</a>
        {auditLink && (
          <>
            {' · '}
            <a href={`#/audit?request=${encodeURIComponent(detail.protocolNumber || detail.id)}`}>{t('viewAudit')}</a>
          </>
        )}
      </p>
      <h1>{t('requestTitle', { protocol: detail.protocolNumber })}</h1>
      <p role="status" className="visually-hidden">
        {message}
      </p>
      {message !== null && <p className="callout callout-info">{message}</p>}
      <div role="alert" className="form-error">
        {error}
      </div>
      <dl className="facts">
        <dt>{t('colType')}</dt>
        <dd>{t(`kind_${detail.kind}`)}</dd>
        <dt>{t('colService')}</dt>
        <dd>{detail.service}</dd>
        <dt>{t('colFrazione')}</dt>
        <dd>{frazione}</dd>
        <dt>{t('colStatus')}</dt>
        <dd>
          <StatusBadge status={detail.status} />
        </dd>
        <dt>{t('receivedAt')}</dt>
        <dd>{formatDateTime(detail.receivedAt, language)}</dd>
        <dt>{t('language')}</dt>
        <dd>{detail.locale}</dd>
        {detail.kind === 'report' && (
          <>
            <dt>{t('office')}</dt>
            <dd>{officeName(detail.office)}</dd>
          </>
        )}
      </dl>

      <section aria-labelledby="personal">
        <h2 id="personal">{t('personalTitle')}</h2>
        {opened === null ? (
          <>
            <p>{t('personalNote')}</p>
            <button
              type="button"
              className="btn btn-outline-primary"
              disabled={busy}
              onClick={() => void openPersonal()}
            >
              {busy ? t('opening') : t('openPersonal')}
            </button>
          </>
        ) : opened.content === null ? (
          <p>{t('unrecognized')}</p>
        ) : (
          <dl className="facts" aria-label={t('personalTitle')}>
            {contentRows(opened.content, t).map(([label, value]) => (
              <div key={label} className="fact">
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>

      <section aria-labelledby="actions">
        <h2 id="actions">{t('actionsTitle')}</h2>
        {finished ? (
          <p>{t('finished')}</p>
        ) : (
          <form onSubmit={(e) => void submitAction(e)} noValidate>
            <div className="field">
              <label htmlFor={f.action}>{t('action')}</label>
              <select id={f.action} value={action} onChange={(e) => setAction(e.target.value as Action)}>
                {ACTIONS.map((a) => (
                  <option key={a} value={a}>
                    {t(`action_${a}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={f.answer}>{t('answer')}</label>
              <textarea id={f.answer} rows={3} value={answer} onChange={(e) => setAnswer(e.target.value)} />
            </div>
            <button type="submit" className="btn btn-primary">
              {t('submitAction')}
            </button>
          </form>
        )}
      </section>

      {detail.kind === 'report' && !finished && (
        <section aria-labelledby="assign">
          <h2 id="assign">{t('assignTitle')}</h2>
          <form onSubmit={(e) => void submitOffice(e)}>
            <div className="field">
              <label htmlFor={f.office}>{t('chooseOffice')}</label>
              <select id={f.office} value={office} onChange={(e) => setOffice(e.target.value)}>
                <option value="">{ct('none')}</option>
                {(meta?.offices ?? []).map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" className="btn btn-primary">
              {t('assign')}
            </button>
          </form>
        </section>
      )}

      {detail.kind === 'certificate' && !finished && (
        <section aria-labelledby="issue">
          <h2 id="issue">{t('issueTitle')}</h2>
          <p>{t('issueIntro')}</p>
          <form onSubmit={(e) => void submitDocument(e)} noValidate>
            <div className="field">
              <label htmlFor={f.title}>{t('docTitle')}</label>
              <input id={f.title} value={docTitle} onChange={(e) => setDocTitle(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={f.text}>{t('docText')}</label>
              <textarea id={f.text} rows={8} required value={docText} onChange={(e) => setDocText(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={f.pdf}>{t('docPdf')}</label>
              <input
                id={f.pdf}
                type="file"
                accept="application/pdf"
                onChange={(e) => setPdf(e.target.files?.[0] ?? null)}
              />
            </div>
            <button type="submit" className="btn btn-primary">
              {t('issue')}
            </button>
          </form>
        </section>
      )}

      {detail.documents.length > 0 && (
        <section aria-labelledby="documents">
          <h2 id="documents">{t('documentsTitle')}</h2>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('documentsTitle')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('colCode')}</th>
                  <th scope="col">{t('colDelivery')}</th>
                  <th scope="col">{t('colIssued')}</th>
                  <th scope="col">{t('colPickup')}</th>
                  <th scope="col">{t('colValidity')}</th>
                  <th scope="col">{t('colActions')}</th>
                </tr>
              </thead>
              <tbody>
                {detail.documents.map((d) => (
                  <tr key={d.id}>
                    <th scope="row">
                      <code>{d.verificationCode}</code>
                    </th>
                    <td>{t(`delivery_${d.delivery}`)}</td>
                    <td>
                      {formatDateTime(d.issuedAt, language)} ({d.issuedBy})
                    </td>
                    <td>
                      {d.pickup === null
                        ? ct('none')
                        : d.pickup.collectedAt !== null
                          ? t('pickupCollected', { date: formatDateTime(d.pickup.collectedAt, language) })
                          : d.pickup.purgedAt !== null
                            ? t('pickupPurged', { date: formatDateTime(d.pickup.purgedAt, language) })
                            : t('pickupWaiting', { date: formatDateTime(d.pickup.expiresAt, language) })}
                    </td>
                    <td>
                      {d.revokedAt === null ? (
                        <span className="badge badge-ok">{t('valid')}</span>
                      ) : (
                        <span className="badge badge-danger">
                          {t('revokedOn', { date: formatDateTime(d.revokedAt, language) })}
                        </span>
                      )}
                    </td>
                    <td>
                      <ul className="plain-list">
                        <li>
                          <a href={`/verify/${d.verificationCode}?lang=${language}`}>{t('verifyLink')}</a>
                        </li>
                        {d.hasPdf && (
                          <li>
                            <a href={backofficeApi.pdfUrl(d.id)}>{t('downloadPdf')}</a>
                          </li>
                        )}
                        {d.revokedAt === null && (
                          <li>
                            <button
                              type="button"
                              className="btn btn-sm btn-outline-primary"
                              aria-label={t('revokeLabel', { code: d.verificationCode })}
                              onClick={() => void revoke(d.verificationCode)}
                            >
                              {t('revoke')}
                            </button>
                          </li>
                        )}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}

      <section aria-labelledby="history">
        <h2 id="history">{t('historyTitle')}</h2>
        {detail.history.length === 0 ? (
          <p>{t('noHistory')}</p>
        ) : (
          <ol className="plain-list">
            {detail.history.map((h, i) => (
              <li key={i}>
                {formatDateTime(h.at, language)} — <StatusBadge status={h.status} />
                {h.answer !== null && <> {h.answer}</>}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
