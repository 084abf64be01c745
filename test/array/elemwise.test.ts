/**
 * Elementwise operations against a plain broadcasting loop, for random shapes, values, chunkings
 * and schedulers; fusion (one task per output block); errors when shapes do not broadcast.
 */
import fc from 'fast-check';
import ndarray from 'ndarray';
import { afterAll, describe, expect, test } from 'vitest';
import { array, compute, shutdown } from '../../src/index.ts';
import { broadcastShapes } from '../../src/array/elemwise.ts';
import { SCHEDULERS } from '../helpers.ts';
import { allClose, chunksArb, denseArb, ewRef, lcg, shapeArb, type Dense } from './ref.ts';

afterAll(() => shutdown());

const arr = (d: Dense, chunks: number[][]) => array.fromArray(ndarray(new Float64Array(d.data), d.shape), { chunks });
const flat = (nd: unknown): number[] => (typeof nd === 'number' ? [nd] : Array.from((nd as { data: ArrayLike<number> }).data));

const mod = (a: number, b: number) => {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
};
const BINARY: [string, (a: number, b: number) => number][] = [
  ['add', (a, b) => a + b],
  ['sub', (a, b) => a - b],
  ['mul', (a, b) => a * b],
  ['div', (a, b) => a / b],
  ['pow', (a, b) => a ** b],
  ['mod', mod],
  ['maximum', (a, b) => Math.max(a, b)],
  ['minimum', (a, b) => Math.min(a, b)],
  ['eq', (a, b) => +(a === b)],
  ['ne', (a, b) => +(a !== b)],
  ['lt', (a, b) => +(a < b)],
  ['le', (a, b) => +(a <= b)],
  ['gt', (a, b) => +(a > b)],
  ['ge', (a, b) => +(a >= b)],
];
const rint = (x: number) => {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
const UNARY: [string, (a: number) => number][] = [
  ['neg', (a) => -a],
  ['abs', Math.abs],
  ['sqrt', Math.sqrt],
  ['exp', Math.exp],
  ['log', Math.log],
  ['log1p', Math.log1p],
  ['sin', Math.sin],
  ['cos', Math.cos],
  ['tan', Math.tan],
  ['tanh', Math.tanh],
  ['floor', Math.floor],
  ['ceil', Math.ceil],
  ['round', rint],
  ['isnan', (a) => +Number.isNaN(a)],
];

/** A shape that broadcasts against `shape`: a suffix of it with some axes set to 1. */
const broadcastable = (shape: number[]) =>
  fc.tuple(fc.integer({ min: 0, max: shape.length - 1 }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length })).map(([drop, ones]) =>
    shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)),
  );

describe('elementwise ops match a plain loop', () => {
  test('binary ops with broadcasting, any chunks, any scheduler', async () => {
    const arb = shapeArb(3, 6).chain((shape) =>
      broadcastable(shape).chain((shape2) =>
        fc.record({ a: denseArb(shape), b: denseArb(shape2), ca: chunksArb(shape), cb: chunksArb(shape2), scheduler: fc.constantFrom(...SCHEDULERS) }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ a, b, ca, cb, scheduler }) => {
        const x = arr(a, ca);
        const y = arr(b, cb);
        const outs = BINARY.map(([op]) => (x as unknown as Record<string, (o: unknown) => typeof x>)[op]!(y));
        const got = await compute(...outs, { scheduler });
        BINARY.forEach(([op, f], i) => {
          const want = ewRef(f, a, b);
          expect(outs[i]!.shape, op).toEqual(want.shape);
          expect(allClose(flat(got[i]), want.data), `${op} ${JSON.stringify({ a, b, ca, cb })}`).toBe(true);
        });
      }),
      { numRuns: 12 },
    );
  });

  test('unary ops, where, clip, function forms, scalars on either side', async () => {
    const vals = lcg(3, 24, -3, 3).map((v, i) => (i % 7 === 0 ? Math.round(v) + 0.5 : i === 5 ? NaN : v));
    const d: Dense = { data: vals, shape: [4, 6] };
    const x = arr(d, [[1, 3], [4, 2]]);
    const outs = UNARY.map(([op]) => (x as unknown as Record<string, () => typeof x>)[op]!());
    const got = await compute(...outs);
    UNARY.forEach(([op, f], i) => expect(allClose(flat(got[i]), ewRef(f, d).data), op).toBe(true));
    const [w, c, c1, s, r, fm, cmpScalar] = await compute(
      array.where(x.gt(0), x, array.mul(x, -2)),
      x.clip(-1, 1),
      array.clip(x, undefined, 0.5),
      array.sub(1, x),
      x.round(1),
      array.maximum(0, x),
      array.lt(0, x),
    );
    expect(allClose(flat(w), ewRef((v) => (v > 0 ? v : Number.isNaN(v) ? v * -2 : -2 * v), d).data)).toBe(true);
    expect(allClose(flat(c), ewRef((v) => Math.min(Math.max(v, -1), 1), d).data)).toBe(true);
    expect(allClose(flat(c1), ewRef((v) => Math.min(v, 0.5), d).data)).toBe(true);
    expect(allClose(flat(s), ewRef((v) => 1 - v, d).data)).toBe(true);
    expect(allClose(flat(r), ewRef((v) => rint(v * 10) / 10, d).data)).toBe(true);
    expect(allClose(flat(fm), ewRef((v) => Math.max(0, v), d).data)).toBe(true);
    expect(flat(cmpScalar)).toEqual(ewRef((v) => +(0 < v), d).data);
  });

  test('NumPy cases: round half to even, mod sign, NaN in maximum', async () => {
    const x = array.fromArray(new Float64Array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5]));
    expect(await x.round().toArray()).toEqual([0, 2, 2, -0, -2, -2]);
    expect(await array.fromArray(new Float64Array([-7, 7, -7, 7])).mod(array.fromArray(new Float64Array([3, -3, -3, 3]))).toArray()).toEqual([2, -2, -1, 1]);
    expect(await array.fromArray(new Float64Array([1, NaN])).maximum(0).toArray()).toEqual([1, NaN]);
    expect(await array.fromArray(new Float64Array([1, NaN])).isnan().toArray()).toEqual([0, 1]);
  });
});

