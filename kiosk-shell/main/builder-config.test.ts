import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

// electron-builder validates with ajv too (draft-07 schema, strict: false for its
// `typeof` keyword); it also coerces types, which we do not, so whatever passes
// here also passes there.
const schemaPath = path.join(path.dirname(require.resolve('app-builder-lib/package.json')), 'scheme.json');
const validate = new Ajv({ allErrors: true, strict: false }).compile(readJson(schemaPath) as object);

const config = load(readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

interface TargetEntry {
  target: string;
  arch?: string | string[];
}

function linuxTargets(value: unknown): TargetEntry[] {
  const linux = value as { target?: unknown };
  const targets = Array.isArray(linux.target) ? linux.target : [linux.target];
  return targets.map((t: unknown) => (typeof t === 'string' ? { target: t } : (t as TargetEntry)));
}

describe('electron-builder.yml', () => {
  it('is valid against electron-builder’s own schema', () => {
    const valid = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('refuses an unknown top-level key, so the schema check can fail', () => {
    expect(validate({ ...config, linuxx: { target: 'deb' } })).toBe(false);
  });

  it.each([
    ['directories as a string', { directories: 'dist/electron' }],
    ['an unknown architecture', { linux: { target: [{ target: 'deb', arch: ['sparc'] }] } }],
    ['an unknown key inside a target', { linux: { target: [{ target: 'deb', archs: ['x64'] }] } }],
    ['asarUnpack as a number', { asarUnpack: 42 }],
  ])('refuses %s', (_name, override) => {
    expect(validate({ ...config, ...override })).toBe(false);
  });

  it('builds deb and AppImage for both x64 and arm64', () => {
    const built = new Set(
      linuxTargets(config.linux).flatMap(({ target, arch }) =>
        (Array.isArray(arch) ? arch : [arch ?? 'x64']).map((a) => `${target}/${a}`),
      ),
    );
    for (const expected of ['deb/x64', 'deb/arm64', 'AppImage/x64', 'AppImage/arm64']) {
      expect(built).toContain(expected);
    }
  });

  it('identifies the app and writes packages to dist/electron', () => {
    expect(config).toMatchObject({
      appId: 'it.comune.sportello',
      productName: 'Sportello',
      directories: { output: 'dist/electron' },
      linux: { category: 'Utility' },
    });
    expect((config.linux as { maintainer?: string }).maintainer).toMatch(/<[^@\s]+@[^>\s]+>/);
  });

  it('ships only the built main, runtime and UI, the configuration and package.json', () => {
    expect(config.files).toEqual(['dist/main/**', 'dist/runtime/**', 'dist/ui/**', 'config/**', 'package.json']);
  });

  it('unpacks native addons so better-sqlite3 can load', () => {
    expect(config.asarUnpack).toContain('**/*.node');
  });

  it('starts the bundled main process that package.json also names', () => {
    const pkg = readJson(path.join(repoRoot, 'package.json')) as { main?: string };
    expect(config.extraMetadata).toEqual({ main: 'dist/main/main.cjs' });
    expect(pkg.main).toBe('dist/main/main.cjs');
  });
});
