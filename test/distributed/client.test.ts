/**
 * Client and LocalCluster with real worker processes and threads: the Futures API (after Dask's
 * test_client.py), the client as default scheduler, locality, refcounts and clean shutdown.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asCompleted, CancelledError, Client, compute, delayed, DoneFuture, Future, LocalCluster, moduleFunction, TaskError, TimeoutError, wait, type Delayed } from '../../src/index.ts';
import { defaultWorkers } from '../../src/distributed/local-cluster.ts';
import type { GraphNode } from '../../src/graph/types.ts';
import { isAlive, tempDir, waitFor } from '../helpers.ts';
import type { ClusterLike } from '../../src/distributed/client-keys.ts';
import type { TestRedis } from '../redis/redis-server.ts';
import { startRedisCluster } from '../redis/workers.ts';
import { needs } from '../system-parts.ts';

const fx = new URL('./fixtures.ts', import.meta.url);
const shared = new URL('../fixtures/fns.ts', import.meta.url);
const countedSquare = moduleFunction<(file: string, x: number) => number>(shared, 'countedSquare');
const sleepMs = moduleFunction<(ms: number, v: number) => Promise<number>>(fx, 'sleepMs');
const flaky = moduleFunction<(file: string, failures: number, v: number) => number>(fx, 'flaky');

/** Worker ids as the scheduler names them: LocalCluster's, or a Redis-joined worker's slots. */
const WORKER_ID = /^(worker-\d+|w[0-9a-f]{8}\.\d+)$/;

