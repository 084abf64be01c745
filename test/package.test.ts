/**
 * The built package works for a plain JavaScript user: `npm run build`'s output (dist/ with
 * .d.ts) runs inline and module functions on every scheduler, from outside TypeScript tooling.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'test-dist');

afterAll(() => rmSync(out, { recursive: true, force: true }));

test('the compiled package runs on sync, threads and processes without tsx', () => {
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(out, 'dist')], { cwd: root });
  expect(existsSync(join(out, 'dist/index.d.ts'))).toBe(true);
  expect(existsSync(join(out, 'dist/schedulers/thread-entry.js'))).toBe(true);
  mkdirSync(join(out, 'user'));
  writeFileSync(join(out, 'user/m.mjs'), 'export const sq = (x) => x * x;\n');
  writeFileSync(
    join(out, 'user/use.mjs'),
    `import { delayed, compute, moduleFunction } from '../dist/index.js';
const sq = moduleFunction(new URL('./m.mjs', import.meta.url), 'sq');
const out = {};
for (const scheduler of ['sync', 'threads', 'processes']) {
  const xs = [1, 2, 3].map((k) => delayed((x) => x + 1)(delayed(sq)(k)));
  out[scheduler] = await compute(...xs, { scheduler, numWorkers: 2 });
}
console.log(JSON.stringify(out));
`,
  );
  // Plain node: no tsx loader, no vitest transform. It must also exit by itself.
  const text = execFileSync(process.execPath, [join(out, 'user/use.mjs')], { encoding: 'utf8', timeout: 30_000 });
  expect(JSON.parse(text)).toEqual({ sync: [2, 5, 10], threads: [2, 5, 10], processes: [2, 5, 10] });
});

test('a TypeScript script run with `npx tsx` uses the compiled package with a .ts module function', () => {
  // Runs after the build above (same file, tests run in order).
  mkdirSync(join(out, 'tsuser'), { recursive: true });
  writeFileSync(join(out, 'tsuser/m.ts'), 'export const cube = (x: number): number => x * x * x;\n');
  writeFileSync(
    join(out, 'tsuser/use.ts'),
    `import { delayed, compute, moduleFunction } from '../dist/index.js';
const cube = moduleFunction<(x: number) => number>(new URL('./m.ts', import.meta.url), 'cube');
const out: Record<string, unknown> = {};
for (const scheduler of ['sync', 'threads', 'processes']) {
  const xs = [1, 2, 3].map((k) => delayed((x: number) => x + 1)(delayed(cube)(k)));
  out[scheduler] = await compute(...xs, { scheduler, numWorkers: 2 });
}
console.log(JSON.stringify(out));
`,
  );
  const text = execFileSync(join(root, 'node_modules/.bin/tsx'), [join(out, 'tsuser/use.ts')], { encoding: 'utf8', timeout: 60_000 });
  expect(JSON.parse(text)).toEqual({ sync: [2, 9, 28], threads: [2, 9, 28], processes: [2, 9, 28] });
});

test('the published .d.ts type-check under TypeScript 5.0 (the notebook kernel\'s compiler)', () => {
  // Runs after the build above. A consumer written as a user would, checked with TS 5.0's tsc.
  mkdirSync(join(out, 'ts50'), { recursive: true });
  mkdirSync(join(out, 'ts50/node_modules/shoal'), { recursive: true });
  writeFileSync(
    join(out, 'ts50/node_modules/shoal/package.json'),
    JSON.stringify({ name: 'shoal', type: 'module', main: './dist/index.js', types: './dist/index.d.ts' }),
  );
  execFileSync('cp', ['-r', join(out, 'dist'), join(out, 'ts50/node_modules/shoal/dist')]);
  writeFileSync(
    join(out, 'ts50/use.ts'),
    `import { compute, delayed, persist, visualize, config, withConfig, readCsv, type Callback } from 'shoal';
const square = (x: number) => x * x;
const i = delayed(square)(3);
const cb: Callback = { finish: (s) => console.log(s.tasks) };
export async function main(): Promise<number> {
  const [a, b] = await compute(i.sub(5), i.add(4), { scheduler: 'sync', callbacks: [cb] });
  const [p] = await persist(i);
  const n: number = await p.compute();
  await withConfig({ scheduler: 'sync' }, () => visualize(i, { format: 'dot' }));
  config.set({ numWorkers: 2 });
  const df = readCsv('weather.csv');
  const m: number = await df.filter(df.col('wind').gt(1)).col('wind').mean().compute();
  const rowsOut: number = (await df.groupby('weather').agg({ wind: 'max' }).compute()).numRows;
  return a + b + n + m + rowsOut;
}
`,
  );
  const tsc = join(root, 'node_modules/typescript-5.0/bin/tsc');
  // --skipLibCheck, as the notebook kernel (tslab) compiles: the public API returns apache-arrow
  // types, and apache-arrow's dependency flatbuffers ships .d.ts written for TypeScript >= 5.7
  // (generic typed arrays) that TS 5.0 rejects. Syntax errors in shoal's .d.ts are still reported,
  // and use.ts is still checked against shoal's declarations.
  const args = ['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'commonjs', '--moduleResolution', 'node', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), join(out, 'ts50/use.ts')];
  let output = '';
  try {
    execFileSync(process.execPath, [tsc, ...args], { encoding: 'utf8', cwd: join(out, 'ts50') });
  } catch (e) {
    output = String((e as { stdout?: string }).stdout ?? e);
  }
  expect(output).toBe('');
});
