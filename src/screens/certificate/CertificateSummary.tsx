import { useTranslation } from 'react-i18next';
import { Button } from '../../components/Button';
import { buildRequest, chosenType, localized } from '../../machines/certificate';
import type { CertificateContext, CertificateStep } from '../../machines/certificate';
import { isPrinterKnownDown } from '../../machines/flow';

type Row = { step: CertificateStep; label: string; value: string };

/** Everything the resident chose, each with a way back to the step that chose it. */
export function CertificateSummary({
  context,
  onEdit,
}: {
  context: CertificateContext;
  onEdit: (step: CertificateStep) => void;
}) {
  const { t } = useTranslation();
  const request = buildRequest(context);
  const type = chosenType(context);
  if (!request || !type) return null;

  const identityName = [context.identity?.givenNames, context.identity?.surname].filter(Boolean).join(' ');
  let who: string;
  if (request.subject.relation === 'family')
    who = t('certificate.summary.family', { name: `${request.subject.givenNames} ${request.subject.surname}` });
  else if (identityName) who = t('certificate.summary.selfNamed', { name: identityName });
  else who = t('certificate.summary.self');

  let stampDuty: string;
  switch (request.stampDuty.kind) {
    case 'notDue':
      stampDuty = t('certificate.summary.notDue');
      break;
    case 'stamp':
      stampDuty = t('certificate.summary.stamp', { number: request.stampDuty.number });
      break;
    case 'exempt':
      stampDuty = t('certificate.summary.exempt', {
        reason: t(`certificate.exemption.${request.stampDuty.reason}.title`),
      });
      break;
    default:
      return assertNever(request.stampDuty);
  }

  let delivery: string;
  switch (request.delivery.kind) {
    case 'kiosk':
      delivery = t('certificate.delivery.kiosk');
      break;
    case 'townHall':
      delivery = t('certificate.delivery.townHall');
      break;
    case 'email':
      delivery = t('certificate.summary.toEmail', { address: request.delivery.address });
      break;
    default:
      return assertNever(request.delivery);
  }

  const rows: Row[] = [
    { step: 'type', label: t('certificate.summary.certificate'), value: localized(type.name, context.locale) },
    { step: 'subject', label: t('certificate.summary.who'), value: who },
    // A type that owes no stamp duty has no step to go back to.
    ...(type.stampDuty
      ? [{ step: 'stampDuty' as const, label: t('certificate.summary.stampDuty'), value: stampDuty }]
      : []),
    { step: 'delivery', label: t('certificate.summary.delivery'), value: delivery },
  ];

  return (
    <>
      <dl className="cert-summary">
        {rows.map((row) => (
          <div key={row.step} className="cert-summary-row card">
            <dt className="cert-summary-label">{row.label}</dt>
            <dd className="cert-summary-value" dir="auto">
              {row.value}
            </dd>
            <dd className="cert-summary-edit">
              <Button
                variant="secondary"
                aria-label={t('certificate.summary.editLabel', { what: row.label })}
                onClick={() => onEdit(row.step)}
              >
                {t('certificate.summary.edit')}
              </Button>
            </dd>
          </div>
        ))}
      </dl>
      {!type.stampDuty && (
        <p className="cert-summary-note">
          {t('certificate.summary.stampDuty')}: {stampDuty}
        </p>
      )}
      {!context.noReceiptAtStart && isPrinterKnownDown(context.printer) && (
        <p className="notice" role="note">
          {t('certificate.summary.noReceiptNow')}
        </p>
      )}
    </>
  );
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
