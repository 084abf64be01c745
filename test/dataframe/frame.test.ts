/**
 * DataFrame / Series core against plain sequential JS references over the same rows, with
 * fast-check properties that results do not depend on npartitions, and one fixed pipeline run on
 * every scheduler.
 */
import { tableFromArrays } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { fromArrow, fromRecords, readCsv, delayed, fromDelayed, type DataFrame } from '../../src/index.ts';
import { SCHEDULERS, tempDir } from '../helpers.ts';
import { close, rows } from './helpers.ts';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

type Rec = { k: string; g: number; x: number | null; y: number };
const recArb = fc.record({
  k: fc.constantFrom('a', 'b', 'c', 'dd'),
  g: fc.integer({ min: 0, max: 5 }),
  x: fc.option(fc.integer({ min: -1000, max: 1000 }).map((v) => v / 8), { nil: null }),
  y: fc.integer({ min: -50, max: 50 }),
});
const dataArb = fc.array(recArb, { minLength: 1, maxLength: 80 });

function frame(recs: Rec[], n: number): DataFrame {
  return fromRecords(recs, { npartitions: n, dtypes: { k: 'string', g: 'int32', x: 'float64', y: 'int32' } });
}

// ---- references ----
const nums = (xs: Array<number | null>) => xs.filter((v): v is number => v !== null);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => (xs.length ? sum(xs) / xs.length : NaN);
const variance = (xs: number[]) => (xs.length > 1 ? sum(xs.map((v) => (v - mean(xs)) ** 2)) / (xs.length - 1) : NaN);
function groupRef(recs: Rec[], key: (r: Rec) => string) {
  const m = new Map<string, Rec[]>();
  for (const r of recs) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
const near = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? (Number.isNaN(a) && Number.isNaN(b)) || close(a, b) : a === b);

