/**
 * Reductions against plain loops for random shapes, axes, chunkings, splitEvery and schedulers,
 * plus cases translated from Dask's test_reductions.py (tree shape, keepdims, arg-reductions over
 * chunk boundaries, NaN handling, moments on a shifted distribution).
 */
import fc from 'fast-check';
import ndarray from 'ndarray';
import { afterAll, describe, expect, test } from 'vitest';
import { array, compute, shutdown } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';
import { allClose, chunksArb, denseArb, lcg, reduceRef, shapeArb, type Dense } from './ref.ts';

afterAll(() => shutdown());

const arr = (d: Dense, chunks: array.ChunksSpec) => array.fromArray(ndarray(new Float64Array(d.data), d.shape), { chunks });
const flat = (v: unknown): number[] => (typeof v === 'number' ? [v] : Array.from((v as { data: ArrayLike<number> }).data));
const shapeOf = (v: unknown): number[] => (typeof v === 'number' ? [] : (v as { shape: number[] }).shape);

const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
const mean = (v: number[]) => sum(v) / v.length;
const variance = (v: number[], ddof = 0) => {
  const m = mean(v);
  return sum(v.map((x) => (x - m) ** 2)) / (v.length - ddof);
};
const argBy = (better: (a: number, b: number) => boolean) => (v: number[], pos: number[]) => {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (better(v[i]!, v[k]!)) k = i;
  return pos[k]!;
};
const REFS: [string, (v: number[], pos: number[]) => number][] = [
  ['sum', sum],
  ['prod', (v) => v.reduce((a, b) => a * b, 1)],
  ['mean', mean],
  ['var', (v) => variance(v)],
  ['std', (v) => Math.sqrt(variance(v))],
  ['min', (v) => Math.min(...v)],
  ['max', (v) => Math.max(...v)],
  ['any', (v) => +v.some((x) => x !== 0)],
  ['all', (v) => +v.every((x) => x !== 0)],
  ['nansum', sum],
  ['nanmean', mean],
];

describe('reductions match plain loops', () => {
  test('every reduction, any axes, keepdims, splitEvery, chunks and scheduler', async () => {
    const arb = shapeArb(3, 6).chain((shape) =>
      fc.record({
        a: denseArb(shape),
        chunks: chunksArb(shape),
        axes: fc.option(fc.subarray(shape.map((_, i) => i), { minLength: 1 }), { nil: undefined }),
        keepdims: fc.boolean(),
        splitEvery: fc.integer({ min: 2, max: 5 }),
        scheduler: fc.constantFrom(...SCHEDULERS),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ a, chunks, axes, keepdims, splitEvery, scheduler }) => {
        const x = arr(a, chunks);
        const opts = { axis: axes, keepdims, splitEvery };
        const outs = REFS.map(([op]) => (x as unknown as Record<string, (o: unknown) => typeof x>)[op]!(opts));
        const single = axes === undefined || axes.length === 1;
        const argOpts = { axis: axes?.[0], keepdims };
        if (single) outs.push(x.argmin(argOpts), x.argmax(argOpts));
        const got = await compute(...outs, { scheduler });
        REFS.forEach(([op, f], i) => {
          const want = reduceRef(a, axes, f, keepdims);
          expect(shapeOf(got[i]), op).toEqual(want.shape);
          expect(outs[i]!.shape, op).toEqual(want.shape);
          expect(allClose(flat(got[i]), want.data, 1e-9), `${op} ${JSON.stringify({ a, chunks, axes })} -> ${flat(got[i])} vs ${want.data}`).toBe(true);
        });
        if (single) {
          const wmin = reduceRef(a, axes, argBy((p, q) => p < q), keepdims);
          const wmax = reduceRef(a, axes, argBy((p, q) => p > q), keepdims);
          expect(flat(got[REFS.length]), 'argmin').toEqual(wmin.data);
          expect(flat(got[REFS.length + 1]), 'argmax').toEqual(wmax.data);
        }
      }),
      { numRuns: 15 },
    );
  });

  test('cumsum and cumprod along each axis', async () => {
    const arb = shapeArb(3, 5).chain((shape) =>
      fc.record({ a: denseArb(shape), chunks: chunksArb(shape), axis: fc.integer({ min: 0, max: shape.length - 1 }), scheduler: fc.constantFrom(...SCHEDULERS) }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ a, chunks, axis, scheduler }) => {
        const x = arr(a, chunks);
        const [cs, cp] = await compute(x.cumsum({ axis }), x.cumprod({ axis }), { scheduler });
        // Reference: walk the axis keeping a running total per line.
        const st = a.shape.reduce<number[]>((acc, _d, i) => [...acc, a.shape.slice(i + 1).reduce((p, q) => p * q, 1)], []);
        const wantS = a.data.slice();
        const wantP = a.data.slice();
        for (let i = 0; i < a.data.length; i++) {
          const k = Math.floor(i / st[axis]!) % a.shape[axis]!;
          if (k > 0) {
            wantS[i] = wantS[i - st[axis]!]! + a.data[i]!;
            wantP[i] = wantP[i - st[axis]!]! * a.data[i]!;
          }
        }
        expect(allClose(flat(cs), wantS)).toBe(true);
        expect(allClose(flat(cp), wantP)).toBe(true);
      }),
      { numRuns: 8 },
    );
  });
});

