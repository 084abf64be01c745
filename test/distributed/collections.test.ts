/**
 * Bag, DataFrame and Array computations on a LocalCluster (worker processes and worker threads)
 * equal the sync scheduler's results and plain sequential references written here. Bag partitions
 * of numbers travel packed as Float64Array, DataFrame partitions as plain objects of typed arrays
 * (string dictionaries, null masks): both must cross the cluster's transport intact.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { array, bag, Client, fromRecords, LocalCluster, readCsv } from '../../src/index.ts';
import { tempDir } from '../helpers.ts';
import type { ClusterLike } from '../../src/distributed/client-keys.ts';
import { startRedisCluster } from '../redis/workers.ts';
import { needs } from '../system-parts.ts';

/** A Table as plain rows (numbers, strings, null), for comparing results. */
function rows(t: Table): Record<string, unknown>[] {
  return t.toArray().map((r) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r.toJSON() as Record<string, unknown>)) o[k] = typeof v === 'bigint' ? Number(v) : v;
    return o;
  });
}

const NAMES = ['alice', 'bob', 'carol', 'dan', 'erin'];

/** Records with strings, numbers and some nulls, from `n` and a seed (deterministic). */
function records(n: number, seed: number): { name: string; x: number; y: number | null }[] {
  return Array.from({ length: n }, (_, i) => ({
    name: NAMES[(i * 7 + seed) % NAMES.length]!,
    x: ((i * 31 + seed * 17) % 201) - 100,
    y: (i + seed) % 9 === 0 ? null : ((i * 13 + seed) % 50) / 4,
  }));
}

