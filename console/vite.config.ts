/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The web console: built into dist/console (served by the service at /), tested with Vitest in happy-dom.
export default defineConfig({
  root,
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: fileURLToPath(new URL('../dist/console', import.meta.url)), emptyOutDir: true, sourcemap: false },
  // `npm run console:dev`: the service (npm start) answers the API on its port.
  server: { proxy: Object.fromEntries(['/api', '/files', '/v1'].map((path) => [path, 'http://localhost:3000'])) },
  test: { environment: 'happy-dom', include: ['src/**/*.test.{ts,tsx}'] },
});