describe.each([
  ['processes', true],
  ['threads', false],
  // Two `shoal worker` processes joined through a real redis-server: the same cases.
  ['Redis-joined workers', 'redis'],
] as const)('LocalCluster with %s', (_kind, processes) => {
  // The Redis-joined case needs redis-server: without it, skipped with the command that installs it,
  // or failing under CI.
  const { test, beforeAll, afterAll } = needs(...(processes === 'redis' ? (['redis-server'] as const) : []));
  let cluster: ClusterLike;
  let client: Client<ClusterLike>;
  let redis: TestRedis | undefined;
  let rc: Awaited<ReturnType<typeof startRedisCluster>> | undefined;
  beforeAll(async () => {
    if (processes === 'redis') {
      rc = await startRedisCluster([0, 1].map((i) => ['--nthreads', '1', '--memory-limit', '1GiB', '--name', `w${i}`]));
      ({ redis, client } = rc);
      cluster = client.cluster;
      return;
    }
    cluster = await LocalCluster.start({ processes, nWorkers: 2, threadsPerWorker: 1, dashboardAddress: null, memoryLimit: '1GiB' });
    client = new Client(cluster);
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await cluster?.close();
    await rc?.stop();
  });

  test('String(cluster) and String(client) print like Dask', () => {
    if (processes === 'redis') {
      expect(String(cluster)).toMatch(/^RedisCluster\(redis:\/\/127\.0\.0\.1:\d+, workers=2, threads=2, memory=2\.00 GiB\)$/);
      expect(String(client)).toBe(`<Client: 'redis://127.0.0.1:${redis!.port}' processes=2 threads=2, memory=2.00 GiB>`);
    } else {
      expect(String(cluster)).toMatch(/^LocalCluster\([0-9a-f]{8}, workers=2, threads=2, memory=2\.00 GiB\)$/);
      expect(String(client)).toBe('<Client: processes=2 threads=2, memory=2.00 GiB>');
    }
    expect(cluster.workers).toHaveLength(2);
    for (const w of cluster.workers) expect(w).toMatchObject({ nthreads: 1, memoryLimit: 2 ** 30 });
  });

  test('submit, dependencies between futures, map, gather', async () => {
    const a = client.submit((x: number) => x + 1, 10);
    const b = client.submit((x: number, y: number) => x * y, a, 2);
    expect(await b).toBe(22);
    expect(a.status).toBe('finished');
    expect(await a.result()).toBe(11);
    const fs = client.map((x: number) => x * x, [1, 2, 3, 4]);
    expect(await client.gather(fs)).toEqual([1, 4, 9, 16]);
    // Futures nested in arrays/objects are replaced by their values on the worker.
    const c = client.submit((o: { xs: number[]; k: number }) => o.xs.reduce((s, x) => s + x, 0) * o.k, { xs: fs, k: a });
    expect(await c).toBe(30 * 11);
    // Pure by default: the same call is the same key, computed once.
    expect(client.submit((x: number) => x + 1, 10).key).toBe(a.key);
    expect(client.submit((x: number) => x + 1, 10, { pure: false }).key).not.toBe(a.key);
    expect(client.submit((x: number) => x + 1, 10, { key: 'mine' }).key).toBe('mine');
  });

  test('the client is the default scheduler of compute(); a per-call scheduler wins', async () => {
    const workers = new Set<string>();
    const x = delayed((v: number) => v * 2, { name: 'dbl' })(21);
    expect(await x.compute({ callbacks: [{ posttask: (_k, info) => workers.add(info.worker) }] })).toBe(42);
    expect([...workers].every((w) => WORKER_ID.test(w))).toBe(true);
    const names: string[] = [];
    expect(await x.compute({ scheduler: 'sync', callbacks: [{ start: (i) => names.push(i.scheduler) }] })).toBe(42);
    expect(names).toEqual(['sync']);
    const [p, q] = await compute(x.add(1), x.sub(1), { callbacks: [{ start: (i) => names.push(i.scheduler) }] });
    expect([p, q, names[1]]).toEqual([43, 41, 'distributed']);
  });

  test('client.compute → Future of the collection; persist keeps results on the workers', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'calls.txt');
      writeFileSync(file, '');
      const sq = delayed(countedSquare)(file, 7);
      const f = client.compute(delayed([sq, sq.add(1), 'lit']));
      expect(f).toBeInstanceOf(Future);
      expect(await f).toEqual([49, 50, 'lit']);
      const y = client.persist(sq.add(100));
      expect(await y.mul(2).compute()).toBe(298);
      expect(await y.compute()).toBe(149);
      const calls = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
      expect(calls).toBeLessThanOrEqual(2); // once for f, once for the persisted branch at most
      await y.mul(3).compute();
      expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).length).toBe(calls); // not recomputed
    } finally {
      cleanup();
    }
  });

  test('scatter, with broadcast, then use in tasks', async () => {
    const data = new Float64Array(1000).map((_, i) => i);
    const [f] = client.scatter([data]);
    expect(await client.submit((a: Float64Array) => a.length + a[999]!, f!)).toBe(1999);
    const g = client.scatter({ big: 'object', n: 3 }, { broadcast: true });
    await g.whenDone();
    expect(cluster.server.state.whoHas(g.key)).toHaveLength(2);
    expect(await client.gather(g)).toEqual({ big: 'object', n: 3 });
  });

  test('asCompleted yields in completion order; wait FIRST_COMPLETED / ALL_COMPLETED', async () => {
    const fs = [300, 10].map((ms) => client.submit(sleepMs, ms, ms, { pure: false }));
    const order: number[] = [];
    for await (const f of asCompleted(fs)) {
      expect(f).toBeInstanceOf(DoneFuture); // the same key as a Future, but not a thenable
      expect(fs.map((g) => g.key)).toContain(f.key);
      expect(f.status).toBe('finished');
      expect(await f).toBe(f); // awaiting it gives itself, as its type says
      order.push(await f.result());
    }
    expect(order).toEqual([10, 300]);
    const gs = [200, 5].map((ms) => client.submit(sleepMs, ms, ms, { pure: false }));
    const first = await wait(gs, { returnWhen: 'FIRST_COMPLETED' });
    expect(first.done.has(gs[1]!)).toBe(true);
    const all = await wait(gs);
    expect([all.done.size, all.notDone.size]).toEqual([2, 0]);
    const pairs: Array<[DoneFuture<number>, number]> = [];
    for await (const [f, v] of asCompleted(client.map((x: number) => x + 1, [1, 2]), { withResults: true })) {
      expect(await client.gather(f)).toBe(v); // a DoneFuture is accepted wherever a Future is
      pairs.push([f, v]);
    }
    expect(pairs.map((p) => p[1]).sort()).toEqual([2, 3]);
  });

  test('cancel: the future is cancelled and its work stopped', async () => {
    const f = client.submit(sleepMs, 2000, 1, { pure: false });
    await client.cancel([f]);
    expect(f.status).toBe('cancelled');
    await expect(f.result()).rejects.toBeInstanceOf(CancelledError);
    await waitFor(() => cluster.server.state.stateOf(f.key) === 'forgotten');
    expect(cluster.server.state.stateOf(f.key)).toBe('forgotten');
  });

  test('results are released when no Future references them (release, and garbage collection)', async () => {
    const before = cluster.workers.reduce((n, w) => n + w.memory, 0);
    const f = client.submit((x: number) => new Float64Array(x), 1000, { pure: false });
    await f;
    const key = f.key;
    expect(cluster.server.state.stateOf(key)).toBe('memory');
    expect(cluster.server.state.tasks.get(key)!.nbytes).toBe(8000); // exact bytes of the result
    f.release();
    expect(cluster.server.state.stateOf(key)).toBe('forgotten');
    // Workers report what they hold: back to where it was.
    expect(await waitFor(() => cluster.workers.reduce((n, w) => n + w.memory, 0) <= before)).toBe(true);
    // Garbage collection of the last Future releases it too.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const make = () => {
      const h = client.submit((x: number) => x * 3, 5, { pure: false });
      return { key2: h.key, value: client.gather(h) };
    };
    const { key2, value } = make();
    expect(await value).toBe(15);
    const ok = await waitFor(() => {
      gc();
      return cluster.server.state.stateOf(key2) === 'forgotten';
    }, 5000);
    expect(ok).toBe(true);
  });

  test('two clients on one cluster: a key stays while either wants it; a cancelled input is refused', async () => {
    const other = new Client(cluster);
    try {
      const mine = client.submit((x: number) => x * 7, 6);
      const theirs = other.submit((x: number) => x * 7, 6);
      expect(mine.key).toBe(theirs.key);
      expect([await mine, await theirs]).toEqual([42, 42]);
      mine.release();
      expect(cluster.server.state.stateOf(theirs.key)).toBe('memory');
      expect(await theirs.result()).toBe(42);
      const gone = other.submit(sleepMs, 1000, 1, { pure: false });
      await gone.cancel();
      expect(() => other.submit((x: number) => x, gone)).toThrow(CancelledError);
    } finally {
      await other.close();
    }
    // The first client is the default scheduler again.
    const names: string[] = [];
    await delayed((v: number) => v)(1).compute({ callbacks: [{ start: (i) => names.push(i.scheduler) }] });
    expect(names).toEqual(['distributed']);
  });

  test('a user exception arrives with name, message and remote stack; the cluster stays usable', async () => {
    const bad = client.submit(function explode(x: number) {
      if (x > 1) throw new RangeError(`too big: ${x}`);
      return x;
    }, 5);
    const err = (await bad.exception()) as TaskError;
    expect(bad.status).toBe('error');
    expect(err).toBeInstanceOf(TaskError);
    expect([err.key, err.remoteName, err.remoteMessage]).toEqual([bad.key, 'RangeError', 'too big: 5']);
    expect(err.remoteStack).toContain('explode');
    await expect(bad.result()).rejects.toThrow(/too big: 5/);
    // Dependents fail with the same error; the cluster goes on.
    await expect(client.submit((x: number) => x, bad)).rejects.toBeInstanceOf(TaskError);
    expect(await client.submit((x: number) => x - 1, 5)).toBe(4);
  });

  test('retries re-run a task that throws', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'n');
      expect(await client.submit(flaky, file, 2, 42, { retries: 2 })).toBe(42);
      const file2 = join(dir, 'm');
      await expect(client.submit(flaky, file2, 2, 42, { retries: 1 }).result()).rejects.toThrow(/flaky failure 2/);
    } finally {
      cleanup();
    }
  });

  test('data locality: chains stay on their worker; a task with inputs on two workers moves one', async () => {
    const t0 = cluster.server.transfers;
    const ends = Array.from({ length: 8 }, (_, c) => {
      let x = delayed((v: number) => v + 1)(c);
      for (let k = 0; k < 20; k++) x = delayed((v: number) => v + 1)(x);
      return x;
    });
    expect(await compute(...ends, { fuse: false })).toEqual(Array.from({ length: 8 }, (_, c) => c + 21));
    expect(cluster.server.transfers - t0).toBe(0);
    const [w1, w2] = cluster.workers.map((w) => w.id);
    const [a] = client.scatter([1], { workers: [w1!] });
    const [b] = client.scatter([2], { workers: [w2!] });
    await wait([a!, b!]);
    expect([cluster.server.state.whoHas(a!.key), cluster.server.state.whoHas(b!.key)]).toEqual([[w1], [w2]]);
    const t1 = cluster.server.transfers;
    expect(await client.submit((x: number, y: number) => x + y, a, b)).toBe(3);
    expect(cluster.server.transfers - t1).toBe(1);
  });

  test('conformance: diamond, shared intermediates once, module functions (async too), function arguments', async () => {
    const a = delayed((v: number) => v * 2, { name: 'a' })(5);
    const b = delayed((v: number) => v + 1, { name: 'b' })(a);
    const c = delayed((v: number) => v - 1, { name: 'c' })(a);
    expect(await delayed((p: number, q: number) => p * q, { name: 'd' })(b, c).compute()).toBe(11 * 9);
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'calls.txt');
      writeFileSync(file, '');
      const j = delayed(countedSquare)(file, 4);
      expect(await compute(...Array.from({ length: 6 }, (_, k) => j.add(k)))).toEqual([16, 17, 18, 19, 20, 21]);
      expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    } finally {
      cleanup();
    }
    const xs = Array.from({ length: 20 }, (_, k) => delayed(sleepMs)(1, k * k));
    expect(await compute(...xs)).toEqual(Array.from({ length: 20 }, (_, k) => k * k));
    const apply = (f: (x: number) => number, x: number) => f(x);
    expect(await delayed(apply)((x: number) => x * 3, 5).compute()).toBe(15);
    const p = delayed(apply, { name: 'p' })((x: number) => x + 1, 1);
    const q = delayed(apply, { name: 'q' })((x: number) => x * 10, p);
    expect(await q.compute({ fuse: true })).toBe(20);
    expect(await q.compute({ fuse: false })).toBe(20);
  });

  test('conformance: callbacks see start, pretask before posttask once per task, finish; inputs end before dependents start', async () => {
    const events: string[] = [];
    const infos = new Map<string, { worker: string; start: number; end: number }>();
    let started = 0;
    let finished = 0;
    const cb = {
      start: (info: { scheduler: string; tasks: number }) => {
        started++;
        expect(info.scheduler).toBe('distributed');
        expect(info.tasks).toBe(7);
      },
      pretask: (key: string) => events.push(`pre:${key}`),
      posttask: (key: string, info: { worker: string; start: number; end: number }) => {
        events.push(`post:${key}`);
        infos.set(key, info);
      },
      finish: () => finished++,
    };
    const a = delayed((x: number) => x + 1, { name: 'a' })(1);
    const bs = [0, 1, 2, 3].map((k) => delayed((x: number, m: number) => x * m, { name: `b${k}` })(a, k));
    const c = delayed((xs: number[]) => xs.length, { name: 'c' })(bs);
    const d = delayed((x: number) => -x, { name: 'd' })(c);
    expect(await d.compute({ callbacks: [cb], fuse: false })).toBe(-4);
    expect([started, finished]).toEqual([1, 1]);
    for (const x of [a, ...bs, c, d]) {
      expect(events.filter((e) => e === `pre:${x.key}`)).toHaveLength(1);
      expect(events.indexOf(`pre:${x.key}`)).toBeLessThan(events.indexOf(`post:${x.key}`));
      expect(infos.get(x.key)!.worker).toMatch(WORKER_ID);
    }
    for (const b of bs) expect(infos.get(a.key)!.end).toBeLessThanOrEqual(infos.get(b.key)!.start + 5);
    for (const b of bs) expect(infos.get(b.key)!.end).toBeLessThanOrEqual(infos.get(c.key)!.start + 5);
  });

  test('property: random graphs give the same results on the cluster as on sync', async () => {
    const dag = fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(dag, fc.boolean(), async (nodes, fuse) => {
        const xs: Delayed<number>[] = [delayed((v: number) => v + 1, { name: 'seed' })(1)];
        for (const [a, b, op] of nodes) {
          const p = xs[a % xs.length]!;
          const q = xs[b % xs.length]!;
          xs.push(op === 0 ? p.add(q) : op === 1 ? p.mul(q).mod(1_000_003) : delayed((u: number, v: number) => (u * 31 + v) % 1_000_003, { name: 'mix' })(p, q));
        }
        const outs = xs.filter((_, i) => i % 3 === 0 || i === xs.length - 1);
        const expected = await compute(...outs, { scheduler: 'sync' });
        expect(await compute(...outs, { fuse })).toEqual(expected);
      }),
      { numRuns: 8 },
    );
  });

  test('conformance: raw graph, nested outputs, 10,000-task chain, typed arrays, unclonable results', async () => {
    const { data, ref, task } = await import('../../src/graph/types.ts');
    const g = new Map<string, GraphNode>([
      ['a', data('a', 1)],
      ['b', data('b', 2)],
      ['c', task('c', { kind: 'op', name: 'add' }, [ref('a'), ref('b')])],
      ['d', task('d', { kind: 'op', name: 'list' }, [{ x: ref('c'), ys: [ref('a'), [ref('b'), 7]] }, 'lit'])],
      ['e', { kind: 'alias' as const, key: 'e', target: 'd' }],
    ]);
    const [c, d, e, a] = await client.get(g, ['c', 'd', 'e', 'a']);
    expect([c, d, e, a]).toEqual([3, [{ x: 3, ys: [1, [2, 7]] }, 'lit'], [{ x: 3, ys: [1, [2, 7]] }, 'lit'], 1]);
    let x = delayed((v: number) => v + 1)(0);
    for (let i = 1; i < 10_000; i++) x = delayed((v: number) => v + 1)(x);
    expect(await x.compute({ fuse: false })).toBe(10_000);
    expect(await x.compute()).toBe(10_000);
    const out = (await delayed((arr: Float64Array) => arr.map((v) => v * 2))(new Float64Array([1, 2, 3])).compute()) as Float64Array;
    expect(out).toBeInstanceOf(Float64Array);
    expect([...out]).toEqual([2, 4, 6]);
    const err = await delayed(() => ({ fn: () => 1 }), { name: 'makesfn' })().compute().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as Error).message).toMatch(/cannot be sent between threads\/processes: .*[^.]\. Return plain data/);
    const k = 2;
    const closure = (await delayed((v: number) => v * k)(1).compute().then(() => new Error('no error'), (e: unknown) => e)) as Error;
    expect(closure.message).toMatch(/uses 'k' from outside the function, and the 'distributed' scheduler's workers do not share this scope/);
    // Errors inside a fused chain name the failing step.
    const ok = delayed((v: number) => v + 1, { name: 'ok' })(1);
    const boom = delayed((v: number) => {
      if (v > 0) throw new TypeError('step failed');
      return v;
    }, { name: 'boom' })(ok);
    const last = delayed((v: number) => v, { name: 'last' })(boom);
    const fe = (await last.compute().catch((e: unknown) => e)) as TaskError;
    expect(fe.key).toBe(boom.key);
  });
});