describe('properties: results never depend on npartitions', () => {
  test('reductions, filter, assign, groupby', async () => {
    await fc.assert(
      fc.asyncProperty(dataArb, fc.integer({ min: 1, max: 6 }), async (recs, n) => {
        const df = frame(recs, n);
        const xs = nums(recs.map((r) => r.x));
        expect(await df.length().compute({ scheduler: 'sync' })).toBe(recs.length);
        expect(near(await df.col('x').sum().compute({ scheduler: 'sync' }), sum(xs))).toBe(true);
        expect(near(await df.col('x').mean().compute({ scheduler: 'sync' }), mean(xs))).toBe(true);
        expect(near(await df.col('x').std({ splitEvery: 2 }).compute({ scheduler: 'sync' }), Math.sqrt(variance(xs)))).toBe(true);
        expect(near(await df.col('y').var().compute({ scheduler: 'sync' }), variance(recs.map((r) => r.y)))).toBe(true);
        expect(await df.col('x').count().compute({ scheduler: 'sync' })).toBe(xs.length);
        expect(await df.col('k').nunique().compute({ scheduler: 'sync' })).toBe(new Set(recs.map((r) => r.k)).size);
        expect(await df.col('y').min().compute({ scheduler: 'sync' })).toBe(Math.min(...recs.map((r) => r.y)));
        expect(await df.col('k').max().compute({ scheduler: 'sync' })).toBe(recs.map((r) => r.k).sort().at(-1));
        // filter + assign + arithmetic
        const f = df.filter(df.col('y').gt(0).and(df.col('k').ne('a')));
        const g = f.assign({ z: f.col('y').mul(2).add(f.col('g')) });
        const ref = recs.filter((r) => r.y > 0 && r.k !== 'a');
        expect(rows(await g.select(['z']).compute({ scheduler: 'sync' })).map((r) => r.z)).toEqual(ref.map((r) => r.y * 2 + r.g));
        // groupby agg
        const got = rows(await df.groupby('k', { splitEvery: 2 }).agg({ x: ['sum', 'mean', 'count', 'min', 'max'], y: 'std' }).compute({ scheduler: 'sync' }));
        const want = groupRef(recs, (r) => r.k).map(([k, rs]) => {
          const gx = nums(rs.map((r) => r.x));
          return { k, x_sum: sum(gx), x_mean: mean(gx), x_count: gx.length, x_min: gx.length ? Math.min(...gx) : null, x_max: gx.length ? Math.max(...gx) : null, y: Math.sqrt(variance(rs.map((r) => r.y))) };
        });
        expect(got.length).toBe(want.length);
        got.forEach((row, i) => {
          for (const key of Object.keys(want[i]!)) expect(near(row[key], (want[i] as Record<string, unknown>)[key]), `${key}: ${row[key]} vs ${(want[i] as Record<string, unknown>)[key]}`).toBe(true);
        });
        // numeric keys with a hash split, and several keys
        const bySize = rows(await df.groupby(['g', 'k'], { splitOut: 3 }).size().compute({ scheduler: 'sync' }));
        expect(bySize).toEqual(groupRef(recs, (r) => `${r.g}|${r.k}`).map(([key, rs]) => ({ g: Number(key.split('|')[0]), k: key.split('|')[1], size: rs.length })).sort((a, b) => a.g - b.g || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)));
      }),
      { numRuns: 15 },
    );
  });

  test('sortValues, dropDuplicates, dropNulls, repartition, valueCounts, merge', async () => {
    await fc.assert(
      fc.asyncProperty(dataArb, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), async (recs, n, m) => {
        const df = frame(recs, n);
        const sorted = rows(await df.sortValues(['y', 'k'], { ascending: [false, true] }).compute({ scheduler: 'sync' }));
        const ref = [...recs].sort((a, b) => b.y - a.y || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
        expect(sorted.map((r) => [r.y, r.k])).toEqual(ref.map((r) => [r.y, r.k]));
        const ux = rows(await df.sortValues('x').compute({ scheduler: 'sync' })).map((r) => r.x);
        const xs = nums(recs.map((r) => r.x)).sort((a, b) => a - b);
        expect(ux).toEqual([...xs, ...recs.filter((r) => r.x === null).map(() => null)]);
        const dd = rows(await df.dropDuplicates(['k', 'g'], { splitEvery: 2 }).compute({ scheduler: 'sync' }));
        const seen = new Set<string>();
        expect(dd.map((r) => `${r.k}|${r.g}`)).toEqual(recs.filter((r) => !seen.has(`${r.k}|${r.g}`) && seen.add(`${r.k}|${r.g}`)).map((r) => `${r.k}|${r.g}`));
        expect((await df.dropNulls().compute({ scheduler: 'sync' })).numRows).toBe(recs.filter((r) => r.x !== null).length);
        const rp = df.repartition({ npartitions: m });
        expect(rp.npartitions).toBe(m);
        expect(rows(await rp.compute({ scheduler: 'sync' }))).toEqual(rows(await df.compute({ scheduler: 'sync' })));
        const vc = rows(await df.col('k').valueCounts().compute({ scheduler: 'sync' }));
        const counts = groupRef(recs, (r) => r.k).map(([k, rs]) => ({ k, count: rs.length })).sort((a, b) => b.count - a.count || (a.k < b.k ? -1 : 1));
        expect(vc).toEqual(counts);
        // merge against nested loops, for every how
        const other = fromRecords([{ k: 'a', w: 1 }, { k: 'b', w: 2 }, { k: 'b', w: 3 }, { k: 'zz', w: 4 }], { npartitions: m });
        for (const how of ['inner', 'left', 'right', 'outer'] as const) {
          const got = rows(await df.select(['k', 'y']).merge(other, { on: 'k', how }).compute({ scheduler: 'sync' }));
          const o = [{ k: 'a', w: 1 }, { k: 'b', w: 2 }, { k: 'b', w: 3 }, { k: 'zz', w: 4 }];
          const want: Array<Record<string, unknown>> = [];
          for (const r of recs) {
            const ms = o.filter((x) => x.k === r.k);
            for (const x of ms) want.push({ k: r.k, y: r.y, w: x.w });
            if (!ms.length && (how === 'left' || how === 'outer')) want.push({ k: r.k, y: r.y, w: null });
          }
          if (how === 'right' || how === 'outer') for (const x of o) if (!recs.some((r) => r.k === x.k)) want.push({ k: x.k, y: null, w: x.w });
          const key = (r: Record<string, unknown>) => JSON.stringify([r.k, r.y, r.w]);
          expect(got.map(key).sort(), how).toEqual(want.filter((r) => how !== 'right' || r.w !== null).map(key).sort());
        }
      }),
      { numRuns: 12 },
    );
  });
});

