// Builds the single-page app from web/ into web/dist, which the Keyholder server serves at `/`.
// `npm run dev:web` serves it with hot reload and proxies the API to a Keyholder on :8080.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { precompress } from './build/precompress.ts';
import { pwa } from './build/pwa.ts';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root,
  plugins: [react(), pwa(), precompress()],
  // No source maps in the served build: the app's source is public anyway (it is open source), but maps double
  // what a curious visitor downloads and are no use to a person. `vite build --sourcemap` makes them locally.
  build: { outDir: path.join(root, 'dist'), emptyOutDir: true, sourcemap: false },
  server: {
    fs: { allow: [path.join(root, '..')] },
    proxy: { '/api': 'http://localhost:8080', '/openapi.json': 'http://localhost:8080' },
  },
});