test('Dask defaults: a worker per core up to 4, then about sqrt(cores) workers', () => {
  expect(defaultWorkers(2)).toEqual([2, 1]);
  expect(defaultWorkers(4)).toEqual([4, 1]);
  expect(defaultWorkers(8)).toEqual([4, 2]);
  expect(defaultWorkers(16)).toEqual([4, 4]);
  expect(defaultWorkers(12)).toEqual([4, 3]);
});

test('Client.start owns its cluster; close() leaves no process behind; scale up and down', async () => {
  const client = await Client.start({ nWorkers: 1, threadsPerWorker: 1, dashboardAddress: null });
  try {
    await client.cluster.scale(3);
    expect(client.cluster.workers).toHaveLength(3);
    expect(await client.gather(client.map((v: number) => v * 10, [1, 2, 3, 4, 5, 6]))).toEqual([10, 20, 30, 40, 50, 60]);
    await client.cluster.scale(2);
    expect(client.cluster.workers).toHaveLength(2);
    expect(await client.submit((v: number) => v + 0.5, 1)).toBe(1.5);
  } finally {
    const pids = client.cluster.workers.map((w) => w.pid);
    await client.close();
    expect(client.cluster.closed).toBe(true);
    expect(pids.every((p) => !isAlive(p))).toBe(true);
  }
  // Closed: compute() falls back to the collection's default scheduler.
  expect(await delayed((v: number) => v + 1)(1).compute()).toBe(2);
  expect(() => client.submit((v: number) => v, 1)).toThrow(/closed/);
});

