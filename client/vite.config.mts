/** Builds the three browser apps (console, tablet, unit) into client/dist, served by the server. */
import { defineConfig } from 'vite';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  publicDir: resolve(here, 'public'),
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // The chunk the three apps share (React, the live client, mediasoup-client) is ~550 kB; it is
    // cached once for all of them, so the default 500 kB warning says nothing useful here.
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      input: {
        index: resolve(here, 'index.html'),
        console: resolve(here, 'console/index.html'),
        tablet: resolve(here, 'tablet/index.html'),
        unit: resolve(here, 'unit/index.html'),
      },
    },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/ws': { target: 'ws://127.0.0.1:8080', ws: true } },
  },
});
