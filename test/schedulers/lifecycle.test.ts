/**
 * Pools start lazily, are reused, never keep a program alive, and leave nothing running after
 * `shutdown()`, Ctrl-C, or the death of the parent. A worker that dies mid-task fails that compute
 * with an error naming the task and the worker, and is replaced.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, test } from 'vitest';
import { compute, delayed, moduleFunction, shutdown, warmup, WorkerDiedError } from '../../src/index.ts';
import { activePools, getPool } from '../../src/schedulers/index.ts';
import { isAlive, waitFor } from '../helpers.ts';

const fixtures = new URL('../fixtures/fns.ts', import.meta.url);
const exitWorker = moduleFunction<(code: number) => never>(fixtures, 'exitWorker');
const script = new URL('../fixtures/script.ts', import.meta.url).pathname;

afterAll(() => shutdown());

function runScript(args: string[], detached = false): { child: ChildProcess; firstLine: Promise<{ pids: number[] }>; output: () => string } {
  // `node --import tsx` (not the tsx CLI, which runs the script in a child of its own).
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const firstLine = new Promise<{ pids: number[] }>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(JSON.parse(line!));
    });
    child.once('exit', (code) => reject(new Error(`script exited (${code}) before printing: ${err}`)));
  });
  return { child, firstLine, output: () => out + err };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res(child.exitCode);
    else child.once('exit', (code) => res(code));
  });
}

describe('pool lifecycle', () => {
  test('pools start lazily and are reused across computes', async () => {
    await shutdown();
    expect(activePools()).toHaveLength(0);
    const f = delayed((x: number) => x + 1);
    await f(1).compute({ scheduler: 'processes', numWorkers: 2 });
    const pool = getPool('processes', 2);
    const pids = pool.workers.map((w) => w.channel.pid);
    await f(2).compute({ scheduler: 'processes', numWorkers: 2 });
    expect(getPool('processes', 2).workers.map((w) => w.channel.pid)).toEqual(pids);
  });

  test('shutdown() stops every worker thread and process', async () => {
    await warmup({ scheduler: 'processes', numWorkers: 2 });
    await warmup({ scheduler: 'threads', numWorkers: 2 });
    const pids = getPool('processes', 2).workers.map((w) => w.channel.pid);
    const channels = [...getPool('processes', 2).workers, ...getPool('threads', 2).workers].map((w) => w.channel);
    expect(pids.every(isAlive)).toBe(true);
    expect(channels.every((c) => c.running())).toBe(true);
    await shutdown();
    expect(activePools()).toHaveLength(0);
    expect(channels.some((c) => c.running())).toBe(false);
    expect(await waitFor(() => !pids.some(isAlive))).toBe(true);
    // And they come back on next use.
    expect(await delayed((x: number) => 2 * x)(4).compute({ scheduler: 'threads', numWorkers: 2 })).toBe(8);
  });

  test.each(['threads', 'processes'])('a script using %s ends by itself once its work is done', async (scheduler) => {
    const { child, firstLine, output } = runScript([scheduler, 'quick']);
    const { pids } = await firstLine;
    const code = await Promise.race([exited(child), new Promise((r) => setTimeout(() => r('hung'), 20_000))]);
    expect(code, output()).toBe(0);
    expect(output()).toContain('"result":[0,1,4,9,16,25,36,49,64,81]');
    if (scheduler === 'processes') expect(await waitFor(() => !pids.some(isAlive))).toBe(true);
  });

  test('Ctrl-C (SIGINT to the process group) leaves no worker process running', async () => {
    const { child, firstLine } = runScript(['processes', 'long'], true);
    const { pids } = await firstLine;
    expect(pids.every(isAlive)).toBe(true);
    await new Promise((r) => setTimeout(r, 300)); // the long tasks are running
    process.kill(-child.pid!, 'SIGINT');
    await exited(child);
    expect(await waitFor(() => !pids.some(isAlive))).toBe(true);
  });

  test('if the parent is killed outright, its worker processes exit', async () => {
    const { child, firstLine } = runScript(['processes', 'long']);
    const { pids } = await firstLine;
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await exited(child);
    // A busy worker notices the closed channel once its current task yields; ours sleep 60 s in a
    // busy loop, so wait for them with a generous bound and kill leftovers to keep CI clean.
    const gone = await waitFor(() => !pids.some(isAlive), 5_000);
    for (const p of pids) if (isAlive(p)) process.kill(p, 'SIGKILL');
    expect(gone).toBe(true);
  });
});

describe('worker death', () => {
  test.each(['processes', 'threads'] as const)('a %s worker that dies mid-task fails the compute naming task and worker, and is replaced', async (scheduler) => {
    const opts = { scheduler, numWorkers: 2 };
    await warmup(opts);
    const pool = getPool(scheduler, 2);
    const replacedBefore = pool.replaced;
    const doomed = delayed(exitWorker, { name: 'doomed' })(3);
    const err = (await compute(doomed, opts).catch((e: unknown) => e)) as WorkerDiedError;
    expect(err).toBeInstanceOf(WorkerDiedError);
    expect(err.key).toBe(doomed.key);
    expect(err.message).toContain(doomed.key);
    expect(err.message).toMatch(scheduler === 'processes' ? /process-\d+ \(pid \d+\)/ : /thread-\d+/);
    expect(err.message).toContain('exit code 3');
    expect(pool.replaced).toBe(replacedBefore + 1);
    // The pool is whole again and works.
    const xs = Array.from({ length: 8 }, (_, k) => delayed((x: number) => x + 100)(k));
    expect(await compute(...xs, opts)).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
    expect(pool.workers.filter((w) => w.alive)).toHaveLength(2);
  });
});
