/**
 * Creation and element-wise transforms, translated from Dask's dask/bag/tests/test_bag.py and
 * checked against plain sequential JS. Most run on `sync` (fast); scheduler independence is
 * covered by properties.test.ts.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { Bag, bag, compute, delayed, OptionError, shutdown } from '../../src/index.ts';

afterAll(() => shutdown());

const sync = { scheduler: 'sync' } as const;
/** Dask's fixture: three partitions of range(5). */
const L = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4];
const b = bag.fromSequence(L, { partitionSize: 5 });
const iseven = (x: number) => x % 2 === 0;
const inc = (x: number) => x + 1;

describe('creation', () => {
  test('the fixture has three partitions', async () => {
    expect(b.npartitions).toBe(3);
    expect(b.__keys__()).toHaveLength(3);
    expect(await b.compute(sync)).toEqual(L);
  });

  test('fromSequence with npartitions follows Dask (test_from_sequence)', async () => {
    const c = bag.fromSequence([1, 2, 3, 4, 5], { npartitions: 3 });
    expect(c.__graph__().size).toBe(3);
    expect(await c.compute(sync)).toEqual([1, 2, 3, 4, 5]);
    // Dask's defaults: one element per partition up to 100, then ceil(sqrt(n) / 10) per partition.
    expect(bag.fromSequence(Array.from({ length: 50 }, (_, i) => i)).npartitions).toBe(50);
    expect(bag.fromSequence(Array.from({ length: 1001 }, (_, i) => i)).npartitions).toBe(Math.ceil(1001 / 4));
    // npartitions with more than 100 elements: floor(n / np) per partition (Dask's rule; may give one more).
    expect(bag.fromSequence(Array.from({ length: 1000 }, (_, i) => i), { npartitions: 3 }).npartitions).toBe(4);
    expect(bag.fromSequence([1, 2, 3], { partitionSize: 2 }).npartitions).toBe(2);
  });

  test('fromSequence of a long sequence, an empty one, and an iterable', async () => {
    const long = Array.from({ length: 1001 }, (_, i) => i);
    expect(await bag.fromSequence(long).compute(sync)).toEqual(long);
    const empty = bag.fromSequence([]);
    expect(empty.npartitions).toBe(1);
    expect(await empty.compute(sync)).toEqual([]);
    expect(await bag.fromSequence(new Set([3, 1, 2]), { npartitions: 2 }).compute(sync)).toEqual([3, 1, 2]);
  });

  test('long runs of numbers (packed as float64 internally) behave as plain arrays everywhere', async () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => (i % 7 === 0 ? -i / 3 : i));
    xs[5] = -0;
    xs[6] = NaN;
    const b = bag.fromSequence(xs, { npartitions: 3 });
    for (const scheduler of ['sync', 'threads', 'processes'] as const) {
      const got = await b.compute({ scheduler });
      expect(got).toEqual(xs);
      expect(Object.is(got[5], -0)).toBe(true);
      expect(await b.mapPartitions((p) => [Array.isArray(p), p.length]).compute({ scheduler })).toEqual([true, 3333, true, 3333, true, 3333, true, 1]) // Dask: floor(n / npartitions) each;
      expect(await b.take(3, { scheduler })).toEqual(xs.slice(0, 3));
      expect(await b.filter((x) => x > 9990).compute({ scheduler })).toEqual(xs.filter((x) => x > 9990));
      expect(await b.count().compute({ scheduler })).toBe(10_000);
    }
    const p = await b.persist({ scheduler: 'processes' });
    expect(await p.map((x) => x * 2).take(2, { scheduler: 'sync' })).toEqual(xs.slice(0, 2).map((x) => x * 2));
    expect(await bag.zip(b, b.map((x) => -x)).take(2, { scheduler: 'sync' })).toEqual(xs.slice(0, 2).map((x) => [x, -x]));
  });

  test('equal sequences get equal names; numbers are hashed as bytes', () => {
    const xs = Array.from({ length: 5000 }, (_, i) => i);
    expect(bag.fromSequence(xs, { npartitions: 4 }).name).toBe(bag.fromSequence([...xs], { npartitions: 4 }).name);
    expect(bag.fromSequence(xs, { npartitions: 4 }).name).not.toBe(bag.fromSequence(xs.map((x) => x + 1), { npartitions: 4 }).name);
    expect(bag.fromSequence(['a'], { npartitions: 1 }).name).not.toBe(bag.fromSequence(['b'], { npartitions: 1 }).name);
    // Past 65,536 elements a sequence gets a fresh name rather than a hash of its content.
    const big = Array.from({ length: 70_000 }, (_, i) => i);
    expect(bag.fromSequence(big, { npartitions: 2 }).name).not.toBe(bag.fromSequence(big, { npartitions: 2 }).name);
  });

  test('range (test_range): Dask partitioning, computed in the workers', async () => {
    for (const np of [1, 7, 10, 28]) {
      const r = bag.range(100, { npartitions: np });
      expect(r.__graph__().size).toBe(np);
      expect(r.npartitions).toBe(np);
      expect(await r.compute(sync)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }
    expect(await bag.range(3, { npartitions: 5 }).compute(sync)).toEqual([0, 1, 2]);
    expect(() => bag.range(3, { npartitions: 0 })).toThrow(OptionError);
  });

  test('fromDelayed (test_from_delayed, test_from_delayed_iterator)', async () => {
    const parts = [delayed([1, 2, 3]), delayed([4, 5, 6]), delayed([7, 8, 9])];
    const bb = bag.fromDelayed(parts);
    expect(bb.name).toBe(bag.fromDelayed(parts).name);
    expect(await bb.compute(sync)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const records = delayed(function* (n: number) {
      for (let i = 0; i < n; i++) yield { operations: [1, 2] };
    });
    const rb = bag.fromDelayed(Array.from({ length: 5 }, () => records(5)));
    for (const scheduler of ['sync', 'processes'] as const) {
      expect(await compute(rb.count(), rb.pluck('operations').count(), rb.pluck('operations').flatten().count(), { scheduler })).toEqual([25, 25, 50]);
    }
  });

  test('concat (test_concat, test_concat_after_map)', async () => {
    const a = bag.fromSequence([1, 2, 3]);
    const c = bag.fromSequence([4, 5, 6]);
    expect(await bag.concat([a, c]).compute(sync)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(bag.concat([a, c]).name).toBe(bag.concat([a, c]).name);
    expect(await bag.concat([bag.fromSequence([1, 2]).map(inc), bag.fromSequence([4, 5])]).compute(sync)).toEqual([2, 3, 4, 5]);
    expect(() => bag.concat([])).toThrow(OptionError);
  });
});

describe('element-wise transforms', () => {
  test('map is one task per partition and names are deterministic (test_map)', async () => {
    const c = b.map(inc);
    expect(c.name).toBe(b.map(inc).name);
    // Named after the function, as Dask (test_map_keynames); anonymous functions give 'map'.
    expect(c.name.startsWith('inc-')).toBe(true);
    expect(b.map((x) => x).name.startsWith('map-')).toBe(true);
    expect(c.name).not.toBe(b.mapPartitions(inc as never).name);
    expect(await c.compute(sync)).toEqual(L.map(inc));
    // b's 3 data partitions + 3 pipeline tasks; a longer chain still adds one task per partition.
    expect(c.__graph__().size).toBe(6);
    expect(c.filter(iseven).map(inc).__graph__().size).toBe(6);
  });

  test('map with extra arguments: Bags, Items, Delayed and plain values (test_map_method, test_bag_map)', async () => {
    const x = Array.from({ length: 100 }, (_, i) => i);
    const x2 = Array.from({ length: 100 }, (_, i) => i + 100);
    const b1 = bag.fromSequence(x, { npartitions: 10 });
    const b2 = bag.fromSequence(x2, { npartitions: 10 });
    const myadd = (a: number, bb = 2, c = 3) => a + bb + c;
    expect(await b1.map(myadd).compute(sync)).toEqual(x.map((v) => myadd(v)));
    expect(await b1.map(myadd, b2).compute(sync)).toEqual(x.map((v, i) => myadd(v, x2[i])));
    expect(await b1.map(myadd, 10).compute(sync)).toEqual(x.map((v) => myadd(v, 10)));
    expect(await b1.map(myadd, b2, 10).compute(sync)).toEqual(x.map((v, i) => myadd(v, x2[i], 10)));
    const xSum = x.reduce((s, v) => s + v, 0);
    expect(await b1.map(myadd, b1.sum(), 10).compute(sync)).toEqual(x.map((v) => myadd(v, xSum, 10)));
    expect(await b2.map(myadd, b1.sum(), b2).compute({ scheduler: 'processes' })).toEqual(x2.map((v) => myadd(v, xSum, v)));
    expect(await b1.map(myadd, delayed(10)).compute(sync)).toEqual(x.map((v) => myadd(v, 10)));
    // Mismatched partitioning fails when the Bag is built, naming both counts.
    const fewer = bag.fromSequence(x, { npartitions: 5 });
    expect(() => b1.map(myadd, fewer)).toThrow(/argument 1 is a Bag with 5 partitions, but this Bag has 10/);
    // Same number of partitions, different lengths: a clear error when computed.
    const unequal = bag.fromSequence(Array.from({ length: 110 }, (_, i) => i), { npartitions: 10 });
    await expect(b1.map(myadd, unequal).compute(sync)).rejects.toThrow(/different lengths/);
  });

  test('map with functions of several arguments and returning arrays (test_map_function_with_multiple_arguments)', async () => {
    const c = bag.fromSequence([[1, 10], [2, 20], [3, 30]] as [number, number][], { npartitions: 3 });
    expect(await c.starmap((x, y) => x + y).compute(sync)).toEqual([11, 22, 33]);
    expect(await c.map((p) => [...p]).compute(sync)).toEqual([[1, 10], [2, 20], [3, 30]]);
    expect(await bag.fromSequence([0, 1, 2]).map(String).compute(sync)).toEqual(['0', '1', '2']);
    expect(await bag.fromSequence([0, 1, 2]).map(Boolean).compute(sync)).toEqual([false, true, true]);
  });

  test('built-in functions travel by their global name (test_map_with_builtins)', async () => {
    const r = bag.fromSequence([0, 1, 4], { npartitions: 2 });
    const opts = { scheduler: 'processes' } as const;
    expect(await r.map(String).compute(opts)).toEqual(['0', '1', '4']);
    expect(await r.map(Boolean).compute(opts)).toEqual([false, true, true]);
    expect(await r.map(Math.sqrt).compute(opts)).toEqual([0, 1, 2]);
    expect(await r.map((x) => ({ x })).map(JSON.stringify).compute({ scheduler: 'threads' })).toEqual(['{"x":0}', '{"x":1}', '{"x":4}']);
    expect(await bag.fromSequence([[2, 3]]).starmap(Math.pow).compute(opts)).toEqual([8]);
    expect(r.map(String).name).toBe(r.map(String).name);
    // A user's function that is global here (as at a REPL's top level) still travels as source.
    const g = globalThis as { triple?: (x: number) => number };
    g.triple = function triple(x: number) {
      return x * 3;
    };
    try {
      expect(await r.map(g.triple).compute(opts)).toEqual([0, 3, 12]);
    } finally {
      delete g.triple;
    }
  });

  test('starmap with extra arguments (test_starmap)', async () => {
    const data: [number, number][] = [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]];
    const s = bag.fromSequence(data, { npartitions: 2 });
    const myadd = (a: number, bb: number, c = 0) => a + bb + c;
    expect(await s.starmap(myadd).compute(sync)).toEqual(data.map(([a, bb]) => myadd(a, bb)));
    expect(await s.starmap(myadd, 10).compute(sync)).toEqual(data.map(([a, bb]) => myadd(a, bb, 10)));
    const maxSecond = s.pluck(1).max();
    expect(await s.starmap(myadd, maxSecond).compute(sync)).toEqual(data.map(([a, bb]) => myadd(a, bb, 10)));
    expect(await s.starmap(myadd, delayed(10)).compute(sync)).toEqual(data.map(([a, bb]) => myadd(a, bb, 10)));
  });

  test('filter, remove, and filter with no predicate (test_filter, test_remove)', async () => {
    expect(await b.filter(iseven).compute(sync)).toEqual(L.filter(iseven));
    expect(b.filter(iseven).name).toBe(b.filter(iseven).name);
    const f = (x: number) => x % 2 === 0;
    expect(await b.remove(f).compute(sync)).toEqual([1, 3, 1, 3, 1, 3]);
    expect(b.remove(f).name).toBe(b.remove(f).name);
    expect(await b.filter().compute(sync)).toEqual(L.filter(Boolean));
    expect(await b.filter((x, lim) => x < lim, 2).compute(sync)).toEqual(L.filter((x) => x < 2));
  });

  test('pluck with keys, indexes, lists of keys and defaults (test_pluck, test_pluck_with_default)', async () => {
    const p = bag.fromSequence([[1, 10], [2, 20], [3, 30], [4, 40]], { npartitions: 2 });
    expect(await p.pluck(0).compute(sync)).toEqual([1, 2, 3, 4]);
    expect(await p.pluck(1).compute(sync)).toEqual([10, 20, 30, 40]);
    expect(await p.pluck([1, 0]).compute(sync)).toEqual([[10, 1], [20, 2], [30, 3], [40, 4]]);
    expect(p.pluck([1, 0]).name).toBe(p.pluck([1, 0]).name);
    const s = bag.fromSequence(['Hello', '', 'World']);
    await expect(s.pluck(0).compute(sync)).rejects.toThrow(/pluck\(0\): the element "" has no such key/);
    expect(await s.pluck(0, null).compute(sync)).toEqual(['H', null, 'W']);
    expect(s.pluck(0, null).name).toBe(s.pluck(0, null).name);
    expect(s.pluck(0).name).not.toBe(s.pluck(0, null).name);
    expect(await bag.fromSequence([{ a: 1 }, { b: 2 }]).pluck('a', -1).compute(sync)).toEqual([1, -1]);
  });

  test('flatten (test_flatten), including iterables', async () => {
    const f = bag.fromSequence([[1], [2, 3]]);
    expect(await f.flatten().compute(sync)).toEqual([1, 2, 3]);
    expect(f.flatten().name).toBe(f.flatten().name);
    expect(await bag.fromSequence(['ab', 'c']).flatten().compute(sync)).toEqual(['a', 'b', 'c']);
  });

  test('mapPartitions (test_map_partitions, test_map_partitions_args_kwargs, test_map_partitions_arg)', async () => {
    expect(await b.mapPartitions((xs) => xs.length).compute(sync)).toEqual([5, 5, 5]);
    const len = (xs: unknown[]) => xs.length;
    expect(b.mapPartitions(len).name).toBe(b.mapPartitions(len).name);
    expect(b.mapPartitions((a) => a.length + 1).name).not.toBe(b.mapPartitions(len).name);
    const xs = Array.from({ length: 100 }, (_, i) => ((i * 7919) % 201) - 100);
    const ys = Array.from({ length: 100 }, (_, i) => ((i * 104729) % 201) - 100);
    const dx = bag.fromSequence(xs, { npartitions: 10 });
    const dy = bag.fromSequence(ys, { npartitions: 10 });
    const maximum = (x: number[], y: number | number[] = 0) => x.map((a, i) => Math.max(a, typeof y === 'number' ? y : y[i]!));
    expect(await dx.mapPartitions(maximum, 10).compute(sync)).toEqual(maximum(xs, 10));
    expect(await dx.mapPartitions(maximum, dy).compute(sync)).toEqual(maximum(xs, ys));
    const mean = Math.trunc(ys.reduce((s, v) => s + v, 0) / ys.length);
    expect(await dx.mapPartitions(maximum, delayed(Math.trunc)(dy.mean().toDelayed())).compute(sync)).toEqual(maximum(xs, mean));
    const appendStr = (part: string[], s: string) => part.map((x) => x + s);
    expect(await bag.fromSequence(['a', 'b', 'c']).mapPartitions(appendStr, 'foo').compute(sync)).toEqual(['afoo', 'bfoo', 'cfoo']);
    expect(await bag.fromSequence(['a', 'b', 'c']).mapPartitions(appendStr, delayed('foo')).compute(sync)).toEqual(['afoo', 'bfoo', 'cfoo']);
  });

  test('map over generators returns the generator values concretely (test_map_with_iterator_function)', async () => {
    const g = bag.fromSequence([[1, 2, 3], [4, 5, 6]], { npartitions: 2 }).map((xs) => xs.map((x) => x + 1));
    expect(await g.compute(sync)).toEqual([[2, 3, 4], [5, 6, 7]]);
    const it = bag.fromSequence([1, 2, 3]).mapPartitions(function* (xs) {
      for (const x of xs) yield x * 10;
    });
    expect(await it.compute({ scheduler: 'processes' })).toEqual([10, 20, 30]);
  });

  test('zip (test_zip) on several partitionings', async () => {
    for (const np of [1, 7, 10, 28]) {
      const evens = bag.fromSequence(Array.from({ length: 500 }, (_, i) => 2 * i), { npartitions: np });
      const odds = bag.fromSequence(Array.from({ length: 500 }, (_, i) => 2 * i + 1), { npartitions: np });
      const pairs = bag.zip(evens, odds);
      expect(pairs.npartitions).toBe(evens.npartitions);
      expect(await pairs.compute(sync)).toEqual(Array.from({ length: 500 }, (_, i) => [2 * i, 2 * i + 1]));
    }
  });

  test('filter then map with a Bag argument pairs the filtered elements, as Dask', async () => {
    const a = bag.fromSequence([1, 2, 3, 4], { npartitions: 2 });
    const other = bag.fromSequence(['x', 'y'], { npartitions: 2 });
    expect(await a.filter(iseven).map((v, s) => `${v}${s}`, other).compute(sync)).toEqual(['2x', '4y']);
  });
});

