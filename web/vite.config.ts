import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Built into build/web/dist by CMake (web/CMakeLists.txt) and embedded in the binary. Hashed
// file names under assets/ are served as immutable; index.html is revalidated.
export default defineConfig({
  plugins: [react()],
  build: {
    target: 'es2020',
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
  server: {
    proxy: { '/v1': 'http://127.0.0.1:1250' },
  },
});
