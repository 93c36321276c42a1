import type { ReactNode } from 'react';
import { FlowMessage } from './FlowStep';
import type { FlowClass } from './FlowStep';

/**
 * The service cannot be done here now: why, where to go instead (the nearest
 * staffed counter or the support line), and the way out the flow offers.
 */
export function FlowUnavailable({
  flow,
  id,
  title,
  body,
  nearest,
  actions,
}: {
  flow: FlowClass;
  id: string;
  title: string;
  body: string;
  /** A `NearestCounter` with the flow's own texts. */
  nearest: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <FlowMessage flow={flow} id={id} title={title} actions={actions}>
      <p>{body}</p>
      {nearest}
    </FlowMessage>
  );
}
