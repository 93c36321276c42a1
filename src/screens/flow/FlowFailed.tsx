import type { ReactNode } from 'react';
import { Button } from '../../components/Button';
import { FlowMessage } from './FlowStep';
import type { FlowClass } from './FlowStep';

/**
 * The kiosk could not do what was asked just now: what happened (`children`),
 * where to go instead when the flow says so, "try again" and a step back.
 */
export function FlowFailed({
  flow,
  id,
  title,
  children,
  nearest,
  retryLabel,
  onRetry,
  backLabel,
  onBack,
}: {
  flow: FlowClass;
  id: string;
  title: string;
  children: ReactNode;
  /** A `NearestCounter` with the flow's own texts. */
  nearest?: ReactNode;
  retryLabel: string;
  onRetry: () => void;
  backLabel: string;
  onBack: () => void;
}) {
  return (
    <FlowMessage
      flow={flow}
      id={id}
      title={title}
      actions={
        <>
          <Button onClick={onRetry}>{retryLabel}</Button>
          <Button variant="secondary" onClick={onBack}>
            {backLabel}
          </Button>
        </>
      }
    >
      {children}
      {nearest}
    </FlowMessage>
  );
}
