// Builds the single-page app from web/ into web/dist, which the Keyholder server serves at `/`.
// `npm run dev:web` serves it with hot reload and proxies the API to a Keyholder on :8080.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  build: { outDir: path.join(root, 'dist'), emptyOutDir: true, sourcemap: true },
  server: {
    fs: { allow: [path.join(root, '..')] },
    proxy: { '/api': 'http://localhost:8080', '/openapi.json': 'http://localhost:8080' },
  },
});