test('closing with work pending: pending futures are cancelled, nothing hangs; bad options are named', async () => {
  const client = await Client.start({ nWorkers: 1, threadsPerWorker: 1, dashboardAddress: null });
  const slow = client.submit(sleepMs, 10_000, 1, { pure: false });
  const pending = slow.result().catch((e: unknown) => e);
  await client.close();
  expect(slow.status).toBe('cancelled');
  expect(await pending).toBeInstanceOf(CancelledError);
  await expect(wait([slow], { timeout: 1 })).resolves.toMatchObject({ notDone: new Set() });
  await expect(LocalCluster.start({ nWorkers: -1 })).rejects.toThrow(/nWorkers=-1/);
  await expect(LocalCluster.start({ memoryLimit: 'lots' })).rejects.toThrow(/memoryLimit="lots"/);
  await expect(LocalCluster.start({ dashboardAddress: 'nowhere' })).rejects.toThrow(/dashboardAddress="nowhere"/);
  await expect(wait([slow], { returnWhen: 'SOMETIMES' as never })).rejects.toThrow(/returnWhen="SOMETIMES"/);
});

test('wait with a timeout rejects, naming how many are still pending', async () => {
  const client = await Client.start({ nWorkers: 1, threadsPerWorker: 1, dashboardAddress: null });
  try {
    const f = client.submit(sleepMs, 2000, 1, { pure: false });
    await expect(wait([f], { timeout: 0.05 })).rejects.toThrow(/1 futures still pending after 0.05 s/);
    await expect(wait([f], { timeout: 0.05 })).rejects.toMatchObject({ name: 'TimeoutError', code: 'ERR_SHOAL_TIMEOUT', keys: [f.key] });
  } finally {
    await client.close();
  }
});