describe('transposes read in place', () => {
  test('x.add(x.T) reads the blocks of x directly (no transpose tasks)', async () => {
    const x = array.random.uniform({ shape: [6, 6], chunks: 3, seed: 4 });
    const y = x.add(x.T);
    expect([...y.__graph__().keys()].some((k) => k.startsWith('transpose'))).toBe(false);
    const xs = (await x.toArray()) as number[][];
    expect(await y.toArray({ scheduler: 'threads' })).toEqual(xs.map((row, i) => row.map((v, j) => v + xs[j]![i]!)));
    // Chunked differently from its transpose: rechunked to a common grid, same values.
    const r = array.random.uniform({ shape: [6, 6], chunks: [2, 3], seed: 4 });
    expect(await r.add(r.T).toArray()).toEqual(xs.map((row, i) => row.map((v, j) => v + xs[j]![i]!)));
    expect(await x.T.T.toArray()).toEqual(xs);
  });
  test('any permutation, with broadcasting and fused chains, matches a plain loop', async () => {
    const arb = shapeArb(3, 4).chain((shape) =>
      fc.record({
        a: denseArb(shape),
        chunks: chunksArb(shape),
        perm: fc.shuffledSubarray([...shape.keys()], { minLength: shape.length }),
        scheduler: fc.constantFrom(...SCHEDULERS),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ a, chunks, perm, scheduler }) => {
        const x = arr(a, chunks);
        const t = x.transpose(perm);
        const tshape = perm.map((p) => a.shape[p]!);
        const tdense: Dense = { shape: tshape, data: ewRef((v) => v, { data: a.data, shape: a.shape }).data };
        // Reference transpose by index.
        const st = a.shape.map((_, d) => a.shape.slice(d + 1).reduce((p, q) => p * q, 1));
        const idxs: number[][] = [];
        const walk = (pre: number[]) => (pre.length === tshape.length ? idxs.push(pre) : [...Array(tshape[pre.length]).keys()].forEach((i) => walk([...pre, i])));
        walk([]);
        tdense.data = idxs.map((o) => a.data[perm.reduce((acc, p, d) => acc + o[d]! * st[p]!, 0)]!);
        const last = array.arange(0, tshape[tshape.length - 1]!, 1, { chunks: 2 }).astype('float64');
        const got = await t.mul(2).add(last).sub(t.abs()).toArray({ scheduler });
        const lastDense: Dense = { data: [...Array(tshape[tshape.length - 1]).keys()], shape: [tshape[tshape.length - 1]!] };
        const want = ewRef((p, q) => p * 2 + q - Math.abs(p), tdense, lastDense);
        expect(flat(await array.fromArray(got as never).compute())).toEqual(want.data);
      }),
      { numRuns: 12 },
    );
  });
});

