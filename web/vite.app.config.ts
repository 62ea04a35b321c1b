// The agent console and the admin: one single-page app served at /app.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const api = process.env.CONCIERGE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'src/app',
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: '../../dist/app',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: {
      '/v1': { target: api, ws: true },
      '/widget.js': api,
      '/demo': api,
    },
  },
});
