/**
 * Worker processes of a cluster built to dist/ load no tsx, even when the program runs under tsx
 * (tsx's ESM loader thread costs 0.5-1 s per process), and register it the first time a task needs
 * a .ts module.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
// Inside node_modules so the build resolves the package's dependencies; removed afterwards.
const out = join(root, 'node_modules/.cache/shoal-dist-workers-test');

afterAll(() => rmSync(out, { recursive: true, force: true }));

test('a dist/ cluster started from a tsx program: workers without tsx until a .ts module is needed', () => {
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(out, 'dist')], { cwd: root });
  mkdirSync(join(out, 'user'));
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(out, 'user/m.ts'), 'export const twice = (x: number): number => x * 2;\n');
  writeFileSync(
    join(out, 'user/use.ts'),
    `import { Client, moduleFunction } from '../dist/index.js';
const client = await Client.start({ processes: true, nWorkers: 1, threadsPerWorker: 1, dashboardAddress: null });
const tsxIn = () => [process.execArgv.filter((a) => a.includes('tsx')), (globalThis as { __shoalTsx?: boolean }).__shoalTsx === true];
const before = await client.submit(tsxIn, { pure: false });
const twice = moduleFunction<(x: number) => number>(new URL('./m.ts', import.meta.url), 'twice');
const value = await client.submit(twice, 21);
const after = await client.submit(tsxIn, { pure: false });
console.log(JSON.stringify({ parentHasTsx: process.execArgv.some((a) => a.includes('tsx')), before, value, after }));
await client.close();
`,
  );
  const text = execFileSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(out, 'user/use.ts')], { encoding: 'utf8', timeout: 60_000 });
  expect(JSON.parse(text.trim().split('\n').pop()!)).toEqual({ parentHasTsx: true, before: [[], false], value: 42, after: [[], true] });
});
