import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Worker pools are real threads and processes: keep test files from fighting over 2 cores.
    maxWorkers: 2,
  },
});
