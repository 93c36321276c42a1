import { useRef } from 'react';

/** Taps needed in the corner, and the time they must fit in. */
export const CORNER_TAPS = 5;
export const CORNER_WINDOW_MS = 3_000;

/**
 * The hidden way into technician mode: five taps within three seconds in the
 * top corner of the attract or out-of-service screen. It is deliberately not a
 * control: no role, no label, not focusable, hidden from assistive technology,
 * so neither a keypad user nor a screen reader can reach it by accident, and
 * nothing announces it.
 */
export function TechnicianCorner({ onTrigger }: { onTrigger: () => void }) {
  const taps = useRef<number[]>([]);
  return (
    <div
      className="technician-corner"
      aria-hidden="true"
      data-testid="technician-corner"
      onPointerDown={(e) => {
        const now = e.timeStamp;
        taps.current = [...taps.current.filter((t) => now - t < CORNER_WINDOW_MS), now];
        if (taps.current.length >= CORNER_TAPS) {
          taps.current = [];
          onTrigger();
        }
      }}
    />
  );
}
