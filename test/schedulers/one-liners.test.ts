/**
 * Short programs, as a user writes them, run as their own processes: a script that finishes prints
 * nothing it did not ask for (no IPC stack from a worker that booted or reported after its parent
 * left), and `node -e` / `node -p` / `tsx -e` one-liners compute on every scheduler without their
 * workers re-running the user's code, then exit with nothing left running.
 *
 * Most programs import the compiled package with plain node (a build here, as the package test
 * does): a run then costs a fraction of a CPU-second, where tsx from the sources costs several.
 * `tsx -e` runs from the sources, as its users do.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { pidsWithEnv, waitFor } from '../helpers.ts';

const root = new URL('../..', import.meta.url).pathname;
const out = join(root, 'test-artifacts', `one-liners-${process.pid}`);
const pkg = join(out, 'dist/index.js');
const pkgSchedulers = join(out, 'dist/schedulers/index.js');
const src = new URL('../../src/index.ts', import.meta.url).href;
const tsxCli = `${root}node_modules/.bin/tsx`;
const MARK = 'SHOAL_TEST_ONE_LINER';

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(out, 'dist')], { cwd: root });
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Ran {
  code: number | null | 'hung';
  stdout: string;
  stderr: string;
  marker: string;
}

/**
 * Run a program to its end: until every process holding its stdout/stderr has closed them (its
 * workers inherit both, so what they print after the program exits is counted too). Every process
 * it started carries a marker in its environment, to find strays by.
 */
function run(cmd: string, args: string[], ms = 60_000): Promise<Ran> {
  const marker = randomUUID();
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [MARK]: marker } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      for (const pid of pidsWithEnv(MARK, marker)) process.kill(pid, 'SIGKILL');
      resolve({ code: 'hung', stdout, stderr, marker });
    }, ms);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, marker });
    });
  });
}

/** Run `n` programs, at most `parallel` at a time. */
async function runMany(n: number, parallel: number, start: () => Promise<Ran>): Promise<Ran[]> {
  const out: Ran[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        next++;
        out.push(await start());
      }
    }),
  );
  return out;
}

const started: string[] = [];
afterEach(async () => {
  // Nothing a test started may outlive it (and a regression must not leave load behind).
  const strays = started.flatMap((m) => pidsWithEnv(MARK, m));
  for (const pid of strays) process.kill(pid, 'SIGKILL');
  started.length = 0;
  expect(strays).toEqual([]);
});

/**
 * A program as a user writes it, importing the compiled package: compute, print, end (no
 * shutdown, no close). Every one starts with a guard: a worker process that runs it (the `-e`
 * bug: workers re-ran the caller's code) says so and stops, instead of starting workers of its own,
 * which would start workers of their own... (a regression must fail, not fork without bound).
 */
const GUARD = `if (process.env.SHOAL_WORKER_NAME) { console.log('re-run by ' + process.env.SHOAL_WORKER_NAME); process.exit(0); }`;
const script = (body: string) => `${GUARD}\nconst s = await import(${JSON.stringify(pkg)});\n${body}`;
const oneTask = (scheduler: string, extra = '') =>
  script(`console.log(await s.delayed((x) => x + 1)(41).compute({ scheduler: '${scheduler}'${extra} }));`);
const onClient = script(
  `const client = await s.Client.start({ nWorkers: 2, dashboardAddress: null });
   console.log(await s.delayed((x) => x + 1)(41).compute());`,
);
const evalModule = (body: string) => ['--input-type=module', '-e', body];

/** Run the program `body` as a script file `n` times, `parallel` at a time: quiet every time. */
async function expectQuiet(n: number, parallel: number, name: string, body: string): Promise<void> {
  const file = join(out, `${name}.mjs`);
  writeFileSync(file, body);
  const runs = await runMany(n, parallel, () => run(process.execPath, [file]));
  started.push(...runs.map((r) => r.marker));
  const bad = runs.filter((r) => r.code !== 0 || r.stdout !== '42\n' || r.stderr !== '');
  expect(bad.map((r) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr.slice(0, 400) }))).toEqual([]);
  expect(runs).toHaveLength(n);
}

describe('a script that finishes prints nothing it did not ask for', () => {
  test('processes: 50 runs of a one-task compute, stdout is the answer and stderr is empty every time', async () => {
    // One task: the answer can arrive before the other worker has booted, which then finds its
    // parent gone (before the fix about one run in eight printed an ERR_IPC_CHANNEL_CLOSED or
    // EPIPE stack here).
    await expectQuiet(50, 3, 'one-task-processes', oneTask('processes'));
  }, 300_000);

  test('processes: a pool whose program ends while its workers are still booting', async () => {
    // The same race made certain: four workers start, the program ends at once (the pool is
    // unref'd), and every worker boots into a closed channel.
    const file = join(out, 'booting.mjs');
    writeFileSync(file, `${GUARD}\nconst { getPool } = await import(${JSON.stringify(pkgSchedulers)});\ngetPool('processes', 4).ensure();\nconsole.log(42);`);
    const runs = await runMany(3, 3, () => run(process.execPath, [file]));
    started.push(...runs.map((r) => r.marker));
    for (const r of runs) expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '42\n', stderr: '' });
  }, 120_000);

  test('threads, and a LocalCluster through a Client: 10 runs each, quiet', async () => {
    await expectQuiet(10, 3, 'one-task-threads', oneTask('threads'));
    await expectQuiet(10, 3, 'one-task-client', onClient);
  }, 300_000);
});

describe('one-liners: workers start from shoal\'s entry, never from the caller\'s code', () => {
  // CommonJS one-liners load the package with import().
  const cjs = (scheduler: string, from = pkg) =>
    `${GUARD} import(${JSON.stringify(from)}).then((s) => s.delayed((x) => x + 1)(41).compute({ scheduler: '${scheduler}', numWorkers: 2 })).then((v) => console.log(v))`;
  const cases: Array<[string, string, string[]]> = [
    ['node --input-type=module -e', 'processes', evalModule(oneTask('processes', ', numWorkers: 2'))],
    ['node -e', 'processes', ['-e', cjs('processes')]],
    ['node --eval=', 'processes', [`--eval=${cjs('processes')}`]],
    ['node -p', 'processes', ['-p', `${cjs('processes')}, ''`]],
    ['node -e', 'threads', ['-e', cjs('threads')]],
    // A thread inherits --input-type: started from its file it failed ("can only be used with string input").
    ['node --input-type=module -e', 'threads', evalModule(oneTask('threads', ', numWorkers: 2'))],
    ['node --input-type=module -e', 'a LocalCluster of processes', evalModule(`${onClient}\nawait client.close();`)],
    ['node --import tsx -e (the sources)', 'processes', ['--import', 'tsx', '-e', cjs('processes', src)]],
  ];
  test.each(cases)('%s on %s', async (_how, _where, args) => {
    const r = await run(process.execPath, args, 45_000);
    started.push(r.marker);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // The answer only: a worker that re-ran the program says so (see GUARD), or the run hangs.
    expect(r.stdout.trim()).toBe('42');
    expect(await waitFor(() => pidsWithEnv(MARK, r.marker).length === 0, 5_000)).toBe(true);
  }, 60_000);

  test.each(['processes', 'threads'])('npx tsx -e on %s (the sources)', async (scheduler) => {
    const r = await run(tsxCli, ['-e', cjs(scheduler, src)], 45_000);
    started.push(r.marker);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '42\n', stderr: '' });
    expect(await waitFor(() => pidsWithEnv(MARK, r.marker).length === 0, 5_000)).toBe(true);
  }, 60_000);
});