describe('transforms across partitions', () => {
  test('accumulate (test_accumulate), with empty partitions and initial values', async () => {
    const parts = bag.concat([bag.fromSequence([1, 2, 3], { npartitions: 1 }), bag.fromSequence([4, 5], { npartitions: 1 }), bag.fromSequence([]), bag.fromSequence([6, 7], { npartitions: 1 })]);
    const add = (x: number, y: number) => x + y;
    const r = parts.accumulate(add);
    expect(r.name).toBe(parts.accumulate(add).name);
    expect(r.name).not.toBe(parts.accumulate(add, -1).name);
    expect(await r.compute(sync)).toEqual([1, 3, 6, 10, 15, 21, 28]);
    expect(await parts.accumulate(add, -1).compute(sync)).toEqual([-1, 0, 2, 5, 9, 14, 20, 27]);
    expect(await parts.accumulate(add).map(inc).compute({ scheduler: 'processes' })).toEqual([2, 4, 7, 11, 16, 22, 29]);
    expect(await bag.fromSequence([1, 2, 3], { npartitions: 1 }).accumulate(add).compute(sync)).toEqual([1, 3, 6]);
  });

  test('product (test_product)', async () => {
    const b2 = b.product(b);
    expect(b2.npartitions).toBe(9);
    const got = (await b2.compute(sync)).map(([i, j]) => `${i},${j}`).sort();
    expect(got).toEqual(L.flatMap((i) => L.map((j) => `${i},${j}`)).sort());
    const x = bag.fromSequence([1, 2, 3, 4]);
    const y = bag.fromSequence([10, 20, 30]);
    const z = x.product(y);
    expect((await z.compute(sync)).map(String).sort()).toEqual([1, 2, 3, 4].flatMap((i) => [10, 20, 30].map((j) => `${i},${j}`)).sort());
    expect(z.name).not.toBe(b2.name);
    expect(z.name).toBe(x.product(y).name);
  });

  test('repartition keeps every element in order (test_repartition_npartitions, test_repartition_names)', async () => {
    const data = Array.from({ length: 100 }, (_, i) => i);
    for (const nin of [1, 2, 7, 11, 23]) {
      for (const nout of [1, 2, 5, 12, 23]) {
        const c = bag.fromSequence(data, { npartitions: nin }).repartition(nout);
        expect(c.npartitions).toBe(nout);
        expect(await c.compute(sync)).toEqual(data);
      }
    }
    const five = bag.fromSequence(data, { npartitions: 5 });
    expect(five.repartition(2).name).not.toBe(five.name);
    expect(five.repartition(5)).toBe(five);
    expect(() => five.repartition(0)).toThrow(/npartitions=0/);
  });

  test('repartitioned partitions are all non-empty when there are enough elements', async () => {
    const c = bag.fromSequence(Array.from({ length: 100 }, (_, i) => i), { npartitions: 23 }).repartition(12);
    const sizes = await c.mapPartitions((xs) => [xs.length]).compute(sync);
    expect(sizes.every((n) => n > 0)).toBe(true);
    expect(sizes.reduce((s, n) => s + n, 0)).toBe(100);
  });
});

