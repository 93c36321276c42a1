import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config';
import { DEFAULT_CONFIG } from './paths';

const demo = () => JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')) as Record<string, unknown>;

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('accepts the demo comune, Castelnuovo Magra', () => {
    const c = loadConfig(DEFAULT_CONFIG, {});
    expect(c.comune).toMatchObject({ name: 'Castelnuovo Magra', istat: '011011', catastale: 'C240', cap: '19033' });
    expect(c.comune.frazioni).toEqual(
      expect.arrayContaining([
        'Colombiera',
        'Molicciara',
        'Palvotrisia',
        'Vallecchia',
        'Canale',
        'Marciano',
        'Molino del Piano',
      ]),
    );
    expect(c.dataDir).toBe(resolve('./var'));
  });

  it('lets SPORTELLO_DATA_DIR override the data directory', () => {
    const c = loadConfig(DEFAULT_CONFIG, { SPORTELLO_DATA_DIR: '/srv/sportello' });
    expect(c.dataDir).toBe('/srv/sportello');
  });

  it('names every bad field', () => {
    const raw = demo();
    (raw.comune as Record<string, unknown>).istat = '11011';
    (raw.hub as Record<string, unknown>).url = 'ftp://hub';
    (raw.devices as Record<string, unknown>).printer = 'COM3';
    const err = errorOf(() => parseConfig(raw, 'test.json'));
    expect(err.fields).toEqual(expect.arrayContaining(['comune.istat', 'hub.url', 'devices.printer']));
    expect(err.message).toContain('comune.istat: the ISTAT code has 6 digits');
    expect(err.message).toContain('test.json');
  });

  it('refuses a frazione that is not one of the comune’s, and unknown fields', () => {
    const raw = { ...demo(), frazione: 'Sarzana', colour: 'blue' };
    const err = errorOf(() => parseConfig(raw, 'x'));
    expect(err.fields).toEqual(expect.arrayContaining(['frazione', '(root)']));
    expect(err.message).toMatch(/colour/);
  });

  it('refuses a default language the kiosk does not offer', () => {
    const raw = { ...demo(), locales: { default: 'fr', available: ['it', 'en'] } };
    expect(errorOf(() => parseConfig(raw, 'x')).fields).toEqual(['locales.default']);
  });

  it('says so when the file is missing or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sportello-config-'));
    expect(errorOf(() => loadConfig(join(dir, 'missing.json'), {})).message).toMatch(/cannot read/);
    writeFileSync(join(dir, 'broken.json'), '{ "comune": ');
    expect(errorOf(() => loadConfig(join(dir, 'broken.json'), {})).message).toMatch(/not valid JSON/);
  });
});
