// Builds the cashier UI to static files. The edge agent's build script runs
// this with `--outDir` pointing into its own build directory and embeds the
// result, so a till needs no Node.js at run time.
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    emptyOutDir: true,
  },
});
