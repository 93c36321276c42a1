import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Builds the renderer (src/) into dist/ui, with relative paths so app:// and http:// both work. */
export default defineConfig({
  root: 'src',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    target: 'chrome120',
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