describe('property: results never depend on the scheduler', () => {
  test('groupby, filter and sort on sync, threads and processes agree with the reference', async () => {
    await fc.assert(
      fc.asyncProperty(dataArb, fc.integer({ min: 1, max: 4 }), fc.constantFrom(...SCHEDULERS), async (recs, n, scheduler) => {
        const df = frame(recs, n);
        const got = rows(await df.groupby('k').agg({ y: ['sum', 'count'] }).compute({ scheduler }));
        expect(got).toEqual(groupRef(recs, (r) => r.k).map(([k, rs]) => ({ k, y_sum: sum(rs.map((r) => r.y)), y_count: rs.length })));
        const byK = rows(await df.sortValues('k').compute({ scheduler })).map((r) => r.k);
        expect(byK).toEqual(recs.map((r) => r.k).sort());
        const f = df.filter(df.col('x').notNull());
        expect(await f.length().compute({ scheduler })).toBe(recs.filter((r) => r.x !== null).length);
      }),
      { numRuns: 4 },
    );
  });
});

describe('every scheduler gives the same results', () => {
  const recs: Rec[] = Array.from({ length: 500 }, (_, i) => ({ k: ['a', 'b', 'c'][i % 3]!, g: i % 7, x: i % 11 === 0 ? null : (i * 37) % 101, y: (i * 13) % 17 }));
  for (const scheduler of SCHEDULERS) {
    test(scheduler, async () => {
      const df = frame(recs, 4);
      const f = df.filter(df.col('x').gt(10));
      expect(await f.col('y').mean().compute({ scheduler })).toBeCloseTo(mean(recs.filter((r) => r.x !== null && r.x > 10).map((r) => r.y)), 10);
      const agg = rows(await df.groupby('g').agg({ x: 'sum', y: 'max' }).compute({ scheduler }));
      expect(agg).toEqual(groupRef(recs, (r) => String(r.g)).map(([g, rs]) => ({ g: Number(g), x: sum(nums(rs.map((r) => r.x))), y: Math.max(...rs.map((r) => r.y)) })));
      // A user function in mapPartitions and a custom Aggregation travel to workers as source.
      const doubled = df.mapPartitions((t) => t.select(['y']), { meta: { y: 'int32' } });
      expect(await doubled.col('y').sum().compute({ scheduler })).toBe(sum(recs.map((r) => r.y)));
      const { Aggregation } = await import('../../src/index.ts');
      const range = new Aggregation<[number, number]>({
        name: 'range',
        chunk: (v) => [Math.min(...(v as number[])), Math.max(...(v as number[]))],
        combine: (s) => [Math.min(...s.map((p) => p[0])), Math.max(...s.map((p) => p[1]))],
        finalize: (s) => s[1] - s[0],
      });
      const r = rows(await df.groupby('k').agg({ y: range }).compute({ scheduler }));
      expect(r).toEqual(groupRef(recs, (x) => x.k).map(([k, rs]) => ({ k, y: Math.max(...rs.map((x) => x.y)) - Math.min(...rs.map((x) => x.y)) })));
      const sortedTail = rows(await df.sortValues('y').tail(3, { scheduler }));
      expect(sortedTail.map((x) => x.y)).toEqual([16, 16, 16]);
    });
  }
});

