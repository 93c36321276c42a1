import { useSelector } from '@xstate/react';
import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import type { AnyActorRef } from 'xstate';
import type { KioskDescription } from '../../../kiosk-shell/api/contract';
import { Screen } from '../../components/Screen';
import type { SessionEvent } from '../../machines/session';
import './flow-frame.css';

/** A running flow, as far as its frame needs it: its state, and when that changes. */
type FlowRef<TSnapshot> = Pick<AnyActorRef, 'subscribe'> & { getSnapshot: () => TSnapshot };

/**
 * One service flow's screen: the frame with the service's title, and the step
 * the flow is at inside it (`children`, given the flow's state and its step
 * key). When the step key changes (a new step; by default a new state value),
 * the step's heading takes focus, so a screen reader starts reading there.
 */
export function FlowFrame<TSnapshot extends { value: unknown }>({
  kiosk,
  flowRef,
  send,
  title,
  className,
  stepKeyOf = (state) => JSON.stringify(state.value),
  children,
}: {
  kiosk: KioskDescription;
  flowRef: FlowRef<TSnapshot>;
  send: (event: SessionEvent) => void;
  title: string;
  /** The flow's own class (`pickup-flow`), which its stylesheet hangs the steps on. */
  className: string;
  stepKeyOf?: (state: TSnapshot) => string;
  children: (state: TSnapshot, stepKey: string) => ReactNode;
}) {
  const state = useSelector(flowRef, (s) => s);
  const stepKey = stepKeyOf(state);
  const stepRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const heading = stepRef.current?.querySelector<HTMLElement>('h2');
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }, [stepKey]);
  return (
    <Screen kiosk={kiosk} title={title} send={send}>
      <div ref={stepRef} className={`flow-frame ${className}`}>
        {children(state, stepKey)}
      </div>
    </Screen>
  );
}
