import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../kiosk-shell/api/contract';
import type { KioskApi } from '../api/client';
import { keyContext } from '../components/keypad';
import { applyDisplay } from './display';
import { actionFor } from './keymap';
import { truncate, watchAndSpeak } from './speech';
import type { SpeechController, SpeechWords } from './speech';
import { AccessContext, INITIAL_ACCESS, accessReducer } from './useAccess';
import type { Access } from './useAccess';

/** How much longer every time limit is while speech is on (EN 301 549 5.1.3.x, WCAG 2.2.1). */
export const SPEECH_TIME_FACTOR = 2;

/**
 * Modes chosen outside a session (on the attract screen's access bar) and then
 * left: back to the defaults after this long without a touch or key, so the
 * next resident does not find someone else's modes.
 */
export const UNUSED_MODES_RESET_MS = 120_000;

/**
 * Accessibility for the whole UI, mounted once around the screens:
 * - speech mode: on when headphones go in (the runtime's `audio.status`) or
 *   with the speech key, off when they come out; while on, the page is spoken;
 * - the keymap's help, speech, repeat, stop and volume keys;
 * - the display modes on <html>;
 * - at the end of a session (`sessionActive` goes false) the display modes are
 *   reset and speech stays on only while headphones are in (the runtime resets
 *   the volume on `session.ended`); modes chosen outside a session (attract
 *   screen) are reset the same way after `UNUSED_MODES_RESET_MS` unused;
 * - `onTimeFactor` tells the session how much to lengthen its time limits.
 */
export function AccessProvider({
  api,
  locale,
  sessionActive,
  onTimeFactor,
  children,
}: {
  api: KioskApi;
  locale: Locale;
  sessionActive: boolean;
  onTimeFactor?: (factor: number) => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const [state, dispatch] = useReducer(accessReducer, INITIAL_ACCESS);
  const controller = useRef<SpeechController | null>(null);
  /** Speech was turned on by the help key: the help comes first. */
  const helpRequested = useRef(false);
  const latest = useRef({ locale, t });
  useEffect(() => {
    latest.current = { locale, t };
  });

  // Headphones in → speech on; out → off.
  useEffect(() => {
    const off = api.on('audio.status', ({ headphones }) => dispatch({ type: 'headphones.changed', headphones }));
    void api.call('audio.status', {}).then((r) => {
      if (r.ok && r.value.headphones) dispatch({ type: 'headphones.changed', headphones: true });
    });
    return off;
  }, [api]);

  // The end of a session resets the modes for the next resident.
  const wasActive = useRef(sessionActive);
  useEffect(() => {
    if (wasActive.current && !sessionActive) dispatch({ type: 'session.ended' });
    wasActive.current = sessionActive;
  }, [sessionActive]);

  useEffect(() => applyDisplay(document.documentElement, state.display), [state.display]);

  // Outside a session nobody ends modes chosen on the attract screen: an idle while does.
  const modesChosen = Object.values(state.display).some(Boolean) || state.speech !== state.headphones;
  useEffect(() => {
    if (sessionActive || !modesChosen) return;
    let timer = setTimeout(() => dispatch({ type: 'session.ended' }), UNUSED_MODES_RESET_MS);
    const acted = () => {
      clearTimeout(timer);
      timer = setTimeout(() => dispatch({ type: 'session.ended' }), UNUSED_MODES_RESET_MS);
    };
    window.addEventListener('pointerdown', acted, true);
    window.addEventListener('keydown', acted, true);
    return () => {
      clearTimeout(timer);
      window.removeEventListener('pointerdown', acted, true);
      window.removeEventListener('keydown', acted, true);
    };
  }, [sessionActive, modesChosen]);

  // Only a change of speech mode is news for the session: the callback may be a new function every render.
  const timeFactorRef = useRef(onTimeFactor);
  useEffect(() => {
    timeFactorRef.current = onTimeFactor;
  }, [onTimeFactor]);
  useEffect(() => timeFactorRef.current?.(state.speech ? SPEECH_TIME_FACTOR : 1), [state.speech]);

  // While speech is on, the page is watched and spoken in the current language.
  useEffect(() => {
    if (!state.speech) return;
    const words = (): SpeechWords => {
      const tr = latest.current.t;
      return {
        role: (role) => {
          const key = `access.role.${role}`;
          const word = tr(key);
          return word === key ? undefined : word;
        },
        pressed: tr('access.state.pressed'),
        notPressed: tr('access.state.notPressed'),
        checked: tr('access.state.checked'),
        notChecked: tr('access.state.notChecked'),
        unavailable: tr('access.state.unavailable'),
        secret: tr('access.state.secret'),
      };
    };
    const say = (text: string) => void api.call('speech.say', { text, locale: latest.current.locale });
    const intro = latest.current.t(helpRequested.current ? 'access.help' : 'access.speechOn');
    helpRequested.current = false;
    const c = watchAndSpeak(document, say, words, intro);
    controller.current = c;
    return () => {
      c.stop();
      controller.current = null;
      void api.call('speech.stop', {});
    };
  }, [api, state.speech]);

  const speakScreen = useCallback(() => controller.current?.speakScreen(), []);
  const say = useCallback(
    (text: string, sayIn: Locale) => {
      const c = controller.current;
      if (!c) return;
      c.cancelPending();
      void api.call('speech.say', { text: truncate(text), locale: sayIn });
    },
    [api],
  );

  // The keymap's access keys; navigation keys belong to the keypad module.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const action = actionFor(e, keyContext(document, e.target));
      switch (action) {
        case 'speech':
          dispatch({ type: 'speech.toggled' });
          break;
        case 'help':
          // The help key is where a blind resident starts: it turns speech on and explains the keys.
          if (controller.current) controller.current.speakScreen(latest.current.t('access.help'));
          else {
            helpRequested.current = true;
            dispatch({ type: 'speech.set', on: true });
          }
          break;
        case 'repeat':
          void api.call('speech.repeat', {});
          break;
        case 'stop':
          void api.call('speech.stop', {});
          break;
        case 'volumeUp':
        case 'volumeDown':
          void api.call('speech.volume', { change: action === 'volumeUp' ? 'up' : 'down' });
          break;
        case 'next':
        case 'previous':
        case 'select':
        case 'back':
        case null:
          // Navigation is the keypad module's; other keys do what they normally do.
          return;
        default:
          return assertNever(action);
      }
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [api]);

  const value = useMemo<Access>(
    () => ({
      ...state,
      toggleSpeech: () => dispatch({ type: 'speech.toggled' }),
      toggleDisplay: (mode) => dispatch({ type: 'display.toggled', mode }),
      reset: () => dispatch({ type: 'session.ended' }),
      speakScreen,
      say,
    }),
    [state, speakScreen, say],
  );

  return <AccessContext.Provider value={value}>{children}</AccessContext.Provider>;
}

function assertNever(value: never): never {
  throw new Error(`unexpected access action ${String(value)}`);
}
