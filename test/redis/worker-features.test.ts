/**
 * What a `shoal worker` offers besides running tasks, on a real redis-server: --preload (a module
 * every runtime imports first), --local-directory (values spill there under memory pressure and
 * are read back intact), op modules resolved in the worker's own install, and the dashboard of a
 * Redis-connected client (its workers and task stream, served on 127.0.0.1).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { bag, Client, delayed, performanceReport } from '../../src/index.ts';
import { fromPortable, toPortable } from '../../src/distributed/redis/op-urls.ts';
import type { RedisCluster } from '../../src/distributed/redis/redis-cluster.ts';
import { tempDir } from '../helpers.ts';
import { startRedis, type TestRedis } from './redis-server.ts';
import { startWorker, stopAll, TOKEN } from './workers.ts';
import { needs } from '../system-parts.ts';

// Without redis-server: skipped with the command that installs it, or failing under CI.
const { afterAll, beforeAll, test } = needs('redis-server');

let redis: TestRedis;
let client: Client<RedisCluster>;
let spill: ReturnType<typeof tempDir>;
beforeAll(async () => {
  redis = await startRedis();
  spill = tempDir();
  const preload = fileURLToPath(new URL('./preload-module.ts', import.meta.url));
  await startWorker(redis.url, ['--nthreads', '2', '--memory-limit', '64MiB', '--local-directory', spill.dir, '--preload', preload, '--name', 'small']);
  client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 1, setAsDefault: false, dashboardAddress: '127.0.0.1:0' });
}, 60_000);
afterAll(async () => {
  await client?.close();
  await stopAll();
  await redis?.stop();
  spill?.cleanup();
});

test('--preload runs a module in every runtime before its tasks', async () => {
  const seen = await client.gather(client.map((_: number) => (globalThis as { __shoalPreloaded?: string }).__shoalPreloaded ?? 'missing', [1, 2, 3, 4], { pure: false }));
  expect(seen).toEqual(Array(4).fill('preloaded by shoal worker --preload'));
});

test('--local-directory: values beyond the memory limit spill there and come back intact', async () => {
  // 12 × 4 MB on a worker with 2 runtimes of 32 MiB each: most must go to disk.
  const blocks = client.map((i: number) => new Float64Array(500_000).fill(i), Array.from({ length: 12 }, (_, i) => i));
  await client.gather(blocks.slice(0, 1));
  const sums = await client.gather(client.map((a: Float64Array) => a[0]! * a.length + a[a.length - 1]!, blocks));
  expect(sums).toEqual(Array.from({ length: 12 }, (_, i) => i * 500_000 + i));
  const spilled = client.cluster.workers.reduce((s, w) => s + w.spilled, 0);
  expect(spilled).toBeGreaterThan(0);
  const files = readdirSync(spill.dir, { recursive: true }).length;
  expect(files).toBeGreaterThan(0);
  const back = await client.gather(blocks);
  back.forEach((a, i) => expect([a.length, a[0], a[499_999]]).toEqual([500_000, i, i]));
}, 60_000);

test('String(client) lists the remote workers; a bag and a big reduction run through op modules resolved by the worker', async () => {
  expect(String(client)).toBe(`<Client: 'redis://127.0.0.1:${redis.port}' processes=1 threads=2, memory=64.00 MiB>`);
  const xs = Array.from({ length: 10_000 }, (_, i) => i);
  expect(await bag.fromSequence(xs, { npartitions: 8 }).map((x) => x * 2).sum().compute({ scheduler: client })).toBe(xs.reduce((a, x) => a + 2 * x, 0));
  const url = new URL('../../src/dataframe/index.ts', import.meta.url).href;
  expect(toPortable(url)).toBe('shoal:dataframe/index');
  expect(fromPortable('shoal:dataframe/index')).toBe(url);
  expect(toPortable('file:///elsewhere/mine.js')).toBe('file:///elsewhere/mine.js');
});

test('Redis never carries bulk data: scattered arrays and big graph literals go over HTTP, results stay on the worker', async () => {
  const { Redis } = await import('ioredis');
  const probe = new Redis({ host: redis.host, port: redis.port, password: redis.password });
  const netIn = async () => Number(/total_net_input_bytes:(\d+)/.exec(await probe.info('stats'))![1]);
  const netOut = async () => Number(/total_net_output_bytes:(\d+)/.exec(await probe.info('stats'))![1]);
  try {
    const [in0, out0] = [await netIn(), await netOut()];
    const http0 = client.cluster.sent.httpBytes;
    const big = new Float64Array(1_000_000).map((_, i) => i % 97); // 8 MB
    const [f] = client.scatter([big]);
    const xs = Array.from({ length: 300_000 }, (_, i) => i % 13); // a graph literal of ~2.4 MB
    const [s1, s2] = await Promise.all([
      client.submit((a: Float64Array) => a.reduce((p, v) => p + v, 0), f!),
      bag.fromSequence(xs, { npartitions: 2 }).sum().compute({ scheduler: client }),
    ]);
    expect(s1).toBe(big.reduce((p, v) => p + v, 0));
    expect(s2).toBe(xs.reduce((p, v) => p + v, 0));
    const back = await client.gather(f!); // the client's gather: HTTP from the worker
    expect([back.length, back[999_999]]).toEqual([1_000_000, 999_999 % 97]);
    expect(client.cluster.sent.httpBytes - http0).toBeGreaterThan(10_000_000);
    // Redis saw control traffic only: well under one of those payloads, either way.
    expect((await netIn()) - in0).toBeLessThan(1_000_000);
    expect((await netOut()) - out0).toBeLessThan(1_000_000);
  } finally {
    probe.disconnect();
  }
});

test('a bulk batch the worker cannot fetch resets its attempt: it joins again and the graph still completes', async () => {
  const bulk = (client.cluster as unknown as { bulk: { blobs: Map<string, Uint8Array> } }).bulk;
  const realGet = bulk.blobs.get.bind(bulk.blobs);
  let hidden = 0;
  bulk.blobs.get = (k: string) => (hidden++ === 0 ? undefined : realGet(k));
  try {
    const lostBefore = client.cluster.lost.length;
    const xs = Array.from({ length: 100_000 }, (_, i) => i % 11); // ~0.8 MB of graph literal: a bulk batch
    expect(await bag.fromSequence(xs, { npartitions: 2 }).sum().compute({ scheduler: client })).toBe(xs.reduce((p, v) => p + v, 0));
    expect(hidden).toBeGreaterThan(1);
    expect(client.cluster.lost.length).toBe(lostBefore + 1);
    expect(client.cluster.workers.every((w) => /\.\d+\.\d+$/.test(w.id))).toBe(true); // slots of the next attempt
  } finally {
    bulk.blobs.get = realGet;
  }
}, 60_000);

test('the dashboard of a Redis-connected client shows its remote workers and the task stream', async () => {
  const link = client.dashboardLink!;
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/status$/);
  const html = await (await fetch(link)).text();
  expect(html).toContain('task-stream');
  await delayed((xs: number[]) => xs.length)(Array.from({ length: 20 }, (_, i) => delayed((v: number) => v + 1)(i))).compute({ scheduler: client, fuse: false });
  const snap = (await (await fetch(new URL('/snapshot.json', link))).json()) as { workers: Array<{ id: string; nthreads: number }>; stream: unknown[] };
  expect(snap.workers.map((w) => w.id).sort()).toEqual(client.cluster.workers.map((w) => w.id).sort());
  expect(snap.workers).toHaveLength(2);
  expect(snap.stream.length).toBeGreaterThanOrEqual(21);
});

test('performanceReport works with a Redis-connected client', async () => {
  const file = join(spill.dir, 'report.html');
  const v = await performanceReport({ filename: file, client }, () =>
    delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0), { name: 'reportsum' })(Array.from({ length: 10 }, (_, i) => delayed((x: number) => x * 2, { name: 'reportleaf' })(i))).compute({ scheduler: client, fuse: false }),
  );
  expect(v).toBe(90);
  const html = readFileSync(file, 'utf8');
  expect(html).toContain('reportleaf');
  expect(html).toContain(client.cluster.workers[0]!.id);
});

test('closing the client ends its session on the worker: its spill files are removed', async () => {
  // The worker's private folder inside --local-directory holds one folder per session.
  const space = join(spill.dir, readdirSync(spill.dir).find((n) => n.startsWith('shoal-worker-space-'))!);
  const session = join(space, client.cluster.name);
  expect(existsSync(session)).toBe(true);
  await client.close();
  const gone = await new Promise<boolean>((resolve) => {
    const t0 = Date.now();
    const check = () => (!existsSync(session) ? resolve(true) : Date.now() - t0 > 10_000 ? resolve(false) : setTimeout(check, 100));
    check();
  });
  expect(gone).toBe(true);
  rmSync(spill.dir, { recursive: true, force: true });
});
