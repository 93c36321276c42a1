import type { ReactNode } from 'react';
import type { KioskDescription } from '../../../kiosk-shell/api/contract';

/** The prefix of a flow's step classes: `${prefix}-step`, `${prefix}-actions`. */
export type FlowClass = 'cert' | 'report' | 'pickup' | 'status';

/** A step's own heading; the flow frame moves focus to it when the step appears. */
export function StepHeading({ id, children }: { id: string; children: ReactNode }) {
  return (
    <h2 id={id} tabIndex={-1}>
      {children}
    </h2>
  );
}

/** "Loading…", "Sending…": the flow waits for the kiosk; announced politely. */
export function FlowLoading({ text }: { text: string }) {
  return (
    <p role="status" className="status">
      {text}
    </p>
  );
}

/**
 * Where a resident can go instead: the nearest staffed counter, or the support
 * line when the kiosk names none. The texts are the flow's own, already translated.
 */
export function NearestCounter({
  kiosk,
  counter,
  support,
}: {
  kiosk: KioskDescription;
  counter: (place: { name: string; address: string; phone: string }) => string;
  support: (phone: string) => string;
}) {
  const nearest = kiosk.nearestCounter;
  return <p>{nearest ? counter(nearest) : support(kiosk.supportPhone)}</p>;
}

/** A message step, announced as an alert: a heading, what happened, what to do, and its buttons. */
export function FlowMessage({
  flow,
  id,
  title,
  children,
  actions,
}: {
  flow: FlowClass;
  id: string;
  title: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <section role="alert" aria-labelledby={id} className={`${flow}-step`}>
      <StepHeading id={id}>{title}</StepHeading>
      {children}
      {actions && <div className={`${flow}-actions`}>{actions}</div>}
    </section>
  );
}
