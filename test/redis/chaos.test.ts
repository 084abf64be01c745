/**
 * Failures on a Redis-joined cluster, with real worker processes killed for real: a worker lost
 * in the middle of a 10,000-task graph (the result still equals the sync scheduler's, and the loss
 * is noticed within 6 s), a large result whose holder died (recomputed, the peer's failed fetch is
 * not an error), a task that kills every worker it runs on (KilledWorkerError after 3 deaths),
 * and a worker that stops on SIGTERM (its work is handed back at once).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Client, delayed, KilledWorkerError, moduleFunction, type Delayed } from '../../src/index.ts';
import type { RedisCluster } from '../../src/distributed/redis/redis-cluster.ts';
import { workerOfSlot } from '../../src/distributed/redis/names.ts';
import { tempDir, waitFor } from '../helpers.ts';
import { startRedis, type TestRedis } from './redis-server.ts';
import { startWorker, stopAll, TOKEN, type TestWorker } from './workers.ts';
import { needs } from '../system-parts.ts';

// Without redis-server: skipped with the command that installs it, or failing under CI.
const { afterAll, afterEach, beforeAll, describe, test } = needs('redis-server');

const fx = new URL('../distributed/fixtures.ts', import.meta.url);
const killSelf = moduleFunction<(file: string) => never>(fx, 'killSelf');
const block = moduleFunction<(n: number, seed: number) => Float64Array>(fx, 'block');
const blockSum = moduleFunction<(a: Float64Array) => number>(fx, 'blockSum');

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await stopAll();
  await redis?.stop();
});

describe('a Redis-joined cluster losing workers', () => {
  let client: Client<RedisCluster> | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await stopAll();
  });

  test('SIGKILL one of 3 workers during a 10,000-task graph: same result as sync, loss noticed within 6 s', async () => {
    const workers = await Promise.all([0, 1, 2].map(() => startWorker(redis.url, ['--nthreads', '1'])));
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 3, setAsDefault: false });
    const ends: Delayed<number>[] = [];
    for (let c = 0; c < 100; c++) {
      let x = delayed((v: number) => v + 1)(c);
      for (let k = 1; k < 99; k++) x = delayed((v: number, m: number) => (v * 3 + m) % 1_000_003)(x, k);
      ends.push(x);
    }
    const total = delayed((xs: number[]) => xs.reduce((a, b) => (a * 7 + b) % 1_000_003, 0))(ends);
    const expected = await total.compute({ scheduler: 'sync' });
    let done = 0;
    let killedAt = 0;
    const victim = workers[1]!;
    const result = await total.compute({
      scheduler: client,
      fuse: false,
      callbacks: [
        {
          posttask: () => {
            if (++done === 3000) {
              killedAt = Date.now();
              victim.process.kill('SIGKILL');
            }
          },
        },
      ],
    });
    expect(result).toBe(expected);
    expect(killedAt).toBeGreaterThan(0);
    await waitFor(() => client!.cluster.lost.length > 0, 10_000);
    const lost = client.cluster.lost.find((l) => l.worker === victim.id);
    expect(lost).toBeDefined();
    expect(lost!.at - killedAt).toBeLessThanOrEqual(6000);
    expect(client.cluster.processes.map((p) => p.id).sort()).toEqual([workers[0]!.id, workers[2]!.id].sort());
  }, 90_000);

  test('a large result lost with its worker is recomputed; the failed fetch from the dead peer is not an error', async () => {
    const workers = await Promise.all([0, 1].map(() => startWorker(redis.url, ['--nthreads', '1'])));
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 2, setAsDefault: false });
    const n = 200_000; // 1.6 MB: stays on its worker, never inline
    const f = client.submit(block, n, 7);
    await f;
    const holder = workerOfSlot(client.cluster.server.state.whoHas(f.key)[0]!);
    const victim = workers.find((w) => w.id === holder)!;
    expect(victim).toBeDefined();
    victim.process.kill('SIGKILL');
    await victim.exited;
    // Asked for at once: the scheduler still believes the dead worker holds it.
    const g = client.submit(blockSum, f);
    let ref = 0;
    for (let i = 0; i < n; i++) ref += ((i * 7919 + 7 * 104729) % 1000) / 10;
    expect(await g).toBe(ref);
    const back = await f;
    expect(back.length).toBe(n);
    expect(back[12_345]).toBe(((12_345 * 7919 + 7 * 104729) % 1000) / 10);
  }, 60_000);

  test('a task that kills its worker every time fails with KilledWorkerError after 3 deaths', async () => {
    // A nanny of our own: each worker that dies is replaced (systemd's job on a real machine).
    let stopping = false;
    const keep = (w: TestWorker): void => {
      void w.exited.then(() => {
        if (!stopping) void startWorker(redis.url, ['--nthreads', '1']).then(keep, () => {});
      });
    };
    for (const w of await Promise.all([0, 1].map(() => startWorker(redis.url, ['--nthreads', '1'])))) keep(w);
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 2, setAsDefault: false });
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'calls');
      writeFileSync(file, '');
      const f = client.submit(killSelf, file);
      const err = await f.result().then(
        () => new Error('no error'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KilledWorkerError);
      expect((err as KilledWorkerError).deaths).toBe(3);
      expect((err as Error).message).toMatch(/3 workers died while running it/);
      expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
      // The cluster goes on with the replacements.
      await client.cluster.waitForWorkers(1, 30);
      expect(await client.submit((x: number) => x * 2, 21)).toBe(42);
    } finally {
      stopping = true;
      cleanup();
    }
  }, 120_000);

  test('a task that ends its runtime thread: the slot is replaced at once, the process lives on; 3 deaths give KilledWorkerError', async () => {
    const w = await startWorker(redis.url, ['--nthreads', '2']);
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 1, setAsDefault: false });
    const before = client.cluster.workers.map((s) => s.id);
    expect(before).toHaveLength(2);
    const f = client.submit(() => process.exit(3), { pure: false }); // in a worker thread: ends the thread only
    const err = await f.result().then(
      () => new Error('no error'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KilledWorkerError);
    expect((err as KilledWorkerError).deaths).toBe(3);
    expect((err as Error).message).toMatch(/runtime thread exited \(exit code 3\)/);
    expect(w.process.exitCode).toBeNull();
    expect(client.cluster.lost).toEqual([]); // the worker was never lost, only its slots
    await waitFor(() => client!.cluster.workers.length === 2, 10_000);
    const after = client.cluster.workers.map((s) => s.id);
    expect(after).toHaveLength(2);
    expect(after.filter((id) => before.includes(id)).length).toBeLessThan(2);
    expect(await client.gather(client.map((x: number) => x * 2, [1, 2, 3]))).toEqual([2, 4, 6]);
  }, 60_000);

  test('SIGTERM: the worker hands back its work at once, leaves the registry and exits 0', async () => {
    const workers = await Promise.all([0, 1].map(() => startWorker(redis.url, ['--nthreads', '1'])));
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 2, setAsDefault: false });
    const fs = client.map((x: number) => new Float64Array(20_000).fill(x), [1, 2, 3, 4, 5, 6]);
    await client.gather(fs);
    const leaving = workers[0]!;
    expect(await leaving.stop('SIGTERM')).toBe(0);
    expect(leaving.output()).toMatch(/SIGTERM, leaving the cluster/);
    // Told by the worker itself, not by a heartbeat timeout.
    expect(await waitFor(() => client!.cluster.processes.length === 1, 3000)).toBe(true);
    const sums = await client.gather(client.map((a: Float64Array) => a[0]! * a.length, fs));
    expect(sums).toEqual([1, 2, 3, 4, 5, 6].map((x) => x * 20_000));
    // Nothing of the worker that left stays in Redis: record, heartbeat, control queue.
    const { Redis } = await import('ioredis');
    const probe = new Redis({ host: redis.host, port: redis.port, password: redis.password });
    try {
      expect(await probe.hexists('shoal:workers', leaving.id)).toBe(0);
      let left = await probe.keys(`shoal:*${leaving.id}*`);
      for (let i = 0; i < 20 && left.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 250));
        left = await probe.keys(`shoal:*${leaving.id}*`);
      }
      expect(left).toEqual([]);
    } finally {
      probe.disconnect();
    }
  }, 60_000);
});

describe('leases: a busy worker is not lost, a stalled one is, and its late results are not taken', () => {
  let client: Client<RedisCluster> | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await stopAll();
  });

  test('a task that blocks its runtime thread for 7 s does not make its worker look lost', async () => {
    await startWorker(redis.url, ['--nthreads', '1']);
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 1, setAsDefault: false });
    const busy = client.submit((ms: number) => {
      const end = Date.now() + ms;
      let spins = 0;
      while (Date.now() < end) spins++;
      return spins > 0;
    }, 7000);
    expect(await busy).toBe(true);
    expect(client.cluster.lost).toEqual([]);
  }, 60_000);

  test('a worker stopped (SIGSTOP) past the heartbeat TTL is lost, its work redone elsewhere; back (SIGCONT), it joins again under a new attempt', async () => {
    const [a, b] = await Promise.all([0, 1].map(() => startWorker(redis.url, ['--nthreads', '1'])));
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 2, setAsDefault: false });
    const slow = (x: number) => new Promise<number>((r) => setTimeout(() => r(x * x), 300));
    const fs = client.map(slow, Array.from({ length: 12 }, (_, i) => i));
    a!.process.kill('SIGSTOP');
    try {
      expect(await client.gather(fs)).toEqual(Array.from({ length: 12 }, (_, i) => i * i));
      expect(await waitFor(() => client!.cluster.lost.some((l) => l.worker === a!.id), 10_000)).toBe(true);
    } finally {
      a!.process.kill('SIGCONT');
    }
    // It beats again, re-registers and is taken back with fresh slot names.
    expect(await waitFor(() => client!.cluster.processes.length === 2, 15_000)).toBe(true);
    const slots = client.cluster.workers.map((w) => w.id).filter((id) => id.startsWith(`${a!.id}.`));
    expect(slots).toEqual([`${a!.id}.0.1`]);
    expect(await client.gather(client.map((x: number) => x + 1, [1, 2, 3, 4]))).toEqual([2, 3, 4, 5]);
    expect(b).toBeDefined();
  }, 90_000);
});
