import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed app) root, found from this file's place in it. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const UI_DIR = resolve(ROOT, 'dist', 'ui');
export const DEFAULT_CONFIG = resolve(ROOT, 'config', 'demo.json');

/** The configuration file to use: SPORTELLO_CONFIG, else the demo comune's. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SPORTELLO_CONFIG ? resolve(env.SPORTELLO_CONFIG) : DEFAULT_CONFIG;
}
