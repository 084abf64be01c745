/**
 * First contact, as a new user meets shoal:
 * - a fresh clone (the repository's files as git sees them: no dist/, node_modules linked): the
 *   README's `npx tsx` script importing from 'shoal' runs from the TypeScript sources with no
 *   build, and so do vitest and tsc;
 * - the published package: `npm pack` there (its prepack builds dist/), installed with
 *   `npm install ./shoal-*.tgz` into a project outside the repository, runs a .mjs with plain
 *   node, a .mts with that project's tsx (a .ts module function on threads and processes), and
 *   type-checks with `tsc --strict`, `skipLibCheck: false`, moduleResolution node16 and bundler.
 * npm installs from its cache first (filled by `npm ci`), from the registry otherwise.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tempDir } from './helpers.ts';

const repo = new URL('..', import.meta.url).pathname;
const tmp = tempDir();
const clone = join(tmp.dir, 'clone');
const user = join(tmp.dir, 'user');
afterAll(() => tmp.cleanup());

/** The environment without what `npm test` adds (npm_config_*, …): nested npm runs as a user's. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toLowerCase().startsWith('npm_')) env[k] = v;
  return env;
}

const run = promisify(execFile);
async function sh(cmd: string, args: string[], cwd: string, timeout = 120_000): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${x.message}\n${x.stdout ?? ''}\n${x.stderr ?? ''}`);
  }
}

beforeAll(() => {
  // What a clone has: the tracked files and new ones not ignored (so this tests the working tree).
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(repo, f))) continue; // deleted in the working tree
    if (f === 'node_modules') continue; // a linked node_modules is not ignored as a folder is
    mkdirSync(dirname(join(clone, f)), { recursive: true });
    cpSync(join(repo, f), join(clone, f));
  }
  // `npm ci` would make the same node_modules: reuse this one.
  symlinkSync(join(repo, 'node_modules'), join(clone, 'node_modules'), 'dir');
});

test('a fresh clone runs `npx tsx` scripts, vitest and tsc against the sources, with no build', async () => {
  expect(existsSync(join(clone, 'dist'))).toBe(false);
  writeFileSync(
    join(clone, 'examples/first-contact.ts'),
    `import { bag, delayed } from 'shoal';
const v: number = await bag.fromSequence([1, 2, 3, 4]).map((x) => x * 2).sum().compute({ scheduler: 'threads' });
const w: number = await delayed((x: number) => x + 1)(41).compute({ scheduler: 'processes' });
console.log(JSON.stringify({ v, w }));
`,
  );
  writeFileSync(
    join(clone, 'test/first-contact.test.ts'),
    `import { expect, test } from 'vitest';
import { array } from 'shoal';
test('shoal is the sources', async () => {
  expect(await array.arange(0, 10, 1, { chunks: 4 }).sum().compute({ scheduler: 'sync' })).toBe(45);
});
`,
  );
  // From a folder below the root too: tsx finds tsconfig.json upwards.
  writeFileSync(join(clone, 'examples/below.ts'), "import { delayed } from 'shoal';\nconsole.log(await delayed((x: number) => x * 2)(21).compute({ scheduler: 'sync' }));\n");
  // tsc resolves 'shoal' to the sources too (this config checks the new files and what they import).
  writeFileSync(join(clone, 'tsconfig.first-contact.json'), JSON.stringify({ extends: './tsconfig.json', include: [], files: ['examples/first-contact.ts', 'examples/below.ts', 'test/first-contact.test.ts'] }));
  const [script, below, tests] = await Promise.all([
    sh(join(clone, 'node_modules/.bin/tsx'), ['examples/first-contact.ts'], clone),
    sh(join(clone, 'node_modules/.bin/tsx'), ['below.ts'], join(clone, 'examples')),
    sh(process.execPath, [join(clone, 'node_modules/vitest/vitest.mjs'), 'run', 'test/first-contact.test.ts'], clone),
    sh(process.execPath, [join(clone, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.first-contact.json'], clone),
  ]);
  expect(JSON.parse(script)).toEqual({ v: 20, w: 42 });
  expect(below.trim()).toBe('42');
  expect(tests).toMatch(/1 passed/);
  expect(existsSync(join(clone, 'dist'))).toBe(false);
});

test('npm pack ships the build, installs into a project outside the repository, and runs and type-checks there', async () => {
  // --- pack: prepack builds dist/; only the runtime files go in.
  const packed = JSON.parse(await sh('npm', ['pack', '--json', '--pack-destination', tmp.dir], clone)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = packed[0]!.files.map((f) => f.path);
  for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/schedulers/thread-entry.js', 'dist/cli/main.js']) {
    expect(files).toContain(f);
  }
  expect(files.filter((f) => !/^(dist\/.*\.(js|d\.ts|js\.map)|package\.json|README\.md|LICENSE)$/.test(f))).toEqual([]);
  expect(files.some((f) => f.includes('/wasm/') || f.startsWith('src/') || f.startsWith('test/'))).toBe(false);
  const tgz = join(tmp.dir, packed[0]!.filename);

  // --- a project of the user's own, outside the repository, with only shoal installed.
  mkdirSync(user);
  writeFileSync(join(user, 'package.json'), JSON.stringify({ name: 'first-contact', private: true, type: 'module' }));
  writeFileSync(join(user, 'data.csv'), 'name,x\na,1\nb,2\na,3\nb,4\n');
  writeFileSync(join(user, 'cube.ts'), 'export const cube = (x: number): number => x * x * x;\n');
  const npmInstall = ['install', '--prefer-offline', '--no-audit', '--no-fund'];
  await sh('npm', [...npmInstall, tgz], user);
  const installed = join(user, 'node_modules/shoal');
  expect(existsSync(join(installed, 'dist/index.js'))).toBe(true);
  // Source maps carry their sources (src/ is not shipped).
  const map = JSON.parse(readFileSync(join(installed, 'dist/index.js.map'), 'utf8')) as { sourcesContent?: string[] };
  expect(map.sourcesContent?.[0]).toContain('export * as bag from');
  // tsx is an optional peer dependency: not installed with shoal, and asked for when needed.
  expect(existsSync(join(user, 'node_modules/tsx'))).toBe(false);
  writeFileSync(
    join(user, 'needs-tsx.mjs'),
    `import { delayed, moduleFunction } from 'shoal';
const cube = moduleFunction(new URL('./cube.ts', import.meta.url), 'cube');
try {
  console.log(JSON.stringify({ value: await delayed(cube)(3).compute({ scheduler: 'threads' }) }));
} catch (e) {
  console.log(JSON.stringify({ code: e.code, message: e.message }));
}
`,
  );

  // Plain node: bag, readCsv, array and Client compute real values.
  const computeAll = (ts: boolean) => `import { array, bag, Client, readCsv } from 'shoal';
const out${ts ? ': Record<string, number>' : ''} = {};
out.bag = await bag.fromSequence([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { npartitions: 3 }).map((x${ts ? ': number' : ''}) => x * x).sum().compute({ scheduler: 'threads' });
const df = readCsv(new URL('./data.csv', import.meta.url).pathname);
out.csvSum = await df.col('x').sum().compute({ scheduler: 'processes' });
out.csvMeanA = await df.filter(df.col('name').eq('a')).col('x').mean().compute();
out.array = ${ts ? '(' : ''}await array.arange(0, 100, 1, { chunks: 10 }).sum().compute()${ts ? ') as number' : ''};
const client = await Client.start({ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: null });
try {
  out.client = await client.submit((x${ts ? ': number' : ''}) => x + 1, 41);
} finally {
  await client.close();
}
`;
  const expected = { bag: 385, csvSum: 10, csvMeanA: 2, array: 4950, client: 42 };
  writeFileSync(join(user, 'use.mjs'), `${computeAll(false)}console.log(JSON.stringify(out));\n`);
  const [noTsx, plain] = await Promise.all([sh(process.execPath, ['needs-tsx.mjs'], user), sh(process.execPath, ['use.mjs'], user)]);
  const failure = JSON.parse(noTsx) as { code?: string; message: string };
  expect(failure.message).toContain('cube.ts');
  expect(failure.message).toContain('npm install --save-dev tsx');
  expect(JSON.parse(plain)).toEqual(expected);

  // --- the user adds tsx and Node's types (the versions this repository uses, so npm's cache has them).
  const version = (p: string) => (JSON.parse(readFileSync(join(repo, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version;
  await sh('npm', [...npmInstall, '--save-dev', `tsx@${version('tsx')}`, `@types/node@${version('@types/node')}`], user);
  writeFileSync(
    join(user, 'use.mts'),
    `import { delayed, moduleFunction } from 'shoal';
${computeAll(true)}const cube = moduleFunction<(x: number) => number>(new URL('./cube.ts', import.meta.url), 'cube');
for (const scheduler of ['threads', 'processes'] as const) out[\`cube on \${scheduler}\`] = await delayed(cube)(3).compute({ scheduler });
console.log(JSON.stringify(out));
`,
  );
  // tsc --strict against the published declarations, nothing skipped, beside the run.
  const tsc = join(repo, 'node_modules/typescript/bin/tsc');
  const checks = [['node16', 'node16'], ['esnext', 'bundler']].map(([module, moduleResolution]) => {
    const config = `tsconfig.${moduleResolution}.json`;
    writeFileSync(
      join(user, config),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', module, moduleResolution, types: ['node'] }, files: ['use.mts'] }),
    );
    return sh(process.execPath, [tsc, '-p', config], user);
  });
  const [withTsx] = await Promise.all([sh(join(user, 'node_modules/.bin/tsx'), ['use.mts'], user), ...checks]);
  expect(JSON.parse(withTsx)).toEqual({ ...expected, 'cube on threads': 27, 'cube on processes': 27 });
}, 180_000);