describe('0-d operands', () => {
  test('standardising with a computed mean and std (0-d arrays broadcast)', async () => {
    const v = lcg(8, 50, -4, 9);
    const x = array.fromArray(new Float64Array(v), { chunks: 7 });
    const z = x.sub(x.mean()).div(x.std());
    const m = v.reduce((a, b) => a + b) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    expect(allClose(flat(await z.compute({ scheduler: 'threads' })), v.map((q) => (q - m) / sd), 1e-12)).toBe(true);
    expect(await x.max().sub(x.min()).compute()).toBeCloseTo(Math.max(...v) - Math.min(...v), 12);
  });
});

describe('fusion', () => {
  test('a chain of elementwise ops is one task per output block', () => {
    const x = array.random.uniform({ shape: [100, 100], chunks: 50, seed: 1 });
    const y = array.ones([100], { chunks: 50 });
    const z = x.mul(2).add(y).sqrt().sub(1).gt(0.5);
    // 4 random blocks + 2 ones blocks + 4 fused blocks.
    expect(z.ntasks).toBe(10);
    expect(String(z)).toBe('shoal.Array<shape=[100, 100], dtype=uint8, chunks=[50, 50], 10 tasks>');
  });
  test('the same array twice in an expression is read once', async () => {
    const x = array.arange(0, 6, 1, { chunks: 3 });
    const z = x.mul(x).add(x);
    expect(z.ntasks).toBe(4);
    expect(await z.toArray()).toEqual([0, 2, 6, 12, 20, 30]);
  });
  test('operands chunked differently are rechunked to a common grid', async () => {
    const a = array.arange(0, 10, 1, { chunks: 3 });
    const b = array.arange(0, 10, 1, { chunks: 4 });
    const c = a.add(b);
    expect(c.chunks).toEqual([[3, 1, 2, 2, 1, 1]]);
    expect(await c.toArray()).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });
});

describe('broadcastShapes (the cases of Dask/NumPy test_broadcast_shapes)', () => {
  test('shapes', () => {
    const cases: [number[][], number[]][] = [
      [[[1], [1]], [1]], [[[1], [2]], [2]], [[[1], [2, 2]], [2, 2]], [[[2, 2], [1]], [2, 2]], [[[1, 1], [2, 2]], [2, 2]],
      [[[1, 2], [2, 2]], [2, 2]], [[[2, 1], [2, 2]], [2, 2]], [[[2, 1], [2, 1]], [2, 1]], [[[2, 1], [1, 1]], [2, 1]],
      [[[1, 1], [1, 1]], [1, 1]], [[[1], [1, 1]], [1, 1]], [[[1, 1, 2], [1, 1]], [1, 1, 2]], [[[1, 2, 1], [1, 3]], [1, 2, 3]],
      [[[1, 2, 1], []], [1, 2, 1]], [[[1, 1, 4], [1, 3, 1], [2, 1, 1], [], [1, 1, 1]], [2, 3, 4]], [[[], []], []],
    ];
    for (const [shapes, want] of cases) expect(broadcastShapes('test', shapes)).toEqual(want);
    expect(() => broadcastShapes('add', [[2, 3], [4, 3]])).toThrow(/add: shapes \[2, 3\], \[4, 3\] cannot be broadcast/);
  });
  test('arrays of these shapes combine like the shapes say', async () => {
    const z = array.ones([1, 1, 4], { chunks: 2 }).add(array.ones([1, 3, 1])).add(array.ones([2, 1, 1], { chunks: 1 }));
    expect(z.shape).toEqual([2, 3, 4]);
    expect(z.chunks).toEqual([[1, 1], [3], [2, 2]]);
    expect(await z.sum().compute()).toBe(72);
  });
});

describe('errors when the expression is built', () => {
  test('shapes that do not broadcast name the op and the shapes', () => {
    expect(() => array.ones([3, 4]).add(array.ones([3]))).toThrow(/add: shapes \[3, 4\], \[3\] cannot be broadcast together/);
    expect(() => array.where(array.ones([2]), array.ones([3]), 0)).toThrow(/where: shapes \[2\], \[3\], \[\] cannot be broadcast/);
  });
  test('bad operands', () => {
    expect(() => array.ones([2]).add('1' as never)).toThrow(/add: operand 1 must be an Array or a number, got "1"/);
    expect(() => array.add(1, 2)).toThrow(/add: at least one operand must be an Array/);
  });
});