describe('Series operations', () => {
  const recs = [
    { s: 'Apple', x: 1.5, d: '2012-03-04T05:06:07Z', b: true },
    { s: 'banana', x: -2, d: '2013-12-31T23:00:00Z', b: false },
    { s: null, x: null, d: null, b: null },
    { s: 'Cherry', x: 4, d: '2014-01-01T00:00:00Z', b: true },
  ];
  const df = fromRecords(recs, { npartitions: 2, dtypes: { d: 'date' } });
  const vals = async (x: ReturnType<DataFrame['col']>) => [...(await x.compute({ scheduler: 'sync' }))].map((v) => (typeof v === 'bigint' ? Number(v) : v));

  test('arithmetic, comparison, logic, nulls', async () => {
    expect(await vals(df.col('x').add(1))).toEqual([2.5, -1, null, 5]);
    expect(await vals(df.col('x').sub(df.col('x').mul(2)))).toEqual([-1.5, 2, null, -4]);
    expect(await vals(df.col('x').div(2))).toEqual([0.75, -1, null, 2]);
    expect(await vals(df.col('x').mod(3))).toEqual([1.5, 1, null, 1]);
    expect(await vals(df.col('x').pow(2))).toEqual([2.25, 4, null, 16]);
    expect(await vals(df.col('x').neg())).toEqual([-1.5, 2, null, -4]);
    expect(await vals(df.col('x').abs())).toEqual([1.5, 2, null, 4]);
    expect(await vals(df.col('x').gt(0))).toEqual([true, false, false, true]);
    expect(await vals(df.col('x').le(1.5))).toEqual([true, true, false, false]);
    expect(await vals(df.col('x').eq(4))).toEqual([false, false, false, true]);
    expect(await vals(df.col('x').ne(4))).toEqual([true, true, true, false]);
    expect(await vals(df.col('b').and(df.col('x').gt(2)))).toEqual([false, false, false, true]);
    expect(await vals(df.col('b').or(df.col('x').lt(0)))).toEqual([true, true, false, true]);
    expect(await vals(df.col('b').not())).toEqual([false, true, null, false]);
    expect(await vals(df.col('x').isNull())).toEqual([false, false, true, false]);
    expect(await vals(df.col('s').notNull())).toEqual([true, true, false, true]);
    expect(await vals(df.col('x').fillNull(0))).toEqual([1.5, -2, 0, 4]);
    expect(await vals(df.col('s').fillNull('none'))).toEqual(['Apple', 'banana', 'none', 'Cherry']);
    expect(await vals(df.col('x').between(-2, 1.5))).toEqual([true, true, false, false]);
    expect(await vals(df.col('s').isin(['Apple', 'Cherry']))).toEqual([true, false, false, true]);
    expect(await vals(df.col('x').astype('int32'))).toEqual([1, -2, null, 4]);
  });

  test('str and dt accessors', async () => {
    expect(await vals(df.col('s').str.lower())).toEqual(['apple', 'banana', null, 'cherry']);
    expect(await vals(df.col('s').str.upper())).toEqual(['APPLE', 'BANANA', null, 'CHERRY']);
    expect(await vals(df.col('s').str.contains('an'))).toEqual([false, true, false, false]);
    expect(await vals(df.col('s').str.startsWith('C'))).toEqual([false, false, false, true]);
    expect(await vals(df.col('s').str.len())).toEqual([5, 6, null, 6]);
    expect(await vals(df.col('d').dt.year())).toEqual([2012, 2013, null, 2014]);
    expect(await vals(df.col('d').dt.month())).toEqual([3, 12, null, 1]);
    expect(await vals(df.col('d').dt.day())).toEqual([4, 31, null, 1]);
    expect(await vals(df.col('d').dt.hour())).toEqual([5, 23, null, 0]);
    expect(await vals(df.col('d').gt('2013-01-01'))).toEqual([false, true, false, true]);
  });

  test('quantile (exact on small data), unique, describe', async () => {
    const xs = [5, 1, 4, 2, 3, 9, 7];
    const q = fromRecords(xs.map((x) => ({ x })), { npartitions: 3 });
    expect(await q.col('x').quantile(0.5).compute({ scheduler: 'sync' })).toBe(4);
    expect(await q.col('x').quantile([0, 0.25, 1]).compute({ scheduler: 'sync' })).toEqual([1, 2.5, 9]);
    expect([...(await q.col('x').unique().compute({ scheduler: 'sync' }))]).toEqual([1, 2, 3, 4, 5, 7, 9]);
    const d = rows(await q.describe().compute({ scheduler: 'sync' }));
    expect(d.map((r) => r.stat)).toEqual(['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max']);
    expect(d.map((r) => r.x)).toEqual([7, 31 / 7, Math.sqrt(variance(xs)), 1, 2.5, 4, 6, 9].map((v, i) => (i === 2 ? d[2]!.x : v)));
    expect(close(d[2]!.x as number, Math.sqrt(variance(xs)))).toBe(true);
    expect(await q.sum().compute({ scheduler: 'sync' })).toEqual({ x: 31 });
  });

  test('errors name the column and what exists', async () => {
    expect(() => df.col('nope')).toThrow(`col: no column named "nope"; the columns are "s", "x", "d", "b"`);
    expect(() => df.select(['x', 'zz'])).toThrow('select: no column named "zz"');
    expect(() => df.col('s').add(1)).toThrow('add needs numeric values, got a string column');
    const other = fromRecords([{ x: 1 }]);
    expect(() => df.filter(other.col('x').gt(0))).toThrow('filter: the Series comes from a different DataFrame');
    expect(() => df.groupby('zz')).toThrow('groupby: no column named "zz"');
    expect(() => df.groupby('s').agg({ x: 'median' as never })).toThrow(`unknown aggregation "median"`);
    const a = fromRecords([{ k: 'a', v: 1 }]);
    const b = fromRecords([{ k: 1, w: 2 }]);
    expect(() => a.merge(b, { on: 'k' })).toThrow(`column "k/k" is string in one partition and int32 in another`);
  });
});

