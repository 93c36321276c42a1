/**
 * Speech output with the real engine (Debian's espeak-ng): audio for every
 * kiosk language, interruption, volume, and the headphone jack.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startVirtualDevices } from '../../hardware/sim/devices';
import { LOCALES } from '../../kiosk-shell/api/contract';
import { parseConfig } from '../../kiosk-shell/runtime/config';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { DEFAULT_CONFIG } from '../../kiosk-shell/runtime/paths';
import { startRuntime } from '../../kiosk-shell/runtime/runtime';
import { jackFile, watchJack } from '../../hardware/audio/jack';
import { DEFAULT_VOLUME, MAX_VOLUME, MIN_VOLUME, createSpeech, synthesize } from '../../kiosk-shell/runtime/speech';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Samples of a 16-bit mono WAV that are not silence. */
function voicedSamples(wav: Buffer): number {
  expect(wav.subarray(0, 4).toString('latin1')).toBe('RIFF');
  expect(wav.subarray(8, 12).toString('latin1')).toBe('WAVE');
  let voiced = 0;
  for (let i = 44; i + 1 < wav.length; i += 2) if (Math.abs(wav.readInt16LE(i)) > 500) voiced += 1;
  return voiced;
}

const PHRASES = {
  it: 'Tocca qui per iniziare',
  en: 'Touch here to start',
  de: 'Hier berühren, um zu beginnen',
  fr: 'Touchez ici pour commencer',
  ar: 'المس هنا للبدء',
} as const;

describe('speech output', () => {
  it.each(LOCALES)('produces audible speech in %s', async (locale) => {
    const wav = await synthesize({ text: PHRASES[locale], locale });
    expect(voicedSamples(wav)).toBeGreaterThan(2000);
  });

  it('speaks more quietly at a lower volume', async () => {
    const loud = await synthesize({ text: PHRASES.it, locale: 'it' }, { volume: MAX_VOLUME });
    const quiet = await synthesize({ text: PHRASES.it, locale: 'it' }, { volume: MIN_VOLUME });
    const peak = (wav: Buffer) => {
      let max = 0;
      for (let i = 44; i + 1 < wav.length; i += 2) max = Math.max(max, Math.abs(wav.readInt16LE(i)));
      return max;
    };
    expect(peak(loud)).toBeGreaterThan(peak(quiet) * 2);
  });

  it('interrupts what it is saying for the next thing, repeats the last, and resets the volume', async () => {
    // An engine that talks for a minute unless it is interrupted.
    const dir = mkdtempSync(join(tmpdir(), 'sportello-speech-'));
    dirs.push(dir);
    const slow = join(dir, 'slow-engine');
    writeFileSync(slow, '#!/bin/sh\ncat > /dev/null\nexec sleep 60\n', { mode: 0o755 });
    const talker = createSpeech({ command: slow, output: 'silent' });
    const started = Date.now();
    const long = talker.say({ text: 'Una frase lunga', locale: 'it' });
    await new Promise((r) => setTimeout(r, 100));
    talker.stop();
    await long;
    expect(Date.now() - started).toBeLessThan(30_000);

    const speech = createSpeech({ output: 'silent' });
    const first = speech.say({ text: 'Questa è una frase molto lunga. '.repeat(40), locale: 'it' });
    const second = speech.say({ text: 'Indietro', locale: 'it' });
    await Promise.all([first, second]);
    expect(speech.last()).toEqual({ text: 'Indietro', locale: 'it' });
    await speech.repeat();
    expect(speech.changeVolume('up')).toBe(DEFAULT_VOLUME + 20);
    for (let i = 0; i < 20; i++) speech.changeVolume('up');
    expect(speech.volume()).toBe(MAX_VOLUME);
    for (let i = 0; i < 20; i++) speech.changeVolume('down');
    expect(speech.volume()).toBe(MIN_VOLUME);
    expect(speech.changeVolume('reset')).toBe(DEFAULT_VOLUME);
    speech.close();
  });

  it('reports a missing engine as such', async () => {
    await expect(synthesize({ text: 'x', locale: 'it' }, { command: 'no-such-espeak' })).rejects.toMatchObject({
      code: 'ENGINE_MISSING',
    });
  });
});

