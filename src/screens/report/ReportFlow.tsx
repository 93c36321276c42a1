import type { ActorRefFrom } from 'xstate';
import type { KioskDescription } from '../../../kiosk-shell/api/contract';
import { Screen } from '../../components/Screen';
import type { ReportMachine } from '../../machines/report';
import type { SessionEvent } from '../../machines/session';

/** PLACEHOLDER being replaced in this change. */
export function ReportFlow(props: {
  kiosk: KioskDescription;
  flowRef: ActorRefFrom<ReportMachine>;
  send: (event: SessionEvent) => void;
}) {
  return <Screen kiosk={props.kiosk} title="report" send={props.send}>{null}</Screen>;
}
