import react from '@vitejs/plugin-react';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the hub console (server/console) into dist/console; the hub serves it under /console/. */
// eslint-disable-next-line no-restricted-syntax -- Vite loads its config by the default export.
export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(here, '..', '..', 'dist', 'console'),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: false,
  },
});
