import type { KioskDescription } from '../../kiosk-shell/api/contract';
import { AccessFrame } from '../access/AccessBar';
import { EveryLanguage } from '../components/EveryLanguage';
import { TechnicianCorner } from './technician/TechnicianCorner';

/**
 * Shown instead of every service: the same message in every language, with
 * where to go instead, and the access bar under it (a blind resident hears
 * where to go; a resident with low vision can enlarge it).
 */
export function OutOfServiceScreen({
  kiosk,
  onTechnician,
}: {
  kiosk: KioskDescription;
  /** The hidden technician gesture (a technician fixes an out-of-service kiosk from here). */
  onTechnician?: () => void;
}) {
  const reason = kiosk.status.outOfServiceReason;
  const message = kiosk.status.message;
  return (
    <AccessFrame>
      {onTechnician && <TechnicianCorner onTrigger={onTechnician} />}
      <EveryLanguage locales={kiosk.locales} title={(t) => t('outOfService.title')}>
        {(t) => (
          <>
            <p>{t('outOfService.body')}</p>
            {reason && <p>{t(`outOfService.reason.${reason}`)}</p>}
            {message && <p>{t('outOfService.note', { message })}</p>}
            {kiosk.nearestCounter && (
              <p>
                {t('outOfService.nearest')}: {kiosk.nearestCounter.name}, {kiosk.nearestCounter.address} (
                {t('outOfService.phone')} {kiosk.nearestCounter.phone})
              </p>
            )}
            <p>{t('outOfService.support', { phone: kiosk.supportPhone })}</p>
          </>
        )}
      </EveryLanguage>
    </AccessFrame>
  );
}
