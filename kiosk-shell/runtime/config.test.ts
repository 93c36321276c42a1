import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ConfigOverrideSchema,
  applyOverride,
  devicePathProblem,
  loadConfig,
  mergeOverrides,
  parseConfig,
} from './config';
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

describe("a technician's configuration override", () => {
  const config = () => loadConfig(DEFAULT_CONFIG, { SPORTELLO_DATA_DIR: tmpdir() });

  it('lays the hub URL and the device paths it names over the file, and leaves the rest alone', () => {
    const base = { ...config(), devices: { printer: '/dev/ttyS0', barcode: '/dev/ttyS1', magstripe: null, mrz: null } };
    const next = applyOverride(base, {
      hubUrl: 'https://hub.example',
      devices: { barcode: null, mrz: '/dev/ttyUSB0' },
    });
    expect(next.hub.url).toBe('https://hub.example');
    expect(next.devices).toEqual({ printer: '/dev/ttyS0', barcode: null, magstripe: null, mrz: '/dev/ttyUSB0' });
    expect(next.comune).toEqual(base.comune);
    expect(applyOverride(base, null)).toBe(base);
  });

  it('merges a later change field by field', () => {
    expect(
      mergeOverrides({ hubUrl: 'https://a.example', devices: { printer: '/dev/a' } }, { devices: { mrz: null } }),
    ).toEqual({ hubUrl: 'https://a.example', devices: { printer: '/dev/a', mrz: null } });
    expect(mergeOverrides(null, {})).toEqual({});
  });

  it('accepts absolute device paths and http(s) URLs only', () => {
    expect(ConfigOverrideSchema.safeParse({ devices: { printer: 'dev/ttyS0' } }).success).toBe(false);
    expect(ConfigOverrideSchema.safeParse({ hubUrl: 'ftp://hub.example' }).success).toBe(false);
    expect(ConfigOverrideSchema.safeParse({ enrollmentCode: 'X' }).success).toBe(false);
    expect(ConfigOverrideSchema.safeParse({ hubUrl: 'http://127.0.0.1:8787', devices: { mrz: null } }).success).toBe(
      true,
    );
  });

  it('tells a missing path from a file that is not a device', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sportello-config-'));
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(devicePathProblem(join(dir, 'missing'))).toBe('path-missing');
    expect(devicePathProblem(file)).toBe('not-a-device');
    expect(devicePathProblem('/dev/null')).toBeNull();
  });
});
