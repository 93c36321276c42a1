import { useTranslation } from 'react-i18next';
import type { KioskDescription } from '../../kiosk-shell/api/contract';
import { Button } from '../components/Button';
import { Screen } from '../components/Screen';
import { isPrinterKnownDown } from '../machines/flow';
import type { PrinterState } from '../machines/flow';
import type { ServiceId, SessionEvent } from '../machines/session';

/** Services that end in a printed receipt; Informazioni prints nothing. */
const SERVICES: ReadonlyArray<{ id: ServiceId; receipt: boolean }> = [
  { id: 'certificate', receipt: true },
  { id: 'report', receipt: true },
  { id: 'status', receipt: false },
  { id: 'pickup', receipt: true },
  { id: 'info', receipt: false },
];

/**
 * The service tiles. When the printer cannot print, the tiles of services that
 * end in a receipt say so before the resident starts: the request still works,
 * and its code is shown on screen instead.
 */
export function HomeScreen({
  kiosk,
  printer,
  send,
}: {
  kiosk: KioskDescription;
  printer: PrinterState | null;
  send: (e: SessionEvent) => void;
}) {
  const { t } = useTranslation();
  const noReceipt = isPrinterKnownDown(printer);
  return (
    <Screen kiosk={kiosk} title={t('home.title')} send={send} showHome={false}>
      <ul className="tiles" aria-label={t('home.services')}>
        {SERVICES.map(({ id, receipt }) => (
          <li key={id}>
            <Button variant="tile" onClick={() => send({ type: 'service.selected', service: id })}>
              <span className="tile-title">{t(`service.${id}.title`)}</span>
              <span className="tile-description">{t(`service.${id}.description`)}</span>
              {receipt && noReceipt && <span className="tile-warning">{t('home.noReceipt')}</span>}
            </Button>
          </li>
        ))}
      </ul>
    </Screen>
  );
}
