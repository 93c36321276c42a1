import type { ActorRefFrom } from 'xstate';
import type { KioskDescription } from '../../../kiosk-shell/api/contract';
import { Screen } from '../../components/Screen';
import type { CertificateMachine } from '../../machines/certificate';
import type { SessionEvent } from '../../machines/session';

/** PLACEHOLDER being replaced in this change. */
export function CertificateFlow(props: {
  kiosk: KioskDescription;
  flowRef: ActorRefFrom<CertificateMachine>;
  send: (event: SessionEvent) => void;
}) {
  return <Screen kiosk={props.kiosk} title="certificate" send={props.send}>{null}</Screen>;
}