describe.each([
  ['processes', true],
  ['threads', false],
  // Two `shoal worker` processes (two runtime threads each) joined through a real redis-server.
  ['Redis-joined workers', 'redis'],
] as const)('collections on a LocalCluster with %s', (_kind, processes) => {
  // The Redis-joined case needs redis-server: without it, skipped with the command that installs it,
  // or failing under CI.
  const { test, beforeAll, afterAll } = needs(...(processes === 'redis' ? (['redis-server'] as const) : []));
  let cluster: ClusterLike;
  let client: Client<ClusterLike>;
  let tmp: ReturnType<typeof tempDir>;
  let rc: Awaited<ReturnType<typeof startRedisCluster>> | undefined;
  beforeAll(async () => {
    tmp = tempDir();
    if (processes === 'redis') {
      rc = await startRedisCluster([0, 1].map(() => ['--nthreads', '2', '--memory-limit', '2GiB']), { setAsDefault: false });
      client = rc.client;
      cluster = client.cluster;
      return;
    }
    cluster = await LocalCluster.start({ processes, nWorkers: 2, threadsPerWorker: 1, dashboardAddress: null, memoryLimit: '1GiB' });
    client = new Client(cluster, { setAsDefault: false });
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await cluster?.close();
    await rc?.stop();
    tmp.cleanup();
  });

  test('bag-cheap in miniature: packed Float64Array partitions, map, filter, sum', async () => {
    const n = 50_000; // above the packing threshold (4,096), so partitions are Float64Arrays
    const xs: number[] = [];
    for (let i = 0; i < n; i++) xs.push(i);
    const b = bag.fromSequence(xs, { npartitions: 16 }).map((x) => x * x).filter((x) => x % 3 === 0);
    let ref = 0;
    for (let i = 0; i < n; i += 3) ref += i * i;
    const before = cluster.server.transfers;
    expect(await b.sum().compute({ scheduler: client })).toBe(await b.sum().compute({ scheduler: 'sync' }));
    expect(await b.sum().compute({ scheduler: client })).toBe(ref);
    expect(cluster.server.transfers).toBeGreaterThan(before); // partial sums met on one worker
    const listed = await b.compute({ scheduler: client });
    expect(listed).toHaveLength(Math.ceil(n / 3));
    expect(listed.slice(0, 4)).toEqual([0, 9, 36, 81]);
  });

  test('Bag across partitions (groupBy, frequencies, distinct) equals sync', async () => {
    const words = Array.from({ length: 300 }, (_, i) => NAMES[(i * i) % NAMES.length]!);
    const b = bag.fromSequence(words, { npartitions: 6 });
    const freq = (await b.frequencies().compute({ scheduler: client })).sort();
    expect(freq).toEqual((await b.frequencies().compute({ scheduler: 'sync' })).sort());
    const counts = new Map<string, number>();
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
    expect(freq).toEqual([...counts].sort());
    const groups = (await b.groupBy((w) => w.length).map(([k, ws]) => [k, ws.length] as const).compute({ scheduler: client })).sort();
    expect(groups).toEqual((await b.groupBy((w) => w.length).map(([k, ws]) => [k, ws.length] as const).compute({ scheduler: 'sync' })).sort());
  });

  test('property: Bag sums and means do not depend on partitioning or on the cluster', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 5000 }), fc.integer({ min: 1, max: 9 }), async (xs, np) => {
        const b = bag.fromSequence(xs, { npartitions: np }).map((x) => x * 2);
        const [s, c] = await Promise.all([b.sum().compute({ scheduler: client }), b.count().compute({ scheduler: client })]);
        expect(s).toBe(xs.reduce((a, x) => a + 2 * x, 0));
        expect(c).toBe(xs.length);
      }),
      { numRuns: 6 },
    );
  });

  test('DataFrame group-by, filter and whole tables (strings, nulls) equal sync', async () => {
    const recs = records(2000, 3);
    const df = fromRecords(recs, { npartitions: 5 });
    const g = df.groupby('name').agg({ x: 'sum', y: 'mean' });
    const onCluster = rows(await g.compute({ scheduler: client }));
    expect(onCluster).toEqual(rows(await g.compute({ scheduler: 'sync' })));
    // An independent reference: sums and means by name, nulls skipped.
    const ref = new Map<string, { x: number; ys: number; yn: number }>();
    for (const r of recs) {
      const a = ref.get(r.name) ?? { x: 0, ys: 0, yn: 0 };
      a.x += r.x;
      if (r.y !== null) (a.ys += r.y), a.yn++;
      ref.set(r.name, a);
    }
    for (const row of onCluster) {
      const a = ref.get(row.name as string)!;
      expect(row.x).toBe(a.x);
      expect(row.y as number).toBeCloseTo(a.ys / a.yn, 10);
    }
    const filtered = df.filter(df.col('x').gt(0));
    const table = await filtered.compute({ scheduler: client });
    expect(rows(table)).toEqual(rows(await filtered.compute({ scheduler: 'sync' })));
    expect(rows(table)).toEqual(recs.filter((r) => r.x > 0));
    expect(await df.col('y').mean().compute({ scheduler: client })).toBe(await df.col('y').mean().compute({ scheduler: 'sync' }));
  });

  test('csv-groupby-sum in miniature: readCsv on the cluster equals sync and the records', async () => {
    const recs = records(3000, 5).map((r) => ({ ...r, y: r.y ?? 0 }));
    for (let f = 0; f < 3; f++) {
      const part = recs.slice(f * 1000, (f + 1) * 1000);
      writeFileSync(join(tmp.dir, `p-${f}.csv`), `name,x,y\n${part.map((r) => `${r.name},${r.x},${r.y}`).join('\n')}\n`);
    }
    const q = readCsv(join(tmp.dir, 'p-*.csv'), { blocksize: 4096 }).groupby('name').col('x').sum();
    const got = rows(await q.compute({ scheduler: client }));
    expect(got).toEqual(rows(await q.compute({ scheduler: 'sync' })));
    const ref = new Map<string, number>();
    for (const r of recs) ref.set(r.name, (ref.get(r.name) ?? 0) + r.x);
    expect(got).toEqual([...ref].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, x]) => ({ name, x })));
  });

  test('Array reductions (typed-array blocks) equal sync', async () => {
    const x = array.arange(0, 10_000, 1, { chunks: 1000 }).reshape([100, 100]).add(1);
    expect(await x.sum().compute({ scheduler: client })).toBe(await x.sum().compute({ scheduler: 'sync' }));
    expect(await x.sum().compute({ scheduler: client })).toBe((10_000 * 10_001) / 2);
  });
});
