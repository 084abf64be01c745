/** Which Node flags a worker process gets: tsx only when its own modules are TypeScript. */
import { expect, test } from 'vitest';
import { childExecArgv } from '../../src/schedulers/channel.ts';

const TSX_CLI = ['--require', '/p/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///p/node_modules/tsx/dist/loader.mjs'];

test('from dist/, the flags tsx was started with are dropped and other flags kept', () => {
  expect(childExecArgv(TSX_CLI, false)).toEqual([]);
  expect(childExecArgv(['--import', 'tsx'], false)).toEqual([]);
  expect(childExecArgv(['--import=tsx/esm', '--max-old-space-size=512'], false)).toEqual(['--max-old-space-size=512']);
  expect(childExecArgv(['--import', './my-tsx-helpers.mjs', '--inspect=9229', '--enable-source-maps'], false)).toEqual(['--import', './my-tsx-helpers.mjs', '--enable-source-maps']);
});

test('from sources, tsx is added once (or inherited)', () => {
  expect(childExecArgv([], true)).toEqual(['--import', 'tsx']);
  expect(childExecArgv(TSX_CLI, true)).toEqual(TSX_CLI);
  expect(childExecArgv(['--enable-source-maps', '--inspect-brk'], true)).toEqual(['--enable-source-maps', '--import', 'tsx']);
});