describe('headphone jack', () => {
  it('sees headphones going in and out through the jack file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sportello-jack-'));
    dirs.push(dataDir);
    const file = jackFile(dataDir);
    const seen: boolean[] = [];
    const jack = watchJack(file, (c) => seen.push(c), 20);
    expect(jack.connected()).toBe(false);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'in\n');
    await expect.poll(() => seen, { timeout: 2000 }).toEqual([true]);
    writeFileSync(file, 'out\n');
    await expect.poll(() => seen, { timeout: 2000 }).toEqual([true, false]);
    jack.close();
  });
});

describe('speech through the kiosk API', () => {
  it('tells the UI when headphones go in and out, speaks, and resets the volume when the session ends', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sportello-speech-rt-'));
    dirs.push(dataDir);
    const sims = await startVirtualDevices(dataDir);
    const config = parseConfig(JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')), 'demo', {
      SPORTELLO_DATA_DIR: dataDir,
    });
    const runtime = await startRuntime({ config, log: createLogger({ level: 'silent' }) });
    const events: unknown[] = [];
    runtime.onEvent((frame) => {
      if (frame.event === 'audio.status') events.push(frame.payload);
    });
    const call = async (method: string, input: unknown = {}) =>
      (await runtime.dispatch(JSON.stringify({ id: 1, method, input }))).result;
    try {
      expect(await call('audio.status')).toEqual({ ok: true, value: { headphones: false, volume: 100 } });
      await sims.commands.headphones(['in']);
      await expect.poll(() => events, { timeout: 3000 }).toEqual([{ headphones: true, volume: 100 }]);
      expect(await call('speech.say', { text: 'Benvenuti', locale: 'it' })).toEqual({ ok: true, value: {} });
      expect(await call('speech.volume', { change: 'up' })).toEqual({
        ok: true,
        value: { headphones: true, volume: 120 },
      });
      await call('session.ended', { reason: 'done' });
      expect(await call('audio.status')).toEqual({ ok: true, value: { headphones: true, volume: 100 } });
      await sims.commands.headphones(['out']);
      await expect.poll(() => events.length, { timeout: 3000 }).toBe(2);
      expect(events[1]).toEqual({ headphones: false, volume: 100 });
      const refused = await call('speech.say', { text: '', locale: 'it' });
      expect(refused.ok ? null : refused.error.code).toBe('INVALID_INPUT');
    } finally {
      await runtime.close();
      await sims.close();
    }
  });
});

describe('what is spoken is private', () => {
  it('never logs a receipt it speaks, not even at debug level: pickup code, text, or a refused utterance', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sportello-speech-log-'));
    dirs.push(dataDir);
    const sims = await startVirtualDevices(dataDir);
    const config = parseConfig(JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')), 'demo', {
      SPORTELLO_DATA_DIR: dataDir,
    });
    const logged: string[] = [];
    const log = createLogger({ level: 'debug', destination: { write: (line: string) => void logged.push(line) } });
    const runtime = await startRuntime({ config, log });
    const call = async (method: string, input: unknown = {}) =>
      (await runtime.dispatch(JSON.stringify({ id: 1, method, input }))).result;
    const pickupCode = 'QX7W 3KPM 9ZTR';
    const receipt = `Codice di ritiro: ${pickupCode.split('').join(' ')}. Ritiro a questo sportello.`;
    try {
      await sims.commands.headphones(['in']);
      await expect.poll(async () => (await call('audio.status')).ok && logged.length > 0).toBe(true);
      expect(await call('speech.say', { text: receipt, locale: 'it' })).toEqual({ ok: true, value: {} });
      expect(await call('speech.repeat')).toEqual({ ok: true, value: {} });
      // Too long: refused as invalid input, and the refusal does not quote it either.
      const refused = await call('speech.say', { text: receipt.repeat(200), locale: 'it' });
      expect(refused.ok ? null : refused.error.code).toBe('INVALID_INPUT');
      await call('speech.stop');
      await call('session.ended', { reason: 'done' });
      expect(logged.length).toBeGreaterThan(0);
      const all = logged.join('\n');
      expect(all).not.toContain('Q X 7 W');
      expect(all).not.toContain('Ritiro a questo sportello');
    } finally {
      await runtime.close();
      await sims.close();
    }
  });
});
