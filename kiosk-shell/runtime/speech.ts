/**
 * Speech output for residents who cannot see the screen: text in the
 * resident's language spoken through the headphone jack by espeak-ng, an
 * on-device engine from Debian, so it works with the network down.
 *
 * One utterance at a time: a new one interrupts the one playing (the resident
 * moved on), `repeat` says the last one again, `stop` silences. The text is
 * passed on stdin, never on the command line (where `ps` would show it), and
 * never logged: it may hold what the resident is doing.
 *
 * Volume is espeak-ng's amplitude (0–200, 100 normal), changed in steps by
 * the keypad's volume keys and reset to the default when a session ends.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Locale } from '../api/contract';

/** espeak-ng voice per kiosk language. */
export const VOICES: Record<Locale, string> = { it: 'it', en: 'en-gb', de: 'de', fr: 'fr-fr', ar: 'ar' };

export const DEFAULT_VOLUME = 100;
export const VOLUME_STEP = 20;
export const MIN_VOLUME = 20;
export const MAX_VOLUME = 200;
/** Words per minute: a little slower than espeak-ng's 175, for older listeners. */
export const DEFAULT_RATE = 150;

export type Utterance = { text: string; locale: Locale };

export type SpeechOptions = {
  /** The espeak-ng binary. */
  command?: string;
  /**
   * 'play': through the sound card (production). 'silent': synthesise to a
   * WAV and drop it (machines without audio, tests): the same engine runs.
   */
  output?: 'play' | 'silent';
  rate?: number;
};

export type Speech = {
  /** Speaks `text`, interrupting whatever is being said; resolves when it ends or is interrupted. */
  say(utterance: Utterance): Promise<void>;
  /** Says the last utterance again. */
  repeat(): Promise<void>;
  stop(): void;
  volume(): number;
  /** Changes the volume by one step up or down, or back to the default; returns the new volume. */
  changeVolume(change: 'up' | 'down' | 'reset'): number;
  /** The last utterance (for a repeat; never logged). */
  last(): Utterance | null;
  close(): void;
};

export class SpeechError extends Error {
  constructor(
    readonly code: 'ENGINE_MISSING' | 'ENGINE_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'SpeechError';
  }
}

/** espeak-ng arguments for one utterance; the text goes on stdin. */
export function espeakArgs(locale: Locale, volume: number, rate: number, output: 'play' | 'silent'): string[] {
  const args = ['-v', VOICES[locale], '-a', String(volume), '-s', String(rate), '--stdin'];
  if (output === 'silent') args.push('--stdout');
  return args;
}

/** Synthesises `utterance` to WAV bytes (tests, previews); throws SpeechError. */
export function synthesize(
  utterance: Utterance,
  options: { command?: string; volume?: number; rate?: number } = {},
): Promise<Buffer> {
  const args = espeakArgs(utterance.locale, options.volume ?? DEFAULT_VOLUME, options.rate ?? DEFAULT_RATE, 'silent');
  return new Promise((resolve, reject) => {
    const child = spawn(options.command ?? 'espeak-ng', args, { stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(new SpeechError(err.code === 'ENOENT' ? 'ENGINE_MISSING' : 'ENGINE_FAILED', `espeak-ng: ${err.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new SpeechError('ENGINE_FAILED', `espeak-ng exited with ${String(code)}`));
    });
    child.stdin.end(utterance.text);
  });
}

export function createSpeech(options: SpeechOptions = {}): Speech {
  const command = options.command ?? 'espeak-ng';
  const output = options.output ?? 'play';
  const rate = options.rate ?? DEFAULT_RATE;
  let volume = DEFAULT_VOLUME;
  let last: Utterance | null = null;
  let current: ChildProcess | null = null;

  const stop = () => {
    current?.kill('SIGKILL');
    current = null;
  };

  const say = (utterance: Utterance): Promise<void> => {
    stop();
    last = utterance;
    return new Promise((resolve, reject) => {
      const child = spawn(command, espeakArgs(utterance.locale, volume, rate, output), {
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      current = child;
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (current === child) current = null;
        reject(
          new SpeechError(err.code === 'ENOENT' ? 'ENGINE_MISSING' : 'ENGINE_FAILED', `espeak-ng: ${err.message}`),
        );
      });
      // Interrupted (killed) or finished: either way this utterance is over.
      child.on('close', () => {
        if (current === child) current = null;
        resolve();
      });
      child.stdin.on('error', () => undefined); // killed before it read everything
      child.stdin.end(utterance.text);
    });
  };

  return {
    say,
    repeat: () => (last ? say(last) : Promise.resolve()),
    stop,
    volume: () => volume,
    changeVolume(change) {
      if (change === 'reset') volume = DEFAULT_VOLUME;
      else volume = Math.min(MAX_VOLUME, Math.max(MIN_VOLUME, volume + (change === 'up' ? VOLUME_STEP : -VOLUME_STEP)));
      return volume;
    },
    last: () => last,
    close: stop,
  };
}