describe('take, persist, display', () => {
  test('take computes only the partitions it needs (test_take, test_take_npartitions)', async () => {
    expect(await b.take(2, sync)).toEqual([0, 1]);
    expect(await b.take(6, { npartitions: 2, ...sync })).toEqual([0, 1, 2, 3, 4, 0]);
    expect(await b.take(6, { npartitions: -1, ...sync })).toEqual([0, 1, 2, 3, 4, 0]);
    expect(await b.take(3, { npartitions: -1, ...sync })).toEqual([0, 1, 2]);
    await expect(b.take(1, { npartitions: 5 })).rejects.toThrow(/npartitions=5 but the bag has only 3 partitions/);
    // Only the first partition runs: the others would throw.
    const bomb = bag.range(30, { npartitions: 3 }).map((x) => {
      if (x >= 10) throw new Error('computed a partition take did not need');
      return x;
    });
    expect(await bomb.take(3, { scheduler: 'processes' })).toEqual([0, 1, 2]);
    // Within a partition, elements after the first n are not even mapped.
    expect(await bag.range(10, { npartitions: 1 }).map((x) => {
      if (x >= 3) throw new Error('mapped an element take did not need');
      return x;
    }).take(3, sync)).toEqual([0, 1, 2]);
    expect(await bag.zip(bag.range(5, { npartitions: 1 }), bag.range(5, { npartitions: 1 })).take(2, sync)).toEqual([[0, 0], [1, 1]]);
    expect(await b.take(0, sync)).toEqual([]);
    const warnings: string[] = [];
    const onWarn = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarn);
    expect(await b.take(7, sync)).toEqual([0, 1, 2, 3, 4]);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarn);
    expect(warnings.some((w) => w.includes('take(7) found only 5 elements'))).toBe(true);
  });

  test('persist keeps results and later computes start from them', async () => {
    let calls = 0;
    const counted = b.map((x) => {
      calls++;
      return x * 2;
    });
    const p = await counted.persist(sync);
    expect(calls).toBe(15);
    expect(p.npartitions).toBe(3);
    expect(await p.map(inc).compute(sync)).toEqual(L.map((x) => x * 2 + 1));
    expect(calls).toBe(15);
  });

  test('toDelayed gives one Delayed per partition (test_to_delayed)', async () => {
    const [a, b2, c] = bag.fromSequence([1, 2, 3, 4, 5, 6], { npartitions: 3 }).map(inc).toDelayed();
    expect(await b2!.compute({ scheduler: 'processes' })).toEqual([4, 5]);
    expect(await compute(a!, c!, sync)).toEqual([[2, 3], [6, 7]]);
    expect(await bag.fromSequence([1, 2, 3, 4, 5, 6], { npartitions: 3 }).sum().toDelayed().compute()).toBe(21);
    const packed = bag.range(5000, { npartitions: 1 }).persist(sync);
    const [p] = bag.fromSequence(Array.from({ length: 5000 }, (_, i) => i), { npartitions: 1 }).toDelayed();
    expect(Array.isArray(await p!.compute(sync))).toBe(true);
    expect((await (await packed).toDelayed()[0]!.compute(sync)).length).toBe(5000);
  });

  test('String, inspect and reprHtml (test_repr)', async () => {
    const { inspect } = await import('node:util');
    expect(String(bag.fromSequence([1, 2, 3, 4], { npartitions: 4 }))).toBe('shoal.Bag<from_sequence, npartitions=4>');
    expect(inspect(b.map(inc))).toBe('shoal.Bag<inc, npartitions=3>');
    expect(String(b.map((x) => x))).toBe('shoal.Bag<map, npartitions=3>');
    const html = b.map(inc).reprHtml();
    expect(html).toContain('<th>npartitions</th><td>3</td>');
    expect(html).toContain('<th>tasks</th><td>6</td>');
    expect(String(b.sum())).toMatch(/^shoal\.Item<sum-[0-9a-f]+>$/);
  });

  test('visualize draws one pipeline task per partition', async () => {
    const dot = await b.map(inc).filter(iseven).visualize({ format: 'dot' });
    // 3 data partitions and 3 fused pipeline tasks: no separate map (inc) or filter tasks.
    expect(dot.match(/label="bag\.pipeline", shape="circle"/g)).toHaveLength(3);
    expect(dot.match(/label="filter\(\d\)", shape="box"/g)).toHaveLength(3);
    expect(dot.match(/label="from_sequence\(\d\)", shape="box"/g)).toHaveLength(3);
    expect(dot).not.toMatch(/label="inc/);
  });

  test('a Bag is a Bag instance and is not awaitable by accident', () => {
    expect(b).toBeInstanceOf(Bag);
    expect((b as unknown as { then?: unknown }).then).toBeUndefined();
  });
});
