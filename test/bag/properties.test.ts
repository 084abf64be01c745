/**
 * Properties: a Bag's results never depend on its partitioning or on the scheduler. Each run
 * builds several results from one random sequence and computes them together, compared with a
 * plain sequential JS reference. Few runs on threads/processes keep the suite fast.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { bag, compute, shutdown } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';

afterAll(() => shutdown());

const RUNS: Record<string, number> = { sync: 40, threads: 8, processes: 8 };

/** Sequential references. */
function reference(xs: number[]) {
  const mapped = xs.map((x) => x * x - 3);
  const kept = mapped.filter((x) => x % 3 !== 0);
  const freq = new Map<number, number>();
  for (const x of xs) freq.set(x % 5, (freq.get(x % 5) ?? 0) + 1);
  const byParity = new Map<number, number>();
  for (const x of xs) byParity.set(Math.abs(x % 2), (byParity.get(Math.abs(x % 2)) ?? 0) + x);
  const groups = new Map<number, number[]>();
  for (const x of xs) groups.set(Math.abs(x % 4), [...(groups.get(Math.abs(x % 4)) ?? []), x]);
  const running: number[] = [];
  for (const x of xs) running.push((running[running.length - 1] ?? 0) + x);
  return {
    kept,
    sum: kept.reduce((a, x) => a + x, 0),
    count: xs.length,
    max: xs.length ? Math.max(...xs) : undefined,
    freq,
    byParity,
    groups,
    topk: [...xs].sort((a, b) => b - a).slice(0, 3),
    distinct: [...new Set(xs.map((x) => Math.abs(x % 7)))],
    running,
    take: xs.slice(0, 2),
  };
}

describe.each(SCHEDULERS)('results do not depend on partitioning (%s)', (scheduler) => {
  test('map/filter/sum/count/max/frequencies/foldBy/groupBy/topk/distinct/accumulate/repartition', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 2, max: 4 }),
        async (xs, np, nout, splitEvery) => {
          const want = reference(xs);
          const b = bag.fromSequence(xs, { npartitions: np });
          const kept = b.map((x) => x * x - 3).filter((x) => x % 3 !== 0);
          const opts = { splitEvery };
          const [keptV, sumV, countV, freqV, parityV, groupsV, topkV, distinctV, runningV, reparted] = await compute(
            kept,
            kept.sum(opts),
            b.count(opts),
            b.map((x) => x % 5).frequencies(false, opts),
            b.foldBy((x) => Math.abs(x % 2), (a: number, x) => a + x, 0, (a: number, c: number) => a + c, 0, opts),
            b.groupBy((x) => Math.abs(x % 4), { npartitions: nout, maxBranch: 2 + (np % 3) }),
            b.topk(3, undefined, opts),
            b.map((x) => Math.abs(x % 7)).distinct(undefined, opts),
            b.accumulate((a: number, x) => a + x),
            b.repartition(nout),
            { scheduler },
          );
          expect(keptV).toEqual(want.kept);
          expect(sumV).toBe(want.sum);
          expect(countV).toBe(want.count);
          expect(new Map(freqV)).toEqual(want.freq);
          expect(new Map(parityV)).toEqual(want.byParity);
          expect(new Map(groupsV)).toEqual(want.groups);
          expect(topkV).toEqual(want.topk);
          expect(distinctV).toEqual(want.distinct);
          expect(runningV).toEqual(want.running);
          expect(reparted).toEqual(xs);
          if (xs.length > 0) expect(await b.max().compute({ scheduler })).toBe(want.max);
          expect(await b.take(2, { npartitions: -1, scheduler, warn: false })).toEqual(want.take);
        },
      ),
      { numRuns: RUNS[scheduler], seed: 20261122 },
    );
  });

  test('zip/flatten/pluck/starmap/remove/product/concat/mapPartitions/take/min/any/all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), async (xs, np, np2) => {
        const b = bag.fromSequence(xs, { npartitions: np });
        const small = bag.fromSequence(xs.slice(0, 3), { npartitions: np2 });
        const [zipped, flat, plucked, star, removed, prod, cat, sizes, anyV, allV] = await compute(
          b.zip(b.map((x) => -x)),
          b.map((x) => [x, x + 1]).flatten(),
          b.map((x) => ({ v: x })).pluck('v'),
          b.map((x) => [x, 2] as [number, number]).starmap((x, k, off: number) => x * k + off, 1),
          b.remove((x) => x > 0),
          b.product(small),
          bag.concat([b, small]),
          b.mapPartitions((p) => [p.length]),
          b.any(),
          b.all(),
          { scheduler },
        );
        expect(zipped).toEqual(xs.map((x) => [x, -x]));
        expect(flat).toEqual(xs.flatMap((x) => [x, x + 1]));
        expect(plucked).toEqual(xs);
        expect(star).toEqual(xs.map((x) => x * 2 + 1));
        expect(removed).toEqual(xs.filter((x) => !(x > 0)));
        expect(prod.map((p) => p.join(',')).sort()).toEqual(xs.flatMap((x) => xs.slice(0, 3).map((y) => `${x},${y}`)).sort());
        expect(cat).toEqual([...xs, ...xs.slice(0, 3)]);
        expect(sizes.reduce((a, n) => a + n, 0)).toBe(xs.length);
        expect(anyV).toBe(xs.some(Boolean));
        expect(allV).toBe(xs.every(Boolean));
        if (xs.length > 0) expect(await b.min({ splitEvery: 2 }).compute({ scheduler })).toBe(Math.min(...xs));
        const n = xs.length > 0 ? xs.length - 1 : 0;
        expect(await b.take(n, { npartitions: -1, scheduler, warn: false })).toEqual(xs.slice(0, n));
      }),
      { numRuns: RUNS[scheduler], seed: 99 },
    );
  });

  test('mean and variance match a two-pass reference on every partitioning', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 50 }), fc.integer({ min: 1, max: 7 }), async (xs, np) => {
        const m = xs.reduce((a, x) => a + x, 0) / xs.length;
        const v = xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length;
        const b = bag.fromSequence(xs, { npartitions: np });
        const [mean, variance] = await compute(b.mean(), b.var(), { scheduler });
        expect(mean).toBeCloseTo(m, 4);
        expect(Math.abs(variance - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, v));
      }),
      { numRuns: Math.max(4, Math.floor(RUNS[scheduler]! / 2)), seed: 7 },
    );
  });
});
