/**
 * Shape operations against plain references: slicing (NumPy semantics incl. negative steps and
 * integer indices), boolean masks, transpose, rechunk, reshape, concatenate, stack, squeeze,
 * expandDims; plus cases after Dask's test_array_core.py and the errors for what cannot be done.
 */
import fc from 'fast-check';
import ndarray from 'ndarray';
import { afterAll, describe, expect, test } from 'vitest';
import { array, compute, shutdown } from '../../src/index.ts';
import { sliceIndices } from '../../src/array/slicing.ts';
import { SCHEDULERS } from '../helpers.ts';
import { chunksArb, denseArb, get, indices, nest, shapeArb, type Dense } from './ref.ts';

afterAll(() => shutdown());

const arr = (d: Dense, chunks: array.ChunksSpec) => array.fromArray(ndarray(new Float64Array(d.data), d.shape), { chunks });
const range = (shape: number[], chunks: number | number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return array.fromArray(ndarray(new Float64Array(Array.from({ length: n }, (_, i) => i)), shape), { chunks });
};

/** Python's slicing of a list, the reference for one axis. */
function pySlice<T>(xs: T[], start: number | null, stop: number | null, step: number | null): T[] {
  const { start: a, step: s, count } = sliceIndices(start, stop, step, xs.length);
  return Array.from({ length: count }, (_, k) => xs[a + k * s]!);
}

describe('slicing', () => {
  test('sliceIndices agrees with Python on hand-checked cases', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(pySlice(xs, null, null, -1)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(pySlice(xs, 8, 2, -3)).toEqual([8, 5]);
    expect(pySlice(xs, -3, null, null)).toEqual([7, 8, 9]);
    expect(pySlice(xs, null, -7, -2)).toEqual([9, 7, 5]);
    expect(pySlice(xs, 20, -20, -4)).toEqual([9, 5, 1]);
    expect(pySlice(xs, 5, 2, 1)).toEqual([]);
    expect(pySlice(xs, -100, 100, 3)).toEqual([0, 3, 6, 9]);
  });

  test('any slices and integer indices, any chunks and scheduler, match a plain loop', async () => {
    const axisIx = (len: number) =>
      fc.oneof(
        fc.integer({ min: -len, max: len - 1 }),
        fc.constant(null),
        fc.array(fc.integer({ min: -len, max: len - 1 }), { maxLength: 6 }),
        fc.record({
          start: fc.option(fc.integer({ min: -len - 2, max: len + 2 })),
          stop: fc.option(fc.integer({ min: -len - 2, max: len + 2 })),
          step: fc.option(fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0)),
        }),
      );
    const arb = shapeArb(3, 7).chain((shape) =>
      fc.record({ a: denseArb(shape), chunks: chunksArb(shape), ix: fc.tuple(...shape.map(axisIx)), scheduler: fc.constantFrom(...SCHEDULERS) }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ a, chunks, ix, scheduler }) => {
        const got = await arr(a, chunks).slice(...ix).toArray({ scheduler });
        // Reference: per axis, the selected positions; integer indices drop the axis.
        const pos = a.shape.map((len, d) => {
          const i = ix[d];
          if (typeof i === 'number') return [i < 0 ? i + len : i];
          if (i === null) return [...Array(len).keys()];
          if (Array.isArray(i)) return i.map((v) => (v < 0 ? v + len : v));
          return pySlice([...Array(len).keys()], i.start, i.stop, i.step);
        });
        const outShape = pos.map((p) => p.length);
        const data = indices(outShape).map((o) => get(a, o.map((k, d) => pos[d]![k]!)));
        const kept = outShape.filter((_, d) => typeof ix[d] !== 'number');
        expect(got).toEqual(nest({ data, shape: kept }));
      }),
      { numRuns: 25 },
    );
  });

  test("string slices ('1:', '::-1') and Dask's test_slicing cases", async () => {
    const x = range([4, 6], [3, 4]);
    expect(await x.slice('1:', '::-1').toArray()).toEqual([[11, 10, 9, 8, 7, 6], [17, 16, 15, 14, 13, 12], [23, 22, 21, 20, 19, 18]]);
    expect(await x.slice(-1, '1:5:2').toArray()).toEqual([19, 21]);
    expect(await x.slice(2, 3).compute()).toBe(15);
    expect(x.slice('1:3').chunks).toEqual([[2], [4, 2]]);
    expect(x.slice('4:').shape).toEqual([0, 6]);
    expect(x.slice(null, { start: 5, stop: 0, step: -2 }).chunks).toEqual([[3, 1], [1, 2]]);
    expect(x.slice()).toBe(x);
  });

  test('index errors name the axis, the index and the shape', () => {
    const x = array.ones([4, 6]);
    expect(() => x.slice(4)).toThrow(/slice: index 4 is out of range for axis 0 of length 4 \(array shape \[4, 6\]\)/);
    expect(() => x.slice(null, '::0')).toThrow(/axis 1: slice step must not be 0/);
    expect(() => x.slice(null, 'a:b')).toThrow(/axis 1: "a:b" is not a slice/);
    expect(() => x.slice(0, 0, 0)).toThrow(/3 indices given for 2 axes/);
    expect(() => x.slice(1.5)).toThrow(/index 1.5 is out of range/);
    expect(() => x.slice([0, 4])).toThrow(/slice: index 4 in the list for axis 0 is out of range for length 4/);
  });

  test('boolean masks give the selected values in C order; lengths unknown until computed', async () => {
    const x = range([5, 4], [2, 3]);
    const m = x.slice(x.mod(3).eq(1));
    expect(m.chunks[0]!.every(Number.isNaN)).toBe(true);
    expect(String(m)).toMatch(/^shoal.Array<shape=\[nan\], dtype=float64, chunks=\[nan\], \d+ tasks>$/);
    const want = Array.from({ length: 20 }, (_, i) => i).filter((i) => i % 3 === 1);
    for (const scheduler of SCHEDULERS) expect(await m.toArray({ scheduler })).toEqual(want);
    expect(await m.sum().compute()).toBe(want.reduce((a, b) => a + b));
    expect(await m.mul(2).add(m).toArray()).toEqual(want.map((v) => 3 * v));
    const k = await m.computeChunkSizes();
    expect(k.shape).toEqual([want.length]);
    expect(await k.slice('::-1').toArray()).toEqual(want.slice().reverse());
    expect(() => m.slice('1:')).toThrow(/slice: this array's block lengths are unknown .*computeChunkSizes/);
    expect(() => m.add(array.ones([7]))).toThrow(/add: this array's block lengths are unknown/);
    expect(() => x.slice(array.ones([5]))).toThrow(/the mask's shape \[5\] must equal the array's/);
  });
});

