/**
 * The built package works for a plain JavaScript user: `npm run build`'s output (dist/ with
 * .d.ts) runs inline and module functions on every scheduler, from outside TypeScript tooling.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'acorn';
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

/** Every file under `dir` ending in `ext`, relative to `dir`. */
function filesIn(dir: string, ext: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext) && statSync(join(dir, f)).isFile())
    .sort();
}

test('the declarations a consumer reads (reachable from index.d.ts) import no package but apache-arrow', () => {
  // Runs after the build above. ioredis's and bullmq's own .d.ts fail a consumer's strict check
  // (TS7016 on 'redis-errors'); dev-only typings (@types/papaparse, @types/ndarray) are not
  // installed with shoal. apache-arrow is a dependency whose types are the public API's.
  const dist = join(out, 'dist');
  const strip = (t: string) => t.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const reached = new Map<string, string>([[join(dist, 'index.d.ts'), 'index.d.ts']]);
  const packages: string[] = [];
  for (const [file, chain] of reached) {
    for (const m of strip(readFileSync(file, 'utf8')).matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec).replace(/\.(ts|js)$/, '.d.ts');
        if (!reached.has(target)) reached.set(target, `${relative(dist, target)} <- ${chain}`);
      } else if (!spec.startsWith('node:') && spec !== 'apache-arrow') packages.push(`'${spec}' in ${chain}`);
    }
  }
  expect(reached.size).toBeGreaterThan(50);
  expect(packages).toEqual([]);
});

test("package.json's sideEffects lists exactly the modules that do something when imported", () => {
  // Runs after the build above. A bundler may drop a module listed nowhere if nothing uses its
  // exports: right for pure modules, wrong for those that register ops or tokenizers, or start
  // a worker or the CLI. Such a module has top-level statements beyond declarations (a call,
  // a loop) or a declaration initialised by a registration call.
  const dist = join(out, 'dist');
  const registers = /^(defineOps|registerTokenizer|registerScheduler|registerCallback)$/;
  type Node = { type: string; [k: string]: unknown };
  const effectful = (s: Node): boolean => {
    const d = (s.type === 'ExportNamedDeclaration' || s.type === 'ExportDefaultDeclaration' ? s.declaration : s) as Node | null;
    if (!d) return false;
    if (d.type === 'ExpressionStatement') {
      const e = d.expression as Node;
      // `void kernels;` only keeps an import (whose module is then listed itself).
      return !(e.type === 'UnaryExpression' && e.operator === 'void' && (e.argument as Node).type === 'Identifier');
    }
    if (d.type === 'VariableDeclaration') {
      return (d.declarations as Node[]).some((v) => {
        const init = v.init as Node | null;
        return init?.type === 'CallExpression' && (init.callee as Node).type === 'Identifier' && registers.test((init.callee as { name: string }).name);
      });
    }
    return /^(If|For|ForIn|ForOf|While|DoWhile|Try|Block|Switch|Labeled|Throw)Statement$/.test(d.type);
  };
  const withEffects = filesIn(dist, '.js')
    .filter((f) => ((parse(readFileSync(join(dist, f), 'utf8'), { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as { body: Node[] }).body).some(effectful))
    .map((f) => `./dist/${f}`);
  expect(withEffects).toContain('./dist/schedulers/builtin-ops.js');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { sideEffects: string[] };
  expect([...pkg.sideEffects].sort()).toEqual(withEffects);
});

test("import 'shoal' loads none of the parts only some programs use", () => {
  // Runs after the build above. Node's loader hooks see every module an import pulls in; the
  // packages below are loaded on first use (import() or lazyDependency), never by the import.
  const log = join(out, 'loaded.txt');
  writeFileSync(join(out, 'log-hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.SHOAL_LOAD_LOG, url + '\\n');
  return next(url, context);
}
`);
  writeFileSync(join(out, 'log-register.mjs'), "import { register } from 'node:module';\nregister('./log-hooks.mjs', import.meta.url);\n");
  writeFileSync(join(out, 'just-import.mjs'), "import * as shoal from './dist/index.js';\nconsole.log(typeof shoal.bag.fromSequence);\n");
  rmSync(log, { force: true });
  const printed = execFileSync(process.execPath, ['--import', join(out, 'log-register.mjs'), join(out, 'just-import.mjs')], { encoding: 'utf8', env: { ...process.env, SHOAL_LOAD_LOG: log } });
  expect(printed.trim()).toBe('function');
  const packages = new Set([...readFileSync(log, 'utf8').matchAll(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((m) => m[1]!));
  expect(packages.has('apache-arrow')).toBe(true); // the log works: this one is loaded (README: why)
  const lazy = ['vega', 'vega-lite', '@resvg/resvg-js', '@hpcc-js/wasm-graphviz', 'bullmq', 'ioredis', 'papaparse', 'tinyglobby', 'ndarray', 'tsx'];
  expect(lazy.filter((p) => packages.has(p))).toEqual([]);
});
