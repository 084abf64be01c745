/**
 * Tree reductions, foldBy, frequencies, topk, distinct and groupBy, translated from Dask's
 * test_bag.py and checked against sequential JS.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { bag, compute, shutdown } from '../../src/index.ts';

afterAll(() => shutdown());

const sync = { scheduler: 'sync' } as const;
const L = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4];
const b = bag.fromSequence(L, { partitionSize: 5 });
const iseven = (x: number) => x % 2 === 0;
const add = (x: number, y: number) => x + y;

/** Sequential references. */
const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;
const variance = (xs: number[], ddof = 0) => sum(xs.map((x) => (x - mean(xs)) ** 2)) / (xs.length - ddof);

describe('reductions', () => {
  test('count sum min max any all (test_reductions)', async () => {
    expect(await compute(b.count(), b.sum(), b.max(), b.min(), b.any(), b.all(), sync)).toEqual([15, 30, 4, 0, true, false]);
    expect(b.all().key).toBe(b.all().key);
    expect(b.all().key).not.toBe(b.any().key);
  });

  test('reduction names (test_reduction_names)', () => {
    expect(b.sum().key.startsWith('sum')).toBe(true);
    function total(xs: number[]): number {
      return xs.reduce((a, x) => a + x, 0);
    }
    expect(b.reduction(total, total).key.startsWith('total')).toBe(true);
    expect(b.reduction(total, total, { name: 'foo' }).key.startsWith('foo')).toBe(true);
  });

  test('tree reductions: splitEvery changes the graph, not the answer (test_tree_reductions)', async () => {
    const r = bag.fromSequence(Array.from({ length: 12 }, (_, i) => i));
    const total = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
    const c = r.reduction(total, total, { splitEvery: 2 });
    const d = r.reduction(total, total, { splitEvery: 6 });
    const e = r.reduction(total, total, { splitEvery: 5 });
    expect(await compute(c, d, e, sync)).toEqual([66, 66, 66]);
    expect(c.__graph__().size).toBeGreaterThan(d.__graph__().size);
    const s2 = r.sum({ splitEvery: 2 });
    const s5 = r.sum({ splitEvery: 5 });
    expect(await compute(s2, s5, sync)).toEqual([66, 66]);
    expect(s2.__graph__().size).toBeGreaterThan(s5.__graph__().size);
    expect(s2.key).not.toBe(s5.key);
    expect(s2.key).toBe(r.sum({ splitEvery: 2 }).key);
    expect(s2.key).not.toBe(r.sum().key);
    expect(() => r.sum({ splitEvery: 1 })).toThrow(/splitEvery=1/);
    // splitEvery: false is one aggregate over every partial.
    expect(await r.sum({ splitEvery: false }).compute(sync)).toBe(66);
  });

  test('mean, std, var, with ddof (test_mean, test_std, test_var, test_non_splittable_reductions)', async () => {
    expect(await b.mean().compute(sync)).toBe(2);
    expect(await b.std().compute(sync)).toBeCloseTo(Math.sqrt(2), 12);
    expect(await b.var().compute(sync)).toBeCloseTo(2, 12);
    const data = Array.from({ length: 100 }, (_, i) => i);
    for (const np of [1, 10]) {
      const c = bag.fromSequence(data, { npartitions: np });
      expect(await c.mean().compute(sync)).toBeCloseTo(mean(data), 10);
      expect(await c.std().compute(sync)).toBeCloseTo(Math.sqrt(variance(data)), 10);
      expect(await c.var(1).compute(sync)).toBeCloseTo(variance(data, 1), 10);
    }
  });

  test('aggregations over ranges (test_aggregation)', async () => {
    const data = Array.from({ length: 15 }, (_, i) => i);
    for (const np of [1, 3, 4]) {
      const r = bag.range(15, { npartitions: np });
      expect(await compute(r.mean(), r.sum(), r.count(), sync)).toEqual([mean(data), 105, 15]);
    }
  });

  test('empty partitions and empty bags (test_reduction_empty, test_reduction_empty_aggregate, test_empty_bag)', async () => {
    const sparse = bag.fromSequence(Array.from({ length: 10 }, (_, i) => i), { npartitions: 10 }).repartition(37).filter(iseven);
    expect(await compute(sparse.max(), sparse.min(), sync)).toEqual([8, 0]);
    for (const np of [1, 2, 4]) {
      const e = bag.fromSequence([0, 0, 0, 1], { npartitions: np }).filter();
      expect(await compute(e.min({ splitEvery: 2 }), e.max({ splitEvery: 2 }), sync)).toEqual([1, 1]);
      const none = bag.fromSequence([0, 0, 0, 0], { npartitions: np }).filter();
      await expect(none.min({ splitEvery: 2 }).compute(sync)).rejects.toThrow(/min\(\) of an empty bag/);
    }
    const empty = bag.fromSequence([] as number[]);
    expect(await compute(empty.all(), empty.any(), empty.sum(), empty.count(), sync)).toEqual([true, false, 0, 0]);
    await expect(empty.mean().compute(sync)).rejects.toThrow(/mean\(\) of an empty bag: there are no elements/);
    await expect(empty.mean().compute({ scheduler: 'processes' })).rejects.toThrow(/mean\(\) of an empty bag/);
    await expect(empty.fold(add).compute(sync)).rejects.toThrow(/fold\(\) with no initial value of an empty bag/);
    expect(await bag.range(0, { npartitions: 3 }).count().compute({ scheduler: 'processes' })).toBe(0);
  });

  test('fold with initial and combine (test_fold)', async () => {
    const c = b.fold(add);
    expect(await c.compute(sync)).toBe(30);
    expect(c.key).toBe(b.fold(add).key);
    const c2 = b.fold(add, undefined, { initial: 10 });
    expect(c2.key).not.toBe(c.key);
    // The initial value starts each partition's fold, not the combine (Dask's semantics).
    expect(await c2.compute(sync)).toBe(30 + 10 * 3);
    const r = bag.fromSequence([0, 1, 2, 3, 4], { npartitions: 3 });
    const binop = (acc: number[], x: number) => [...acc, x];
    const union = (a: number[], c3: number[]) => [...new Set([...a, ...c3])];
    const d = r.fold(binop, union, { initial: [] as number[] });
    expect((await d.compute({ scheduler: 'processes' })).sort()).toEqual([0, 1, 2, 3, 4]);
    const h = bag.fromSequence([...'hello']);
    expect([...(await h.fold((a: string, x: string) => a + x, undefined, { initial: '' }).compute(sync))].sort()).toEqual([...'hello'].sort());
    const e = bag.fromSequence([[1], [2], [3]], { npartitions: 2 });
    expect((await e.fold((a: number[], x: number[]) => [...a, ...x], undefined, { initial: [] as number[] }).compute(sync)).sort()).toEqual([1, 2, 3]);
  });

  test('foldBy (test_foldby, test_foldby_tree_reduction)', async () => {
    const expected = new Map<boolean, number>();
    for (const x of L) expected.set(iseven(x), (expected.get(iseven(x)) ?? 0) + x);
    const c = b.foldBy(iseven, add, 0, add, 0);
    expect(new Map(await c.compute(sync))).toEqual(expected);
    expect(c.name).toBe(b.foldBy(iseven, add, 0, add, 0).name);
    expect(c.npartitions).toBe(1);
    expect(new Map(await b.foldBy(iseven, add).compute(sync))).toEqual(expected);
    const all: Promise<unknown>[] = [];
    let first: unknown;
    for (const n of [1, 7, 32]) {
      const r = bag.fromSequence(Array.from({ length: 100 }, (_, i) => i), { npartitions: n });
      first ??= new Map(await r.foldBy(iseven, add).compute(sync));
      for (const m of [false, undefined, 2, 3] as const) {
        const o = { splitEvery: m };
        for (const f of [r.foldBy(iseven, add, undefined, undefined, undefined, o), r.foldBy(iseven, add, 0, undefined, undefined, o), r.foldBy(iseven, add, 0, add, undefined, o), r.foldBy(iseven, add, 0, add, 0, o)])
          all.push(f.compute(sync).then((v) => expect(new Map(v)).toEqual(first)));
      }
    }
    await Promise.all(all);
    // A tree: with 32 partitions and splitEvery 2 there are intermediate combine tasks.
    const tree = bag.range(100, { npartitions: 32 }).foldBy(iseven, add, 0, add, 0, { splitEvery: 2 });
    expect([...tree.__graph__().keys()].some((k) => k.startsWith('foldby-combine-'))).toBe(true);
  });

  test('foldBy with a function making a fresh initial value per key (toolz reduceby rule)', async () => {
    const r = bag.fromSequence(['apple', 'avocado', 'banana', 'blueberry', 'cherry'], { npartitions: 2 });
    const push = (acc: string[], x: string) => {
      acc.push(x);
      return acc;
    };
    const concat = (a: string[], c: string[]) => [...a, ...c];
    const got = await r.foldBy((w) => w[0], push, () => [] as string[], concat, () => [] as string[]).compute({ scheduler: 'processes' });
    expect(new Map(got)).toEqual(new Map([['a', ['apple', 'avocado']], ['b', ['banana', 'blueberry']], ['c', ['cherry']]]));
  });

  test('foldBy with a property name as key', async () => {
    const rows = [{ k: 'a', v: 1 }, { k: 'b', v: 2 }, { k: 'a', v: 3 }];
    const r = bag.fromSequence(rows, { npartitions: 2 }).foldBy('k', (acc: number, x) => acc + x.v, 0, add);
    expect(new Map(await r.compute({ scheduler: 'processes' }))).toEqual(new Map([['a', 4], ['b', 2]]));
  });

  test('frequencies (test_frequencies, test_frequencies_sorted)', async () => {
    const c = b.frequencies();
    expect(new Map(await c.compute(sync))).toEqual(new Map([[0, 3], [1, 3], [2, 3], [3, 3], [4, 3]]));
    const c2 = b.frequencies(false, { splitEvery: 2 });
    expect(new Map(await c2.compute(sync))).toEqual(new Map([[0, 3], [1, 3], [2, 3], [3, 3], [4, 3]]));
    expect(c.name).toBe(b.frequencies().name);
    expect(c.name).not.toBe(c2.name);
    const b2 = bag.fromSequence(Array.from({ length: 20 }, (_, i) => i), { partitionSize: 2 }).filter((x) => x < 10);
    expect(new Map(await b2.frequencies().compute(sync))).toEqual(new Map(Array.from({ length: 10 }, (_, i) => [i, 1])));
    expect(await bag.fromSequence([0, 0, 0, 0], { npartitions: 4 }).filter().frequencies(false, { splitEvery: 2 }).compute(sync)).toEqual([]);
    const s = bag.fromSequence(['a', 'b', 'b', 'b', 'c', 'c']);
    expect(await s.frequencies(true).compute(sync)).toEqual([['b', 3], ['c', 2], ['a', 1]]);
  });

  test('topk with keys (test_topk, test_topk_with_non_callable_key, test_topk_with_multiarg_lambda)', async () => {
    expect(await b.topk(4).compute(sync)).toEqual([4, 4, 4, 3]);
    const neg = (x: number) => -x;
    expect(await b.topk(4, neg).compute(sync)).toEqual([0, 0, 0, 1]);
    const c2 = b.topk(4, neg, { splitEvery: 2 });
    expect(await c2.compute(sync)).toEqual([0, 0, 0, 1]);
    expect(b.topk(4, neg).name).not.toBe(c2.name);
    expect(b.topk(4).name).toBe(b.topk(4).name);
    for (const np of [1, 2]) {
      const t = bag.fromSequence([[1, 10], [2, 9], [3, 8]], { npartitions: np });
      expect(await t.topk(2, 1).compute(sync)).toEqual([[1, 10], [2, 9]]);
      expect(await t.topk(2, 0).compute(sync)).toEqual([[3, 8], [2, 9]]);
    }
    const t = bag.fromSequence([[1, 10], [2, 9], [3, 8]], { npartitions: 2 });
    expect(await t.topk(2, ((_a: number, bb: number) => bb) as never).compute({ scheduler: 'processes' })).toEqual([[1, 10], [2, 9]]);
  });

  test('distinct, with keys (test_distinct, test_distinct_with_key)', async () => {
    expect((await b.distinct().compute(sync)).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(b.distinct().name).toBe(b.distinct().name);
    expect(b.distinct().name).toContain('distinct');
    expect(await b.distinct().count().compute(sync)).toBe(5);
    expect(await bag.fromSequence(Array(50).fill(0), { npartitions: 50 }).filter().distinct().compute(sync)).toEqual([]);
    const seq = [0, 1, 2, 1, 2, 3, 2, 3, 4, 5].map((a) => ({ a }));
    const d = bag.fromSequence(seq, { npartitions: 3 });
    const expected = [0, 1, 2, 3, 4, 5].map((a) => ({ a }));
    expect(await d.distinct('a').compute(sync)).toEqual(expected);
    expect(await d.distinct((x) => x.a).compute({ scheduler: 'processes' })).toEqual(expected);
  });

  test('Items compute on processes by default and turn into Delayed', async () => {
    const s = bag.fromSequence([1, 2, 3, 4, 5, 6], { npartitions: 3 }).sum();
    expect(s.__scheduler__).toBe('processes');
    expect(await s.toDelayed().compute()).toBe(21);
    expect(await s.compute()).toBe(21);
  });
});

describe('groupBy: a shuffle across partitions', () => {
  test('groupBy identity (test_groupby) and keeps npartitions', async () => {
    const c = b.groupBy((x) => x);
    expect(new Map(await c.compute(sync))).toEqual(new Map([0, 1, 2, 3, 4].map((k) => [k, [k, k, k]])));
    expect(c.npartitions).toBe(b.npartitions);
    expect(c.name).toBe(b.groupBy((x) => x).name);
    expect(c.name).not.toBe(b.groupBy((x) => x + 1).name);
  });

  test('groupBy with booleans and strings (test_bag_groupby_pure_hash, test_bag_groupby_normal_hash)', async () => {
    const r = new Map(await b.groupBy(iseven).compute(sync));
    expect(r).toEqual(new Map([[false, [1, 3, 1, 3, 1, 3]], [true, [0, 2, 4, 0, 2, 4, 0, 2, 4]]]));
    const s = await b.groupBy((x) => (x % 2 === 0 ? 'even' : 'odd')).compute({ scheduler: 'processes' });
    expect(s).toHaveLength(2);
    expect(new Map(s)).toEqual(new Map([['odd', [1, 3, 1, 3, 1, 3]], ['even', [0, 2, 4, 0, 2, 4, 0, 2, 4]]]));
  });

  test('groupBy with an index and changed npartitions (test_groupby_with_indexer, test_groupby_with_npartitions_changed)', async () => {
    const g = new Map(await bag.fromSequence([[1, 2, 3], [1, 4, 9], [2, 3, 4]]).groupBy(0).compute(sync));
    expect(g).toEqual(new Map([[1, [[1, 2, 3], [1, 4, 9]]], [2, [[2, 3, 4]]]]));
    const one = b.groupBy((x) => x, { npartitions: 1 });
    expect(one.npartitions).toBe(1);
    expect(new Map(await one.compute(sync))).toEqual(new Map([0, 1, 2, 3, 4].map((k) => [k, [k, k, k]])));
  });

  test('every key lands in exactly one output partition (test_groupby_tasks, test_groupby_tasks_2)', async () => {
    for (const [size, np, groups] of [[1000, 20, 100], [2000, 23, 157], [100, 1, 50]] as const) {
      const f = (x: number, g: number) => x % g;
      const r = bag.range(size, { npartitions: np }).groupBy((x) => x % 10);
      // mapPartitions((p) => [p]) gives each output partition as one element.
      const partsOut = await r.mapPartitions((p) => [p]).compute(sync);
      expect(partsOut).toHaveLength(np);
      const seen = new Set<number>();
      for (const p of partsOut) {
        for (const [k] of p) {
          expect(seen.has(k)).toBe(false);
          seen.add(k);
        }
      }
      const grouped = bag.range(size, { npartitions: np }).map((x, g) => [f(x, g), x] as [number, number], groups).groupBy(0);
      const got = new Map((await grouped.compute(sync)).map(([k, xs]) => [k, xs.map((p) => p[1])]));
      const want = new Map<number, number[]>();
      for (let x = 0; x < size; x++) want.set(x % groups, [...(want.get(x % groups) ?? []), x]);
      expect(got).toEqual(want);
    }
  });

  test('a staged shuffle past maxBranch: fewer tasks, the same partitions (test_groupby_tasks, test_groupby_tasks_3)', async () => {
    const r = bag.range(1000, { npartitions: 100 });
    const staged = r.groupBy((x) => x % 123);
    expect(staged.npartitions).toBe(100);
    expect(staged.__graph__().size).toBeLessThan(100 ** 2); // one stage would be 100 x 100 buckets
    const flat = r.groupBy((x) => x % 123, { maxBranch: 100 });
    expect(flat.__graph__().size).toBeGreaterThan(100 ** 2);
    // Output partition j holds the keys hashed to j either way, elements in bag order.
    const [a, b2] = await compute(staged.mapPartitions((p) => [p]), flat.mapPartitions((p) => [p]), sync);
    expect(a).toEqual(b2);
    const want = new Map<number, number[]>();
    for (let x = 0; x < 1000; x++) want.set(x % 123, [...(want.get(x % 123) ?? []), x]);
    expect(new Map(a.flat())).toEqual(want);
    for (const [np, nout, mb] of [[5, 5, 2], [20, 7, 3], [4, 9, 2], [1, 3, 2]] as const) {
      const g = bag.range(20 * np, { npartitions: np }).groupBy((x) => x % 10, { npartitions: nout, maxBranch: mb });
      expect(g.npartitions).toBe(nout);
      const got = await g.compute({ scheduler: 'processes' });
      const w = new Map<number, number[]>();
      for (let x = 0; x < 20 * np; x++) w.set(x % 10, [...(w.get(x % 10) ?? []), x]);
      expect(new Map(got)).toEqual(w);
    }
    expect(() => r.groupBy((x) => x, { maxBranch: 1 })).toThrow(/maxBranch=1/);
  });

  test('tuple keys group by value', async () => {
    const r = await bag.fromSequence([1, 2, 3, 4, 5, 6], { npartitions: 3 }).groupBy((x) => [x % 2, x % 3 === 0]).compute({ scheduler: 'processes' });
    expect(new Map(r.map(([k, v]) => [JSON.stringify(k), v]))).toEqual(
      new Map([['[1,false]', [1, 5]], ['[0,false]', [2, 4]], ['[1,true]', [3]], ['[0,true]', [6]]]),
    );
  });
});
