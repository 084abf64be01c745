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

test('flags that would make a worker run something other than its entry are dropped, with their values', () => {
  const code = 'import("shoal").then((s) => s.compute(x, { scheduler: "processes" }))';
  // node -e / -p / --eval= / --print, tsx -e (it passes --eval after its loader flags)
  expect(childExecArgv(['-e', code], false)).toEqual([]);
  expect(childExecArgv(['-p', code, '--no-warnings'], false)).toEqual(['--no-warnings']);
  expect(childExecArgv(['-pe', code], false)).toEqual([]);
  expect(childExecArgv([`--eval=${code}`, `--print=${code}`], false)).toEqual([]);
  expect(childExecArgv([...TSX_CLI, '--eval', code], false)).toEqual([]);
  expect(childExecArgv([...TSX_CLI, '--eval', code], true)).toEqual(TSX_CLI);
  expect(childExecArgv(['--import', 'tsx', '-e', code], true)).toEqual(['--import', 'tsx']);
  // --input-type fails with a file entry; REPL, syntax check, watchers, the test runner, snapshots
  expect(childExecArgv(['--input-type=module', '-e', code, '--enable-source-maps'], false)).toEqual(['--enable-source-maps']);
  expect(childExecArgv(['--input-type', 'commonjs', '-e', code], false)).toEqual([]);
  expect(childExecArgv(['-i', '--check', '--watch', '--watch-path', '/src', '--watch-preserve-output'], false)).toEqual([]);
  expect(childExecArgv(['--test', '--test-only', '--test-name-pattern', 'x', '--test-reporter=tap', '--experimental-test-coverage'], false)).toEqual([]);
  expect(childExecArgv(['--snapshot-blob', 'snap.blob', '--build-snapshot', '--inspect-port', '9230', '--conditions', 'development'], false)).toEqual(['--conditions', 'development']);
  // Everything else is kept, in order, with its values.
  expect(childExecArgv(['--max-old-space-size=512', '-r', './setup.cjs', '--env-file', '.env', '-C', 'dev'], false)).toEqual(['--max-old-space-size=512', '-r', './setup.cjs', '--env-file', '.env', '-C', 'dev']);
});