describe.each([
  ['processes', true],
  ['threads', false],
] as const)('runaway tasks on a LocalCluster of %s', (_kind, processes) => {
  const spinForever = moduleFunction<(...inputs: unknown[]) => never>(fx, 'spinForever');
  let client: Client;
  let cluster: LocalCluster;
  const pids = new Set<number>();
  beforeAll(async () => {
    client = await Client.start({ processes, nWorkers: 2, threadsPerWorker: 1, dashboardAddress: null, memoryLimit: '1GiB', cancelGracePeriod: 0.5 });
    cluster = client.cluster;
  }, 60_000);
  afterAll(async () => {
    for (const w of cluster.workers) pids.add(w.pid);
    await client.close();
    // No worker outlives the cluster, replaced ones included.
    if (processes) expect([...pids].filter(isAlive)).toEqual([]);
  });

  /** Wait until the nanny has replaced `n` more workers and both are up; returns the replaced one's pid. */
  async function replaced(restartsBefore: number, worker: string): Promise<void> {
    const pid = cluster.workers.find((w) => w.id === worker)!.pid;
    pids.add(pid);
    expect(await waitFor(() => cluster.restarts === restartsBefore + 1 && cluster.server.state.workers.size === 2, 15_000)).toBe(true);
    expect(cluster.workers.map((w) => w.id)).not.toContain(worker);
    if (processes) expect(await waitFor(() => !isAlive(pid))).toBe(true);
  }

  /** The worker running `key`, once it has been sent there (and had time to start). */
  async function runnerOf(key: string): Promise<string> {
    await waitFor(() => cluster.server.state.stateOf(key) === 'processing');
    await new Promise((r) => setTimeout(r, 200));
    return cluster.server.state.tasks.get(key)!.processingOn!.id;
  }

  test('cancel frees the slot: the worker running it is replaced after the grace period; a result it held is recomputed; both workers compute again', async () => {
    const kept = client.submit((x: number) => x + 1, 41, { pure: false });
    expect(await kept).toBe(42);
    const holder = cluster.server.state.whoHas(kept.key)[0]!;
    // The runaway task takes `kept` as input, so it runs where `kept` lives.
    const spin = client.submit(spinForever, kept, { pure: false });
    const runner = await runnerOf(spin.key);
    expect(runner).toBe(holder);
    const restarts = cluster.restarts;
    const recomputed = cluster.server.state.counts.recomputed;
    await spin.cancel();
    expect(spin.status).toBe('cancelled');
    await replaced(restarts, runner);
    // `kept` lived only on the terminated worker: recomputed from its task, not lost.
    expect(await kept.result()).toBe(42);
    expect(cluster.server.state.counts.recomputed).toBeGreaterThan(recomputed);
    // Two workers take work again (a 300 ms task each: they run side by side).
    const t0 = Date.now();
    const fs = [1, 2].map((v) => client.submit(sleepMs, 300, v, { pure: false }));
    expect(await client.gather(fs)).toEqual([1, 2]);
    expect(new Set(fs.map((f) => cluster.server.state.whoHas(f.key)[0])).size).toBe(2);
    expect(Date.now() - t0).toBeLessThan(3000);
  }, 60_000);

  test('submit({ timeout }): the Future fails with TimeoutError naming key and timeout; the task is stopped; the cluster still computes', async () => {
    const restarts = cluster.restarts;
    const f = client.submit(spinForever, { pure: false, timeout: 0.6 });
    const runner = await runnerOf(f.key);
    const err = (await f.exception()) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.code).toBe('ERR_SHOAL_TIMEOUT');
    expect(err.keys).toEqual([f.key]);
    expect(err.seconds).toBe(0.6);
    expect(err.message).toContain(f.key);
    expect(err.message).toContain('timeout of 0.6 s');
    expect(f.status).toBe('error');
    await expect(f.result()).rejects.toBeInstanceOf(TimeoutError);
    // A task that uses it is refused with the same error (nothing will compute its input).
    expect(() => client.submit((x: number) => x, f)).toThrow(TimeoutError);
    await replaced(restarts, runner);
    expect(await client.submit((x: number) => x * 2, 21)).toBe(42);
    // A task that finishes in time is unaffected; a bad timeout is named.
    expect(await client.submit((x: number) => x + 1, 1, { timeout: 30 })).toBe(2);
    expect(() => client.submit((x: number) => x, 1, { timeout: 0 })).toThrow(/timeout=0/);
  }, 60_000);

  test('compute({ timeout }) on the client: TimeoutError naming the keys; the stuck worker is replaced; same nWorkers afterwards', async () => {
    const restarts = cluster.restarts;
    const stuck = delayed(spinForever, { name: 'stuck' })();
    const pending = stuck.compute({ timeout: 0.6 }).catch((e: unknown) => e);
    const runner = await runnerOf(stuck.key);
    const err = (await pending) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.keys).toEqual([stuck.key]);
    expect(err.message).toContain('the compute of');
    await replaced(restarts, runner);
    expect(cluster.workers).toHaveLength(2);
    expect(await compute(...[1, 2, 3].map((k) => delayed((x: number) => x * 10)(k)))).toEqual([10, 20, 30]);
    const f = client.compute(delayed(spinForever)(), { timeout: 0.3 });
    expect(await f.exception()).toBeInstanceOf(TimeoutError);
  }, 60_000);
});
