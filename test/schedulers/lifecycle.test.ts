/**
 * Pools start lazily, are reused, never keep a program alive, and leave nothing running after
 * `shutdown()`, Ctrl-C, or the death of the parent. A worker that dies mid-task fails that compute
 * with an error naming the task and the worker, and is replaced.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, test } from 'vitest';
import { CancelledError, compute, delayed, moduleFunction, OptionError, shutdown, TimeoutError, warmup, WorkerDiedError } from '../../src/index.ts';
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

const spinForever = moduleFunction<() => never>(fixtures, 'spinForever');
const neverSettles = moduleFunction<() => Promise<never>>(fixtures, 'neverSettles');
const busyMs = moduleFunction<(ms: number) => number>(fixtures, 'sleepMs');
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'still pending'>((r) => setTimeout(() => r('still pending'), ms))]);

describe('shutdown() with work in flight', () => {
  test.each(['threads', 'processes'] as const)('a %s compute running when shutdown() stops the pool rejects at once with CancelledError naming its keys; a new compute starts new workers', async (scheduler) => {
    const opts = { scheduler, numWorkers: 2 };
    await warmup(opts);
    const pool = getPool(scheduler, 2);
    const oldWorkers = [...pool.workers];
    const xs = [delayed(busyMs, { name: 'long-a' })(30_000), delayed(busyMs, { name: 'long-b' })(30_001)];
    const pending = compute(...xs, opts).then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 300)); // both tasks are running
    const t0 = Date.now();
    await shutdown();
    const err = (await within(pending, 1000)) as CancelledError;
    expect(err).toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err.code).toBe('ERR_SHOAL_CANCELLED');
    expect(err.keys.sort()).toEqual(xs.map((x) => x.key).sort());
    expect(err.message).toContain(xs[0]!.key);
    expect(err.message).toContain(`shutdown() stopped the ${scheduler} pool`);
    expect(oldWorkers.some((w) => w.channel.running())).toBe(false);
    // The pool works again: a new one, with new workers.
    expect(await compute(delayed((x: number) => x + 1)(1), opts)).toEqual([2]);
    const fresh = getPool(scheduler, 2);
    expect(fresh).not.toBe(pool);
    expect(fresh.workers.some((w) => oldWorkers.includes(w))).toBe(false);
  });
});

describe('compute({ timeout })', () => {
  test.each(['threads', 'processes'] as const)('on %s: a runaway task rejects with TimeoutError at the deadline; its worker is replaced after the grace period; the pool keeps computing', async (scheduler) => {
    const opts = { scheduler, numWorkers: 2 };
    await warmup(opts);
    const pool = getPool(scheduler, 2);
    const replacedBefore = pool.replaced;
    const spin = delayed(spinForever, { name: 'runaway' })();
    const t0 = Date.now();
    const err = (await within(compute(spin, { ...opts, timeout: 0.4, cancelGracePeriod: 0.5 }).catch((e: unknown) => e), 5000)) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err.code).toBe('ERR_SHOAL_TIMEOUT');
    expect(err.keys).toEqual([spin.key]);
    expect(err.seconds).toBe(0.4);
    expect(err.message).toContain(spin.key);
    expect(err.message).toContain('timeout of 0.4 s');
    const stuck = pool.workers.find((w) => w.stopping.size > 0)!;
    expect(stuck).toBeDefined();
    // Meanwhile the other worker takes the work (nothing waits behind the runaway task).
    expect(await within(compute(delayed((x: number) => x * 2)(21), opts), 2000)).toEqual([42]);
    // The stuck worker is terminated and replaced: two live workers again, all of them working.
    expect(await waitFor(() => pool.replaced === replacedBefore + 1, 10_000)).toBe(true);
    expect(stuck.channel.running()).toBe(false);
    if (scheduler === 'processes') expect(await waitFor(() => !isAlive(stuck.channel.pid))).toBe(true);
    expect(pool.workers.filter((w) => w.alive)).toHaveLength(2);
    const xs = Array.from({ length: 8 }, (_, k) => delayed((x: number) => x + 100)(k));
    expect(await compute(...xs, opts)).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
  });

  test.each(['threads', 'processes'] as const)('on %s: a task that ends within the grace period frees its worker without a restart', async (scheduler) => {
    const opts = { scheduler, numWorkers: 2 };
    await warmup(opts);
    const pool = getPool(scheduler, 2);
    const replacedBefore = pool.replaced;
    const err = await compute(delayed(busyMs)(700), { ...opts, timeout: 0.2, cancelGracePeriod: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    // The worker says it stopped once its task returns: it takes tasks again, nobody is replaced.
    expect(await waitFor(() => pool.workers.every((w) => w.available), 5000)).toBe(true);
    expect(pool.replaced).toBe(replacedBefore);
    expect(await compute(...[1, 2, 3, 4].map((k) => delayed((x: number) => -x)(k)), opts)).toEqual([-1, -2, -3, -4]);
  });

  test('on sync: the deadline rejects a compute waiting on a task that never settles (synchronous code cannot be interrupted)', async () => {
    const err = (await within(delayed(neverSettles)().compute({ scheduler: 'sync', timeout: 0.2 }).catch((e: unknown) => e), 3000)) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.seconds).toBe(0.2);
    expect(await delayed((x: number) => x + 1)(1).compute({ scheduler: 'sync', timeout: 5 })).toBe(2);
  });

  test('a compute that finishes in time is unaffected; a bad timeout is named', async () => {
    expect(await delayed((x: number) => x + 1)(1).compute({ scheduler: 'threads', numWorkers: 2, timeout: 30 })).toBe(2);
    await expect(delayed((x: number) => x)(1).compute({ scheduler: 'threads', timeout: -1 })).rejects.toThrow(/timeout=-1: must be a number of seconds > 0/);
    await expect(delayed((x: number) => x)(1).compute({ scheduler: 'sync', timeout: 0 })).rejects.toThrow(OptionError);
    await expect(delayed((x: number) => x)(1).compute({ scheduler: 'sync', cancelGracePeriod: -2 })).rejects.toThrow(/cancelGracePeriod=-2/);
  });
});
