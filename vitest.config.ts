import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `import … from 'shoal'` means the TypeScript sources inside this repository, as it does for
  // tsx and tsc (tsconfig.json "paths"): no build is needed to run or test anything here.
  resolve: { alias: { shoal: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Worker pools are real threads and processes: keep test files from fighting over 2 cores.
    maxWorkers: 2,
  },
});