describe("cases from Dask's test_reductions.py", () => {
  test('arange sums, hand-computed', async () => {
    const x = array.arange(0, 242, 1, { chunks: 11 });
    expect(await x.sum().compute()).toBe((241 * 242) / 2);
    expect(await x.mean().compute()).toBe(120.5);
    expect(await x.min().compute()).toBe(0);
    expect(await x.max().compute()).toBe(241);
    expect(await x.argmax().compute()).toBe(241);
    const m = array.fromArray(ndarray(new Float64Array(Array.from({ length: 242 }, (_, i) => i)), [11, 22]), { chunks: [3, 4] });
    expect(await m.sum({ axis: 0 }).toArray()).toEqual(Array.from({ length: 22 }, (_, j) => sum(Array.from({ length: 11 }, (_, i) => i * 22 + j))));
    expect(await m.sum({ axis: [0, 1], keepdims: true }).toArray()).toEqual([[(241 * 242) / 2]]);
    expect(await m.sum({ axis: [] }).shape).toEqual([11, 22]);
  });

  test('tree shape: splitEvery bounds the fan-in of every task (test_tree_reduce_depth)', () => {
    const x = array.ones([11, 22], { chunks: [3, 4] }); // 4 x 6 blocks
    const maxDeps = (a: typeof x) => Math.max(...[...a.__graph__().values()].map((n) => (n.kind === 'task' ? n.deps.length : 0)));
    expect(maxDeps(x.sum({ splitEvery: { 0: 2, 1: 3 } }))).toBe(6);
    expect(maxDeps(x.sum({ axis: 0, splitEvery: { 0: 2 } }))).toBe(2);
    expect(maxDeps(x.sum({ axis: 1, splitEvery: 3 }))).toBe(3);
    expect(maxDeps(x.sum({ splitEvery: 4 }))).toBe(4);
    const deep = array.ones([64], { chunks: 1 }).sum({ splitEvery: 2 });
    // 64 chunk partials + 32 + 16 + 8 + 4 + 2 combines + 1 finish + 64 ones.
    expect(deep.ntasks).toBe(64 + 64 + 32 + 16 + 8 + 4 + 2 + 1);
  });

  test('mean and std share partials: each block is read once for both', () => {
    const x = array.random.normal({ shape: [100], chunks: 10, seed: 1 });
    const g = new Map([...x.mean().__graph__(), ...x.std().__graph__()]);
    expect([...g.keys()].filter((k) => /^moments-partial-[0-9a-f]+-0\[/.test(k)).length).toBe(10);
    expect(x.var().name).not.toBe(x.std().name);
  });

  test('blocks of random values and of elementwise expressions are remade inside the reduction', async () => {
    const x = array.random.uniform({ shape: [30, 20], chunks: [7, 6], seed: 12 });
    const y = x.mul(3).add(x.T.T).sub(1);
    const s = y.sum({ axis: 0 });
    // No task stores a block of y: the partials evaluate it in scratch memory (from x's blocks).
    expect([...s.__graph__().keys()].filter((k) => /^(add|sub|mul)-/.test(k))).toEqual([]);
    expect([...x.sum().__graph__().keys()].filter((k) => k.startsWith('uniform-'))).toEqual([]);
    const p = await y.persist({ scheduler: 'sync' }); // stored blocks: the ordinary path
    for (const scheduler of SCHEDULERS) {
      const [a, b, m, v, am, pm, ax, px] = await compute(s, p.sum({ axis: 0 }), y.mean(), y.var(), y.argmax(), p.argmax(), y.argmin({ axis: 1 }), p.argmin({ axis: 1 }), { scheduler });
      expect(allClose(flat(a), flat(b), 1e-12)).toBe(true);
      expect(am).toBe(pm);
      expect(flat(ax)).toEqual(flat(px));
      const vals = flat(await p.compute());
      expect(m).toBeCloseTo(mean(vals), 12);
      expect(v).toBeCloseTo(variance(vals), 12);
    }
    const sq = array.random.normal({ shape: [12, 12], chunks: 5, seed: 2 });
    const dense = (await sq.toArray()) as number[][];
    expect(allClose(flat(await sq.add(sq.T).max({ axis: 1 }).compute()), dense.map((row, i) => Math.max(...row.map((v, j) => v + dense[j]![i]!))))).toBe(true);
  });

  test('blocks larger than a strip are remade and reduced strip by strip, random leaves too', async () => {
    // Blocks of 36K-53K elements (odd counts): two strips each (a strip is 32K elements), rows and 1-D starts
    // not aligned to the generator's 128-value groups.
    const x = array.random.uniform({ shape: [420, 420], chunks: 231, seed: 21 });
    const z = array.random.normal({ shape: [420], chunks: 231, seed: 22 });
    const y = x.add(x.T).mul(3).sub(z);
    const v = array.random.normal({ shape: [100_000], chunks: 70_000, seed: 23 });
    // Nothing random is stored: both leaves of x.add(x.T) and the broadcast z are remade.
    expect([...y.sum().__graph__().keys()].filter((k) => /^(uniform|normal|add|sub|mul)-/.test(k))).toEqual([]);
    const p = await y.persist({ scheduler: 'sync' });
    const dense = (await p.toArray({ scheduler: 'sync' })) as number[][];
    const colSums = dense[0]!.map((_, j) => sum(dense.map((row) => row[j]!)));
    const vals = flat(await v.persist({ scheduler: 'sync' }).then((q) => q.compute({ scheduler: 'sync' })));
    const dx = (await x.toArray({ scheduler: 'sync' })) as number[][];
    let xxt = 0;
    let xtx2 = 0;
    for (let i = 0; i < 420; i++) for (let j = 0; j < 420; j++) {
      xxt += dx[i]![j]! + dx[j]![i]!;
      xtx2 += dx[j]![i]! * dx[i]![j]! - 2;
    }
    const u = array.random.uniform({ shape: [100_000], chunks: 70_000, seed: 24, low: -1, high: 2 });
    const u3 = array.random.uniform({ shape: [4, 50, 300], chunks: [3, 40, 300], seed: 25 });
    const du = flat(await u.compute({ scheduler: 'sync' }));
    const d3 = (await u3.toArray({ scheduler: 'sync' })) as number[][][];
    const lead = d3[0]![0]!.map((_, k) => sum(d3.flatMap((m) => m.map((row) => row[k]!))));
    for (const scheduler of SCHEDULERS) {
      // Uniforms summed over leading axes or all: rows added into an accumulator as they are made.
      const [a0, a, b, c, uv] = await compute(x.sum({ axis: 0 }), x.sum(), u.sum(), u3.sum({ axis: [0, 1] }), u.var(), { scheduler });
      expect(uv).toBeCloseTo(variance(du), 12); // one pass about the distribution's middle
      expect(allClose(flat(a0), dx[0]!.map((_, j) => sum(dx.map((row) => row[j]!))), 1e-12)).toBe(true);
      expect(a).toBeCloseTo(sum(dx.flat()), 8);
      expect(b).toBeCloseTo(sum(du), 8);
      expect(allClose(flat(c), lead, 1e-12)).toBe(true);
    }
    for (const scheduler of SCHEDULERS) {
      // Whole-block sums of flat and transposed random leaves: added as they are made.
      const [s1, s2] = (await compute(x.add(x.T).sum(), x.T.mul(x).sub(2).sum(), { scheduler })) as number[];
      expect(s1).toBeCloseTo(xxt, 8);
      expect(s2).toBeCloseTo(xtx2, 8);
    }
    for (const scheduler of SCHEDULERS) {
      const got = await compute(y.sum({ axis: 0 }), y.sum({ axis: 1 }), y.mean({ axis: 1 }), y.std({ axis: 0 }), y.argmax({ axis: 0 }), y.argmin(), y.max({ axis: 1 }), v.mean(), v.var(), v.argmax(), { scheduler });
      const want = await compute(p.sum({ axis: 0 }), p.sum({ axis: 1 }), p.mean({ axis: 1 }), p.std({ axis: 0 }), p.argmax({ axis: 0 }), p.argmin(), p.max({ axis: 1 }), { scheduler: 'sync' });
      for (let i = 0; i < 4; i++) expect(allClose(flat(got[i]), flat(want[i]), 1e-12)).toBe(true);
      expect(allClose(flat(got[0]), colSums, 1e-12)).toBe(true);
      expect(flat(got[4])).toEqual(flat(want[4]));
      expect(got[5]).toBe(want[5]);
      expect(flat(got[6])).toEqual(flat(want[6]));
      expect(got[7]).toBeCloseTo(mean(vals), 12);
      expect(got[8]).toBeCloseTo(variance(vals), 12);
      expect(got[9]).toBe(vals.indexOf(Math.max(...vals)));
    }
  });

  test('moments are stable far from zero (count/mean/M2 combine)', async () => {
    const base = lcg(4, 10_000, 0, 1);
    const x = array.fromArray(new Float64Array(base.map((v) => 1e9 + v)), { chunks: 999 });
    const want = variance(base);
    const [v, s, m] = (await compute(x.var(), x.std({ ddof: 1 }), x.mean())) as number[];
    expect(Math.abs(v! - want) / want).toBeLessThan(1e-6);
    expect(Math.abs(s! - Math.sqrt(variance(base, 1))) / Math.sqrt(want)).toBeLessThan(1e-6);
    expect(m).toBeCloseTo(1e9 + mean(base), 4);
  });

  test('arg-reductions find the first extreme across chunk boundaries, NaN wins', async () => {
    const x = array.fromArray(new Float64Array([1, 5, 3, 5, 0, 0, 5]), { chunks: 2 });
    expect(await x.argmax().compute()).toBe(1);
    expect(await x.argmin().compute()).toBe(4);
    const n = array.fromArray(new Float64Array([1, 2, NaN, 7, NaN]), { chunks: 2 });
    expect(await n.argmax().compute()).toBe(2);
    expect(await n.argmin().compute()).toBe(2);
    expect(await n.max().compute()).toBeNaN();
    expect(await n.nansum().compute()).toBe(10);
    expect(await n.nanmean().compute()).toBeCloseTo(10 / 3, 12);
    expect(await n.nanmax().compute()).toBe(7);
    const m = array.fromArray([[3, 1, 2], [0, 9, 9]], { chunks: [1, 2] });
    expect(await m.argmax({ axis: 1 }).toArray()).toEqual([0, 1]);
    expect(await m.argmin({ axis: 0 }).toArray()).toEqual([1, 0, 0]);
    expect(await m.argmax().compute()).toBe(4);
  });

  test('function forms', async () => {
    const x = array.fromArray([[1, 2], [3, 4]], { chunks: 1 });
    const got = await compute(array.sum(x), array.prod(x), array.mean(x, { axis: 0 }), array.var(x), array.std(x), array.min(x), array.max(x), array.argmax(x), array.argmin(x, { axis: 1 }), array.any(x), array.all(x), array.nansum(x), array.nanmean(x), array.cumsum(x, { axis: 1 }));
    expect(got.map((v) => (typeof v === 'number' ? v : Array.from((v as { data: ArrayLike<number> }).data)))).toEqual([10, 24, [2, 3], 1.25, Math.sqrt(1.25), 1, 4, 3, [0, 0], 1, 1, 10, 2.5, [1, 3, 3, 7]]);
  });

  test('the other NaN-skipping reductions', async () => {
    const v = [2, NaN, -1, 4, NaN, 0.5];
    const x = array.fromArray(new Float64Array(v), { chunks: 4 });
    const ok = v.filter((q) => !Number.isNaN(q));
    const m = ok.reduce((a, b) => a + b) / ok.length;
    const vr = ok.reduce((a, b) => a + (b - m) ** 2, 0) / ok.length;
    const [mn, mx, pr, va, sd, va1] = (await compute(x.nanmin(), x.nanmax(), x.nanprod(), x.nanvar(), x.nanstd(), x.nanvar({ ddof: 1 }))) as number[];
    expect([mn, mx, pr]).toEqual([-1, 4, -4]);
    expect(va).toBeCloseTo(vr, 12);
    expect(sd).toBeCloseTo(Math.sqrt(vr), 12);
    expect(va1).toBeCloseTo((vr * ok.length) / (ok.length - 1), 12);
  });

  test('all-NaN nanmean is NaN; var of one value with ddof=1 is NaN', async () => {
    expect(await array.fromArray(new Float64Array([NaN, NaN])).nanmean().compute()).toBeNaN();
    expect(await array.ones([1]).var({ ddof: 1 }).compute()).toBeNaN();
    expect(await array.zeros([0]).sum().compute()).toBe(0);
    expect(await array.zeros([0]).mean().compute()).toBeNaN();
  });

  test('the same result on every scheduler and chunking (random normal, 2-D)', async () => {
    const shape = [40, 30];
    const want = await array.random.normal({ shape, chunks: -1, seed: 3 }).sum({ axis: 1 }).toArray({ scheduler: 'sync' });
    for (const [scheduler, chunks] of [['threads', [7, 8]], ['processes', [13, 30]]] as const) {
      const got = await array.random.normal({ shape, chunks: chunks as unknown as number[], seed: 3 }).sum({ axis: 1 }).toArray({ scheduler });
      expect(allClose(got as number[], want as number[], 1e-12)).toBe(true);
    }
  });
});

describe('errors', () => {
  test('axis out of range, repeated, zero-length min, bad splitEvery', () => {
    const x = array.ones([3, 4]);
    expect(() => x.sum({ axis: 2 })).toThrow(/sum: axis 2 is out of range for an array with 2 axes \(use -2..1\)/);
    expect(() => x.sum({ axis: [1, -1] })).toThrow(/sum: axis -1 is given twice/);
    expect(() => array.ones([0, 2]).max({ axis: 0 })).toThrow(/max: cannot reduce a zero-length axis \(shape \[0,2\]\)/);
    expect(() => x.sum({ splitEvery: 1 })).toThrow(/splitEvery=1: must be a whole number >= 2/);
    expect(() => x.argmax({ axis: [0, 1] as never })).toThrow(/argmax axis=\[0,1\]: must be one axis number/);
  });
  test('cumsum without an axis flattens in C order (NumPy axis=None)', async () => {
    const m = array.arange(0, 12, 1, { chunks: 4 }).reshape([3, 4]).rechunk([2, 3]);
    const want = [...Array(12).keys()].map((i) => (i * (i + 1)) / 2);
    for (const scheduler of SCHEDULERS) expect(await m.cumsum().toArray({ scheduler })).toEqual(want);
    expect(m.cumsum().shape).toEqual([12]);
    expect(await array.ones([2, 2, 2]).cumprod().toArray()).toEqual(new Array(8).fill(1));
  });
});
