/**
 * Which tsx a worker uses for a user's .ts module from dist/ (src/schedulers/tsx.ts): the one the
 * program runs under, read from the loader flags tsx starts node with, or SHOAL_TSX in a worker
 * process (whose flags are dropped). The install test runs the whole path in a user's project.
 */
import { expect, test } from 'vitest';
import { runningTsx } from '../../src/schedulers/tsx.ts';

test('the running tsx is found from its loader flags, in each form node is given them', () => {
  // What `npx tsx script.ts` starts node with (checked on this machine: process.execArgv under tsx).
  expect(runningTsx(['--require', '/app/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///app/node_modules/tsx/dist/loader.mjs'], {})).toBe('/app/node_modules/tsx');
  expect(runningTsx(['--import=file:///usr/lib/node_modules/tsx/dist/loader.mjs'], {})).toBe('/usr/lib/node_modules/tsx');
  expect(runningTsx(['--max-old-space-size=100', '--require=/x/tsx/dist/preflight.cjs'], {})).toBe('/x/tsx');
  // A worker process: its parent's tsx, from the environment.
  expect(runningTsx([], { SHOAL_TSX: '/app/node_modules/tsx' })).toBe('/app/node_modules/tsx');
  // Not tsx: nothing (a bare `--import tsx` is resolved like any other place, from the project).
  expect(runningTsx(['--import', 'tsx'], {})).toBeUndefined();
  expect(runningTsx(['--import', 'file:///app/node_modules/tsxish/dist/loader.mjs', '--inspect'], {})).toBeUndefined();
  expect(runningTsx([], {})).toBeUndefined();
});
