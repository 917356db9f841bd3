// Vite builds the front end into web/dist, which `atlas serve --web-dir` serves.
// `npm run dev` proxies the API and tiles to a running server (ATLAS_URL,
// default the atlas of `scripts/demo` on port 8080).

import { defineConfig } from 'vite';

const target = process.env.ATLAS_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // MapLibre is one large module by design.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/api': target,
      '/tiles': target,
    },
  },
});
