// The embeddable chat widget: one self-contained script, dist/widget.js,
// that a customer's page loads with
//   <script src="https://concierge.example/widget.js" data-tenant-key="pk_…" defer></script>
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2020',
    sourcemap: false,
    lib: {
      entry: 'src/widget/main.tsx',
      name: 'ConciergeWidget',
      formats: ['iife'],
      fileName: () => 'widget.js',
    },
  },
});
