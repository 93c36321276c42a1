import { useI18n } from '../context';
import type { StringKey } from '../i18n';
import type { KioskService, TechnicianAction } from '../technician-api';

const KNOWN_CAUSES = ['TECHNICIAN', 'STORE_INTEGRITY', 'DISK_LOW', 'DEVICES'] as const;

/** In or out of service, and why, as the kiosk's last heartbeat said. */
export function ServiceInfo({ kiosk }: { kiosk: KioskService & { lastHeartbeatAt: string | null } }) {
  const { t } = useI18n();
  if (kiosk.lastHeartbeatAt === null) return <span className="muted">{t('serviceUnknown')}</span>;
  const out = kiosk.outOfService ?? null;
  if (out === null) return <span>{t('inService')}</span>;
  const reason = (KNOWN_CAUSES as readonly string[]).includes(out.reason)
    ? t(`oos_${out.reason}` as StringKey)
    : t('oos_other', { code: out.reason });
  return (
    <span className="badge badge-danger" data-out-of-service={out.reason}>
      {t('outOfService', { reason })}
      {out.message !== null && (
        <>
          <br />
          {t('outOfServiceNote', { message: out.message })}
        </>
      )}
    </span>
  );
}

/** Who did it: the kiosk PIN, or a technician card (its holder's login, and the end of its id). */
export function actorLabel(action: TechnicianAction, t: ReturnType<typeof useI18n>['t']): string {
  const { actor } = action;
  if (actor === 'pin') return t('actorPin');
  if (actor.startsWith('card:')) {
    const card = t('actorCard', { id: actor.slice(-12) });
    return action.holder ? `${action.holder} (${card})` : card;
  }
  return t('actorCardUnknown');
}

export function detailText(detail: TechnicianAction['detail']): string {
  if (detail === null) return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}
