import { useCallback, useEffect, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { ACTIONS, backofficeApi } from '../backoffice-api';
import type { Action, Meta, OpenedContent, RequestDetail } from '../backoffice-api';
import { backofficeTranslator } from '../backoffice-i18n';
import type { BackofficeTranslate } from '../backoffice-i18n';
import { BusyButton, DataTable, Field, InputField, LiveStatus, RowAction, SelectField } from '../components/ui';
import { useFailure } from '../components/usePages';
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
  const failed = useFailure(onSessionLost, setError);

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
      <LiveStatus message={message} />
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
            <BusyButton
              className="btn btn-outline-primary"
              busy={busy}
              label={t('openPersonal')}
              busyLabel={t('opening')}
              onClick={() => void openPersonal()}
            />
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
            <SelectField
              label={t('action')}
              value={action}
              onChange={(value) => setAction(value as Action)}
              options={ACTIONS.map((a) => ({ value: a, label: t(`action_${a}`) }))}
            />
            <Field label={t('answer')}>
              {(id) => <textarea id={id} rows={3} value={answer} onChange={(e) => setAnswer(e.target.value)} />}
            </Field>
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
            <SelectField
              label={t('chooseOffice')}
              value={office}
              onChange={setOffice}
              any={ct('none')}
              options={(meta?.offices ?? []).map((o) => ({ value: o.id, label: o.name }))}
            />
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
            <InputField label={t('docTitle')} value={docTitle} onChange={(e) => setDocTitle(e.target.value)} />
            <Field label={t('docText')}>
              {(id) => (
                <textarea id={id} rows={8} required value={docText} onChange={(e) => setDocText(e.target.value)} />
              )}
            </Field>
            <InputField
              label={t('docPdf')}
              type="file"
              accept="application/pdf"
              onChange={(e) => setPdf(e.target.files?.[0] ?? null)}
            />
            <button type="submit" className="btn btn-primary">
              {t('issue')}
            </button>
          </form>
        </section>
      )}

      {detail.documents.length > 0 && (
        <section aria-labelledby="documents">
          <h2 id="documents">{t('documentsTitle')}</h2>
          <DataTable
            caption={t('documentsTitle')}
            columns={[
              t('colCode'),
              t('colDelivery'),
              t('colIssued'),
              t('colPickup'),
              t('colValidity'),
              t('colActions'),
            ]}
          >
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
                        <RowAction
                          className="btn btn-sm btn-outline-primary"
                          name={t('revokeLabel', { code: d.verificationCode })}
                          label={t('revoke')}
                          onClick={() => void revoke(d.verificationCode)}
                        />
                      </li>
                    )}
                  </ul>
                </td>
              </tr>
            ))}
          </DataTable>
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
