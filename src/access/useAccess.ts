/**
 * The resident's access modes as React state: speech output and the display
 * modes. One reducer, so "the session ended" resets everything in one place.
 */
import { createContext, useContext } from 'react';
import type { Locale } from '../../kiosk-shell/api/contract';
import { DEFAULT_DISPLAY } from './display';
import type { DisplayMode, DisplayModes } from './display';

export type AccessState = {
  /** Speech output is on: screens, focus, changes and errors are spoken. */
  speech: boolean;
  /** Headphones are in the jack (the runtime's `audio.status`). */
  headphones: boolean;
  display: DisplayModes;
};

export type AccessEvent =
  | { type: 'speech.toggled' }
  | { type: 'speech.set'; on: boolean }
  | { type: 'headphones.changed'; headphones: boolean }
  | { type: 'display.toggled'; mode: DisplayMode }
  /** The session ended: display modes off; speech stays on only while headphones are in. */
  | { type: 'session.ended' };

export const INITIAL_ACCESS: AccessState = { speech: false, headphones: false, display: DEFAULT_DISPLAY };

export function accessReducer(state: AccessState, event: AccessEvent): AccessState {
  switch (event.type) {
    case 'speech.toggled':
      return { ...state, speech: !state.speech };
    case 'speech.set':
      return state.speech === event.on ? state : { ...state, speech: event.on };
    case 'headphones.changed':
      // Plugging in turns speech on; pulling out turns it off (nobody would hear it).
      return { ...state, headphones: event.headphones, speech: event.headphones };
    case 'display.toggled':
      return { ...state, display: { ...state.display, [event.mode]: !state.display[event.mode] } };
    case 'session.ended':
      // The next resident starts from the defaults; a listener still wearing headphones keeps speech.
      return { ...state, display: DEFAULT_DISPLAY, speech: state.headphones };
    default:
      return assertNever(event);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected access event ${JSON.stringify(value)}`);
}

export type Access = AccessState & {
  toggleSpeech(): void;
  toggleDisplay(mode: DisplayMode): void;
  /** Back to the defaults, as at the end of a session. */
  reset(): void;
  /** Speaks the current screen again (speech mode only). */
  speakScreen(): void;
  /** Says `text` now in `locale`'s voice, interrupting (speech mode only): a receipt played on request. */
  say(text: string, locale: Locale): void;
};

export const AccessContext = createContext<Access | null>(null);

/** The access modes, or null outside an AccessProvider (the kit then shows no access bar). */
export function useAccess(): Access | null {
  return useContext(AccessContext);
}