describe('vindex (pointwise indexing)', () => {
  test('points from lists on the leading axes equal a plain pointwise loop, any chunks and scheduler', async () => {
    const arb = shapeArb(3, 6).chain((shape) =>
      fc.record({
        d: denseArb(shape),
        chunks: chunksArb(shape),
        k: fc.integer({ min: 1, max: shape.length }),
        n: fc.integer({ min: 0, max: 9 }),
        seed: fc.integer({ min: 0, max: 1000 }),
        scheduler: fc.constantFrom(...SCHEDULERS),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ d, chunks, k, n, seed, scheduler }) => {
        // Lists of in-range integers, negative ones included.
        let s = seed;
        const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648);
        const lists = d.shape.slice(0, k).map((len) => Array.from({ length: n }, () => (rnd() % (2 * len)) - len));
        const restShape = d.shape.slice(k);
        const want: number[] = [];
        for (let p = 0; p < n; p++) {
          const lead = lists.map((l, ax) => (l[p]! < 0 ? l[p]! + d.shape[ax]! : l[p]!));
          for (const r of indices(restShape)) want.push(get(d, [...lead, ...r]));
        }
        const y = arr(d, chunks).vindex(...lists);
        expect(y.shape).toEqual([n, ...restShape]);
        const got = await y.compute({ scheduler });
        expect(Array.from((got as { data: ArrayLike<number> }).data)).toEqual(want);
      }),
      { numRuns: 25 },
    );
  });
  test('hand-checked points; slice with two lists is the outer product instead; errors name the list', async () => {
    const m = range([3, 4], [2, 3]);
    expect(await m.vindex([0, 2, 1], [3, 0, 0]).toArray()).toEqual([3, 8, 4]);
    expect(await m.vindex([2, -3]).toArray()).toEqual([[8, 9, 10, 11], [0, 1, 2, 3]]);
    expect(await m.slice([0, 2], [1, 3]).toArray()).toEqual([[1, 3], [9, 11]]);
    expect(() => m.vindex([0, 1], [1])).toThrow(/vindex: the lists must have one length; list 0 has 2, list 1 has 1/);
    expect(() => m.vindex([0, 3])).toThrow(/vindex: index 3 at position 1 of list 0 is out of range for axis 0 \(length 3\)/);
    expect(() => m.vindex([0], [0], [0])).toThrow(/vindex: needs 1 to 2 integer lists, got 3/);
  });
});

