import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../kiosk-shell/api/contract';
import { createI18n, direction, resources } from './index';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const variables = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const reference = flatten(resources.it);

describe('translations', () => {
  it.each(LOCALES)('%s has every key of Italian, and no other, with the same placeholders', (locale) => {
    const strings = flatten(resources[locale]);
    expect([...strings.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [key, value] of strings) {
      expect(value.trim(), `${locale}:${key} is empty`).not.toBe('');
      expect(variables(value), `${locale}:${key} placeholders`).toEqual(variables(reference.get(key) ?? ''));
    }
  });

  it('every key the UI looks up exists in Italian', () => {
    const srcDir = join(import.meta.dirname, '..');
    const used = new Set<string>();
    for (const file of sourceFiles(srcDir)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z.]+)'/g)) used.add(m[1] ?? '');
    }
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((k) => !reference.has(k));
    expect(missing).toEqual([]);
  });

  it('labels every contact topic the demo configuration uses', () => {
    const demo = JSON.parse(readFileSync(join(import.meta.dirname, '../../config/demo.json'), 'utf8')) as {
      info: { contacts: Array<{ topic: string }> };
    };
    for (const { topic } of demo.info.contacts) expect(reference.has(`info.contact.${topic}`), topic).toBe(true);
  });

  it('translates with the chosen language and marks Arabic right-to-left', () => {
    const i18n = createI18n('de');
    expect(i18n.t('nav.back')).toBe('Zurück');
    expect(i18n.getFixedT('ar')('nav.back')).toBe('رجوع');
    expect(direction('ar')).toBe('rtl');
    expect(direction('fr')).toBe('ltr');
  });
});