describe('shape, metadata, partitions, constructors, writing', () => {
  const t = tableFromArrays({ a: Float64Array.from({ length: 10 }, (_, i) => i), b: ['x', 'y', 'x', 'z', 'x', 'y', 'x', 'z', 'x', 'y'] });
  const df = fromArrow(t, { npartitions: 3 });

  test('columns, dtypes, npartitions, partitions, head, tail, rename, drop, astype, String, reprHtml', async () => {
    expect(df.columns).toEqual(['a', 'b']);
    expect(df.dtypes.fields.map((f) => String(f.type))).toEqual(['Float64', 'Dictionary<Int32, Utf8>']);
    expect(df.npartitions).toBe(3);
    expect(rows(await df.partitions(1).compute({ scheduler: 'sync' })).map((r) => r.a)).toEqual([3, 4, 5]);
    expect(rows(await df.head(4, { scheduler: 'sync' })).map((r) => r.a)).toEqual([0, 1, 2, 3]);
    expect(rows(await df.tail(4, { scheduler: 'sync' })).map((r) => r.a)).toEqual([6, 7, 8, 9]);
    expect(df.rename({ a: 'A' }).columns).toEqual(['A', 'b']);
    expect(df.drop('a').columns).toEqual(['b']);
    expect(rows(await df.astype({ a: 'string' }).head(2, { scheduler: 'sync' }))).toEqual([{ a: '0', b: 'x' }, { a: '1', b: 'y' }]);
    expect(String(df)).toBe('DataFrame(npartitions=3, columns=[a: float64, b: string])');
    expect(df.reprHtml()).toContain('<th>b</th><td>string</td>');
    expect(df.reprHtml()).toContain('npartitions=3');
  });

  test('head computes only the partitions it needs; sample is reproducible; mapPartitions probes or checks meta', async () => {
    const { writeFileSync } = await import('node:fs');
    const lines = ['a,b', ...Array.from({ length: 200 }, (_, i) => `${i},${i}`), '200,oops'];
    writeFileSync(`${dir}/late.csv`, lines.join('\n') + '\n');
    const df2 = readCsv(`${dir}/late.csv`, { blocksize: 256, dtypes: { b: 'int32' } });
    expect(rows(await df2.head(3, { scheduler: 'threads' }))).toEqual([{ a: 0, b: 0 }, { a: 1, b: 1 }, { a: 2, b: 2 }]);
    await expect(df2.compute({ scheduler: 'sync' })).rejects.toThrow(`late.csv:202: column "b"`);
    const recs = Array.from({ length: 400 }, (_, i) => ({ i }));
    const s1 = rows(await fromRecords(recs, { npartitions: 4 }).sample({ frac: 0.25, seed: 5 }).compute({ scheduler: 'sync' }));
    const s2 = rows(await fromRecords(recs, { npartitions: 4 }).sample({ frac: 0.25, seed: 5 }).compute({ scheduler: 'processes' }));
    expect(s1).toEqual(s2);
    expect(s1.length).toBeGreaterThan(50);
    expect(s1.length).toBeLessThan(150);
    expect(s1.every((r, k) => k === 0 || (r.i as number) > (s1[k - 1]!.i as number))).toBe(true);
    expect(() => fromRecords(recs).sample({ frac: 2 })).toThrow('invalid option frac=2');
    const probed = fromRecords(recs, { npartitions: 2 }).mapPartitions((t) => t.select(['i']));
    expect(probed.columns).toEqual(['i']);
    expect(await probed.col('i').sum().compute({ scheduler: 'threads' })).toBe((399 * 400) / 2);
    const wrong = fromRecords(recs, { npartitions: 2 }).mapPartitions((t) => t, { meta: { j: 'int32' } });
    await expect(wrong.compute({ scheduler: 'threads' })).rejects.toThrow('mapPartitions returned columns i, but its meta says j');
  });

  test('repartition by partitionSize measures partitions, cuts large ones and groups small ones', async () => {
    const recs = Array.from({ length: 1000 }, (_, i) => ({ x: i + 0.5 }));
    const one = fromRecords(recs, { npartitions: 1 });
    const cut = await one.repartition({ partitionSize: 2000 }, { scheduler: 'sync' });
    expect(cut.npartitions).toBe(4); // 8,000 bytes of float64
    expect(rows(await cut.compute({ scheduler: 'threads' })).map((r) => r.x)).toEqual(recs.map((r) => r.x));
    const many = fromRecords(recs, { npartitions: 10 });
    const grouped = await many.repartition({ partitionSize: '2kB' }, { scheduler: 'threads' });
    expect(grouped.npartitions).toBe(5);
    expect(rows(await grouped.compute({ scheduler: 'sync' })).map((r) => r.x)).toEqual(recs.map((r) => r.x));
    await expect(many.repartition({ partitionSize: 'big' })).rejects.toThrow('partitionSize must be a positive number of bytes');
  });

  test('fromDelayed, readJson, readArrow / toArrow, toCsv round trip', async () => {
    const make = (i: number) => [{ i, sq: i * i }];
    const parts = [0, 1, 2].map((i) => delayed(make)(i));
    const fd = fromDelayed(parts, { meta: { i: 'int32', sq: 'int32' } });
    expect(rows(await fd.compute({ scheduler: 'threads' }))).toEqual([{ i: 0, sq: 0 }, { i: 1, sq: 1 }, { i: 2, sq: 4 }]);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/a.jsonl`, '{"n": 1, "s": "x"}\n{"n": 2.5, "s": "y"}\n\n{"n": null, "s": "z"}\n');
    const j = rows(await fromRecords([]).compute({ scheduler: 'sync' }));
    expect(j).toEqual([]);
    const { readJson, readArrow } = await import('../../src/index.ts');
    expect(rows(await readJson(`${dir}/*.jsonl`, { lines: true }).compute({ scheduler: 'threads' }))).toEqual([{ n: 1, s: 'x' }, { n: 2.5, s: 'y' }, { n: null, s: 'z' }]);
    writeFileSync(`${dir}/bad.json`, '{"n": 1}\n{oops\n');
    // The sample read when the DataFrame is built already meets the bad line.
    expect(() => readJson(`${dir}/bad.json`)).toThrow(`${dir}/bad.json:2: not a JSON object`);
    const path = await df.toArrow(`${dir}/out.arrow`, { scheduler: 'sync' });
    expect(rows(await readArrow(path).compute({ scheduler: 'sync' }))).toEqual(rows(t));
    const files = await df.toCsv(`${dir}/csv/part-*.csv`, { scheduler: 'threads' });
    expect(files).toEqual([0, 1, 2].map((i) => `${dir}/csv/part-${i}.csv`));
    expect(rows(await readCsv(`${dir}/csv/part-*.csv`).compute({ scheduler: 'sync' }))).toEqual(rows(t));
    const [single] = await df.toCsv(`${dir}/one.csv`, { singleFile: true, scheduler: 'processes' });
    expect(rows(await readCsv(single!).compute({ scheduler: 'sync' }))).toEqual(rows(t));
  });
});