describe('transpose, rechunk, reshape', () => {
  test('transpose with any permutation, and T', async () => {
    const arb = shapeArb(3, 5).chain((shape) => fc.record({ a: denseArb(shape), chunks: chunksArb(shape), perm: fc.shuffledSubarray([...shape.keys()], { minLength: shape.length }) }));
    await fc.assert(
      fc.asyncProperty(arb, async ({ a, chunks, perm }) => {
        const got = await arr(a, chunks).transpose(perm).toArray({ scheduler: 'sync' });
        const oshape = perm.map((p) => a.shape[p]!);
        const data = indices(oshape).map((o) => get(a, perm.map((_, d) => o[perm.indexOf(d)]!)));
        expect(got).toEqual(nest({ data, shape: oshape }));
      }),
      { numRuns: 15 },
    );
    const x = range([2, 3], 2);
    expect(await x.T.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(x.T.chunks).toEqual([[2, 1], [2]]);
    expect(() => x.transpose([0, 0])).toThrow(/transpose: axes \[0,0\] must be a permutation of 0..1/);
  });

  test('rechunk keeps values and gives the requested chunks', async () => {
    const arb = shapeArb(3, 7).chain((shape) => fc.record({ a: denseArb(shape), c1: chunksArb(shape), c2: chunksArb(shape), scheduler: fc.constantFrom(...SCHEDULERS) }));
    await fc.assert(
      fc.asyncProperty(arb, async ({ a, c1, c2, scheduler }) => {
        const y = arr(a, c1).rechunk(c2);
        expect(y.chunks).toEqual(c2);
        expect(await y.toArray({ scheduler })).toEqual(nest(a));
      }),
      { numRuns: 12 },
    );
  });

  test('reshape where blocks allow (alias tasks, no copies), with -1', async () => {
    const x = range([24], 6);
    const y = x.reshape([4, -1]);
    expect(y.shape).toEqual([4, 6]);
    expect(y.chunks).toEqual([[1, 1, 1, 1], [6]]);
    expect(await y.toArray()).toEqual([...Array(4).keys()].map((i) => [...Array(6).keys()].map((j) => i * 6 + j)));
    const z = y.rechunk([2, -1]).reshape([2, 2, 3, 2]);
    expect(z.chunks).toEqual([[1, 1], [2], [3], [2]]);
    expect(await z.reshape([24]).toArray()).toEqual([...Array(24).keys()]);
    expect(await range([3, 1, 4], [1, 1, 4]).reshape([3, 4]).toArray()).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(await range([2, 3], [1, 3]).reshape([1, 6, 1]).shape).toEqual([1, 6, 1]);
  });

  test("Dask's reshape_rechunk cases that need no rechunk", async () => {
    const cases: [number[], number[], number[][], number[][]][] = [
      [[4], [4], [[2, 2]], [[2, 2]]],
      [[4], [2, 2], [[2, 2]], [[1, 1], [2]]],
      [[4], [4, 1], [[2, 2]], [[2, 2], [1]]],
      [[4], [1, 4], [[2, 2]], [[1], [2, 2]]],
      [[1, 4], [4], [[1], [2, 2]], [[2, 2]]],
      [[4, 1], [4], [[2, 2], [1]], [[2, 2]]],
      [[4, 1, 4], [4, 4], [[2, 2], [1], [2, 2]], [[2, 2], [2, 2]]],
      [[4, 4], [4, 1, 4], [[2, 2], [2, 2]], [[2, 2], [1], [2, 2]]],
      [[2, 2], [4], [[1, 1], [2]], [[2, 2]]],
      [[2, 2], [4], [[2], [2]], [[4]]],
      [[2, 3, 4], [6, 4], [[1, 1], [1, 2], [2, 2]], [[1, 2, 1, 2], [2, 2]]],
      [[2, 2, 3, 4], [4, 3, 4], [[2], [2], [1, 2], [4]], [[4], [1, 2], [4]]],
      [[1, 2, 3, 4], [6, 4], [[1], [1, 1], [1, 2], [2, 2]], [[1, 2, 1, 2], [2, 2]]],
    ];
    for (const [inshape, outshape, inchunks, outchunks] of cases) {
      const x = range(inshape, inchunks as never);
      const y = x.reshape(outshape);
      expect(y.chunks, JSON.stringify([inshape, outshape, inchunks])).toEqual(outchunks);
      expect(await y.toArray({ scheduler: 'sync' })).toEqual(nest({ data: [...Array(x.size).keys()], shape: outshape }));
    }
    expect(() => range([2, 3, 4], [[2], [1, 2], [2, 2]] as never).reshape([6, 4])).toThrow(/axis 1 \(length 3\) is cut into 2 blocks but is merged with axis 0/);
  });

  test('reshape errors say which axis to rechunk', () => {
    expect(() => range([4, 6], 2).reshape([24])).toThrow(
      /reshape: cannot reshape \[4, 6\] with chunks \[\[2,2\],\[2,2,2\]\] to \[24\]: axis 1 \(length 6\) is cut into 3 blocks but is merged with axis 0\. Rechunk first, e\.g\. x\.rechunk\(\[\[2, 2\], -1\]\)\.reshape\(\[24\]\)/,
    );
    expect(() => range([24], 5).reshape([4, 6])).toThrow(/do not split evenly into rows of 6\. Rechunk first, e\.g\. x\.rechunk\(\[6\]\)/);
    expect(() => range([24], 5).reshape([5, 5])).toThrow(/24 elements do not fit the new shape/);
    expect(() => range([24], 5).reshape([-1, -1])).toThrow(/at most one -1/);
  });
});

describe('joining and axes of length 1', () => {
  test('concatenate along any axis, with different chunks and dtypes', async () => {
    const a = range([2, 3], [1, 2]);
    const b = range([4, 3], [3, 1]).astype('int32');
    const c = array.concatenate([a, b], 0);
    expect(c.shape).toEqual([6, 3]);
    expect(c.dtype).toBe('float64');
    expect(await c.toArray()).toEqual([[0, 1, 2], [3, 4, 5], [0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]);
    expect(await array.concatenate([a, a.neg()], -1).toArray()).toEqual([[0, 1, 2, -0, -1, -2], [3, 4, 5, -3, -4, -5]]);
    expect(() => array.concatenate([a, range([2, 4], 2)], 0)).toThrow(/concatenate: shapes \[2, 3\], \[2, 4\] differ outside axis 0/);
    expect(() => array.concatenate([])).toThrow(/needs a non-empty list of Arrays/);
  });
  test('concatenate and stack match plain loops for any shapes, chunks and scheduler', async () => {
    const arb = shapeArb(3, 4).chain((shape) =>
      fc.record({
        axis: fc.integer({ min: 0, max: shape.length - 1 }),
        lens: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        scheduler: fc.constantFrom(...SCHEDULERS),
        shape: fc.constant(shape),
      }).chain((r) => {
        const shapes = r.lens.map((l) => r.shape.map((d, i) => (i === r.axis ? l : d)));
        return fc.record({ ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fc.constant(v)])), parts: fc.tuple(...shapes.map((sh) => fc.tuple(denseArb(sh), chunksArb(sh)))) }) as fc.Arbitrary<typeof r & { parts: [Dense, number[][]][] }>;
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ axis, scheduler, parts }) => {
        const arrays = parts.map(([d, c]) => arr(d, c as never));
        const got = await array.concatenate(arrays, axis).toArray({ scheduler });
        // Reference: walk the output index; find the part along `axis`.
        const outShape = parts[0]![0].shape.map((d, i) => (i === axis ? parts.reduce((a, [p]) => a + p.shape[axis]!, 0) : d));
        const data = indices(outShape).map((o) => {
          let k = o[axis]!;
          let j = 0;
          while (k >= parts[j]![0].shape[axis]!) k -= parts[j++]![0].shape[axis]!;
          return get(parts[j]![0], o.map((v, d) => (d === axis ? k : v)));
        });
        expect(got).toEqual(nest({ data, shape: outShape }));
        if (parts.every(([p]) => p.shape[axis] === parts[0]![0].shape[axis])) {
          const st = await array.stack(arrays, axis).toArray({ scheduler: 'sync' });
          const sshape = [...parts[0]![0].shape.slice(0, axis), parts.length, ...parts[0]![0].shape.slice(axis)];
          expect(st).toEqual(nest({ data: indices(sshape).map((o) => get(parts[o[axis]!]![0], o.filter((_, d) => d !== axis))), shape: sshape }));
        }
      }),
      { numRuns: 15 },
    );
  });

  test('stack makes a new axis', async () => {
    const a = range([2, 2], 1);
    const s = array.stack([a, a.mul(10), a.mul(100)], 1);
    expect(s.shape).toEqual([2, 3, 2]);
    expect(await s.toArray()).toEqual([[[0, 1], [0, 10], [0, 100]], [[2, 3], [20, 30], [200, 300]]]);
    expect(await array.stack([a, a], -1).shape).toEqual([2, 2, 2]);
    expect(() => array.stack([a, range([3], 1)])).toThrow(/stack: all arrays must have the same shape/);
  });
  test('squeeze and expandDims', async () => {
    const a = range([1, 3, 1], [1, 2, 1]);
    expect(a.squeeze().shape).toEqual([3]);
    expect(await a.squeeze().toArray()).toEqual([0, 1, 2]);
    expect(a.squeeze(2).shape).toEqual([1, 3]);
    expect(() => a.squeeze(1)).toThrow(/squeeze: axis 1 has length 3, not 1/);
    const b = range([3], 2).expandDims(0).expandDims(-1);
    expect(b.shape).toEqual([1, 3, 1]);
    expect(await b.toArray()).toEqual([[[0], [1], [2]]]);
    const [s1, s2] = await compute(b.sum({ axis: 1 }), b.squeeze().add(range([3, 1], 1)));
    expect(Array.from((s1 as { data: Float64Array }).data)).toEqual([3]);
    expect((s2 as { shape: number[] }).shape).toEqual([3, 3]);
  });
});
