import type { ActorRefFrom } from 'xstate';
import type { KioskDescription } from '../../../kiosk-shell/api/contract';
import { Screen } from '../../components/Screen';
import type { StatusMachine } from '../../machines/status';
import type { SessionEvent } from '../../machines/session';

/** PLACEHOLDER being replaced in this change. */
export function StatusFlow(props: {
  kiosk: KioskDescription;
  flowRef: ActorRefFrom<StatusMachine>;
  send: (event: SessionEvent) => void;
}) {
  return <Screen kiosk={props.kiosk} title="status" send={props.send}>{null}</Screen>;
}
