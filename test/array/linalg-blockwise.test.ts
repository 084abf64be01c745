/**
 * dot/matmul/tensordot against a triple loop (random shapes, chunks, schedulers), identity dot,
 * and users' functions over blocks: mapBlocks, blockwise (incl. contracted indices), mapOverlap
 * against a plain stencil with each boundary rule.
 */
import fc from 'fast-check';
import ndarray from 'ndarray';
import { afterAll, describe, expect, test } from 'vitest';
import { array, shutdown, ShipError, TaskError } from '../../src/index.ts';
import { atLeast } from '../../src/array/blockwise.ts';
import { SCHEDULERS } from '../helpers.ts';
import { allClose, chunksArb, denseArb, nest, type Dense } from './ref.ts';

afterAll(() => shutdown());

const arr = (d: Dense, chunks: array.ChunksSpec) => array.fromArray(ndarray(new Float64Array(d.data), d.shape), { chunks });
const flat = (v: unknown): number[] => (typeof v === 'number' ? [v] : Array.from((v as { data: ArrayLike<number> }).data));

function matmulRef(a: Dense, b: Dense): Dense {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const data: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[i * k + p]! * b.data[p * n + j]!;
      data.push(s);
    }
  return { data, shape: [m, n] };
}

describe('dot, matmul, tensordot', () => {
  test('2-D products match a triple loop for any chunks and scheduler', async () => {
    const dims = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 6 }));
    const arb = dims.chain(([m, k, n]) =>
      fc.record({ a: denseArb([m, k]), b: denseArb([k, n]), ca: chunksArb([m, k]), cb: chunksArb([k, n]), split: fc.integer({ min: 2, max: 4 }), scheduler: fc.constantFrom(...SCHEDULERS) }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ a, b, ca, cb, split, scheduler }) => {
        const got = await arr(a, ca).dot(arr(b, cb), { splitEvery: split }).toArray({ scheduler });
        expect(got).toEqual(nest(matmulRef(a, b)));
      }),
      { numRuns: 12 },
    );
  });

  test('identity dot, vectors, matmul and tensordot', async () => {
    const x = arr({ data: [1, 2, 3, 4, 5, 6], shape: [3, 2] }, [2, 1]);
    expect(await array.eye(3, { chunks: 2 }).dot(x).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(await x.matmul(array.eye(2, { chunks: 1 })).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const v = array.arange(0, 4, 1, { chunks: 3 });
    expect(await v.dot(v).compute()).toBe(14);
    expect(v.dot(v).ndim).toBe(0);
    expect(await array.dot(x.T, array.fromArray([1, 1, 1], { chunks: 2 })).toArray()).toEqual([9, 12]);
    expect(await array.tensordot(x, x, [[0], [0]]).toArray()).toEqual([[35, 44], [44, 56]]);
    expect(await array.tensordot(x, x.T).shape).toEqual([3, 3]);
    expect(array.dot(array.ones([2, 2], { dtype: 'int8' }), array.ones([2, 2], { dtype: 'uint8' })).dtype).toBe('int16');
  });

  test('the contracted axis is summed as a tree with splitEvery', () => {
    const a = array.ones([4, 64], { chunks: [4, 1] });
    const b = array.ones([64, 4], { chunks: [1, 4] });
    const maxDeps = Math.max(...[...a.dot(b, { splitEvery: 4 }).__graph__().values()].map((n) => (n.kind === 'task' ? n.deps.length : 0)));
    expect(maxDeps).toBe(4);
  });

  test('errors name the shapes', () => {
    expect(() => array.ones([2, 3]).dot(array.ones([4, 2]))).toThrow(/dot: shapes \[2, 3\] and \[4, 2\] are not aligned: 3 \(axis 1\) != 4 \(axis 0\)/);
    expect(() => array.ones([2, 2, 2]).dot(array.ones([2]))).toThrow(/dot: the first operand must be a 1-D or 2-D Array/);
    expect(() => array.tensordot(array.ones([2, 2]), array.ones([2, 2]), 2 as never)).toThrow(/tensordot: axes 2 is not supported/);
  });
});

describe('mapBlocks and blockwise', () => {
  test('mapBlocks on every scheduler, with extra args and several arrays', async () => {
    const x = array.arange(0, 10, 1, { chunks: 4 }).astype('float64');
    const y = array.arange(0, 10, 1, { chunks: 5 }).astype('float64');
    for (const scheduler of SCHEDULERS) {
      expect(await x.mapBlocks((b: ndarray.NdArray, k: number) => Array.from(b.data as Float64Array, (v) => v * k), { args: [3] }).toArray({ scheduler })).toEqual(
        [...Array(10).keys()].map((v) => v * 3),
      );
      const s = array.mapBlocks((a: ndarray.NdArray, b: ndarray.NdArray) => (a.data as Float64Array).map((v, i) => v - (b.data as Float64Array)[i]!), x, y.mul(2));
      expect(await s.toArray({ scheduler })).toEqual([...Array(10).keys()].map((v) => 0 - v));
    }
    // A function that changes block shapes, with `chunks`.
    const sums = x.mapBlocks((b: ndarray.NdArray) => [(b.data as Float64Array).reduce((p, q) => p + q, 0)], { chunks: [1] });
    expect(sums.chunks).toEqual([[1, 1, 1]]);
    expect(await sums.toArray()).toEqual([6, 22, 17]);
  });

  test('mapBlocks with dropAxis and newAxis (Dask: drop_axis, new_axis)', async () => {
    const d: Dense = { data: Array.from({ length: 6 * 5 }, (_, i) => (i * 7) % 13), shape: [6, 5] };
    const m = arr(d, [2, 2]);
    const rowSums = (b: ndarray.NdArray) => {
      const out: number[] = [];
      for (let i = 0; i < b.shape[0]!; i++) {
        let s = 0;
        for (let j = 0; j < b.shape[1]!; j++) s += b.get(i, j);
        out.push(s);
      }
      return out;
    };
    const want = [0, 1, 2, 3, 4, 5].map((i) => d.data.slice(i * 5, i * 5 + 5).reduce((a, b) => a + b, 0));
    // Axis 1 is cut in three blocks: each block sees whole rows (the axis is rechunked first).
    const s = m.mapBlocks(rowSums, { dropAxis: 1 });
    expect(s.shape).toEqual([6]);
    expect(s.chunks).toEqual([[2, 2, 2]]);
    for (const scheduler of SCHEDULERS) expect(await s.toArray({ scheduler })).toEqual(want);
    expect(await m.mapBlocks(rowSums, { dropAxis: -1 }).toArray()).toEqual(want);
    // A new leading axis of length 1 per block; with chunks, of another length.
    const v = array.arange(0, 6, 1, { chunks: 4 }).astype('float64');
    const up = v.mapBlocks((b: ndarray.NdArray) => Array.from(b.data as Float64Array), { newAxis: 0 });
    expect(up.shape).toEqual([1, 6]);
    expect(up.chunks).toEqual([[1], [4, 2]]);
    expect(await up.toArray()).toEqual([[0, 1, 2, 3, 4, 5]]);
    const twice = v.mapBlocks((b: ndarray.NdArray) => [...(b.data as Float64Array)].flatMap((x) => [x, -x]), { newAxis: 1, chunks: [[4, 2], [2]] });
    expect(await twice.toArray()).toEqual([0, 1, 2, 3, 4, 5].map((x) => [x, -x]));
    expect(() => m.mapBlocks(rowSums, { dropAxis: 2 })).toThrow(/mapBlocks dropAxis=2: axes must be whole numbers in \[-2, 1\]/);
    expect(() => m.mapBlocks(rowSums, { dropAxis: [1, -1] })).toThrow(/an axis appears twice/);
  });

  test('closures are refused before work starts; a wrong result shape is a TaskError naming the block', async () => {
    const k = 3;
    const x = array.ones([4], { chunks: 2 });
    await expect(x.mapBlocks((b: ndarray.NdArray) => (b.data as Float64Array).map((v) => v * k)).compute({ scheduler: 'threads' })).rejects.toThrow(ShipError);
    expect(await x.mapBlocks((b: ndarray.NdArray) => (b.data as Float64Array).map((v) => v * k)).toArray({ scheduler: 'sync' })).toEqual([3, 3, 3, 3]);
    const bad = x.mapBlocks(() => [1, 2, 3]);
    await expect(bad.compute()).rejects.toThrow(TaskError);
    await expect(bad.compute()).rejects.toThrow(/mapBlocks: the function returned a JS array of 3 numbers for block .*\[\d\], expected a block of shape \[2\] \(2 values\)/);
  });

  test("blockwise with Dask's index notation: transposed operands and a contracted index", async () => {
    const m = array.fromArray(ndarray(new Float64Array([...Array(16).keys()]), [4, 4]), { chunks: 2 });
    // Block (i, j) of m plus block (j, i) of m transposed: m + m.T.
    const add = (a: ndarray.NdArray, b: ndarray.NdArray) => {
      const out = new Float64Array(a.shape[0]! * a.shape[1]!);
      for (let i = 0; i < a.shape[0]!; i++) for (let j = 0; j < a.shape[1]!; j++) out[i * a.shape[1]! + j] = a.get(i, j) + b.get(j, i);
      return out;
    };
    const got = await array.blockwise(add, 'ij', m, 'ij', m, 'ji').toArray({ scheduler: 'threads' });
    expect(got).toEqual(await m.add(m.T).toArray());
    // Contracted 'j': the function gets the list of blocks along j (row sums per row block).
    const rowSums = array.blockwise(
      (blocks: ndarray.NdArray[]) => {
        const rows = blocks[0]!.shape[0]!;
        const out = new Float64Array(rows);
        for (const b of blocks) for (let i = 0; i < rows; i++) for (let j = 0; j < b.shape[1]!; j++) out[i]! += b.get(i, j);
        return out;
      },
      'i', m, 'ij',
    );
    expect(await rowSums.toArray({ scheduler: 'processes' })).toEqual([6, 22, 38, 54]);
    // concatenate: the contracted 'j' arrives as one block of whole rows.
    const whole = array.blockwise(
      (b: ndarray.NdArray) => {
        if (b.shape[1] !== 4) throw new Error(`a block of ${b.shape[1]} columns, not whole rows`);
        return Array.from({ length: b.shape[0]! }, (_, i) => [0, 1, 2, 3].reduce((s, j) => s + b.get(i, j), 0));
      },
      'i', m, 'ij', { concatenate: true },
    );
    expect(await whole.toArray({ scheduler: 'sync' })).toEqual([6, 22, 38, 54]);
    expect(await whole.toArray({ scheduler: 'threads' })).toEqual([6, 22, 38, 54]);
    // newAxes: an output letter no input has.
    const v = array.arange(0, 6, 1, { chunks: 4 }).astype('float64');
    const pm = array.blockwise((b: ndarray.NdArray) => [...(b.data as Float64Array)].flatMap((x) => [x, -x]), 'ik', v, 'i', { newAxes: { k: 2 } });
    expect(pm.chunks).toEqual([[4, 2], [2]]);
    expect(await pm.toArray({ scheduler: 'processes' })).toEqual([0, 1, 2, 3, 4, 5].map((x) => [x, -x]));
    expect(() => array.blockwise((a: unknown) => a, 'i', v, 'i', { newAxes: { k: 2 } })).toThrow(/blockwise newAxes=\{"k":2\}: 'k' is not an output index/);
    expect(() => array.blockwise((a: unknown) => a, 'ik', m, 'ij')).toThrow(/output index 'k' does not appear in any input \(a new axis needs newAxes: \{ k: length \}\)/);
    expect(() => array.blockwise((a: unknown) => a, 'i', m, 'i')).toThrow(/index "i" must have one letter per axis/);
  });
});

describe('mapOverlap', () => {
  /** Reference: the 3-point sum with each boundary rule on a 1-D array. */
  function stencil(v: number[], depth: number, boundary: string | number): number[] {
    const n = v.length;
    const at = (g: number): number | undefined => {
      if (g >= 0 && g < n) return v[g]!;
      if (boundary === 'periodic') return v[((g % n) + n) % n]!;
      if (boundary === 'nearest') return v[g < 0 ? 0 : n - 1]!;
      if (boundary === 'reflect') return v[g < 0 ? -g - 1 : 2 * n - g - 1]!;
      if (typeof boundary === 'number') return boundary;
      return undefined;
    };
    return v.map((_, i) => {
      let s = 0;
      for (let d = -depth; d <= depth; d++) s += at(i + d) ?? 1000;
      return s;
    });
  }
  test('1-D stencils with every boundary, any chunks (blocks shorter than the depth are merged first)', async () => {
    const arb = fc.integer({ min: 3, max: 12 }).chain((n) =>
      fc.record({
        v: fc.array(fc.integer({ min: -9, max: 9 }), { minLength: n, maxLength: n }),
        block: fc.integer({ min: 1, max: n }),
        boundary: fc.constantFrom('reflect', 'periodic', 'nearest', 'none', 0, 7),
        scheduler: fc.constantFrom(...SCHEDULERS),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ v, block, boundary, scheduler }) => {
        const depth = 2;
        const x = array.fromArray(new Float64Array(v), { chunks: block });
        const f = (b: ndarray.NdArray, d: number) => {
          const data = b.data as Float64Array;
          return Array.from(data, (_, i) => {
            let s = 0;
            for (let k = -d; k <= d; k++) s += data[i + k] ?? 1000;
            return s;
          });
        };
        const got = await x.mapOverlap(f, { depth, boundary: boundary as never, args: [depth] }).toArray({ scheduler });
        expect(got, JSON.stringify({ v, block, boundary })).toEqual(stencil(v, depth, boundary));
      }),
      { numRuns: 20 },
    );
  });
  test('2-D: a 3x3 box sum equals the same computed on the whole array', async () => {
    const n = 7;
    const d: Dense = { data: Array.from({ length: n * n }, (_, i) => (i * 7) % 11), shape: [n, n] };
    const box = (b: ndarray.NdArray) => {
      const [r, c] = b.shape as [number, number];
      const out = new Float64Array(r * c);
      for (let i = 0; i < r; i++)
        for (let j = 0; j < c; j++) {
          let s = 0;
          for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) if (i + di >= 0 && i + di < r && j + dj >= 0 && j + dj < c) s += b.get(i + di, j + dj);
          out[i * c + j] = s;
        }
      return out;
    };
    const whole = await array.fromArray(ndarray(new Float64Array(d.data), d.shape), { chunks: -1 }).mapOverlap(box, { depth: 1, boundary: 'nearest' }).toArray();
    const chunked = await arr(d, [[3, 2, 2], [2, 4, 1]]).mapOverlap(box, { depth: [1, 1], boundary: 'nearest' }).toArray({ scheduler: 'processes' });
    expect(chunked).toEqual(whole);
    const ok = await arr(d, [[3, 2, 2], [2, 5]]).mapOverlap(box, { depth: 1, boundary: 'nearest' }).toArray({ scheduler: 'threads' });
    expect(ok).toEqual(whole);
    expect(allClose(flat(await arr(d, 4).mapOverlap(box, { depth: 1, boundary: 'none' }).compute()), flat(await arr(d, -1).mapOverlap(box, { depth: 1, boundary: 'none' }).compute()))).toBe(true);
  });
  test('bad options name the option', () => {
    const x = array.ones([6], { chunks: 3 });
    expect(() => x.mapOverlap((b: unknown) => b, { depth: -1 })).toThrow(/mapOverlap depth=-1/);
    expect(() => x.mapOverlap((b: unknown) => b, { depth: 1, boundary: 'wrap' as never })).toThrow(/mapOverlap boundary="wrap": use 'reflect'/);
    expect(() => array.ones([3], { chunks: 1 }).mapOverlap((b: unknown) => b, { depth: 4 })).toThrow(/axis 0 has length 3, less than the depth/);
  });
  test('blocks shorter than the depth are merged with their neighbours (Dask: ensure_minimum_chunksize)', async () => {
    expect(atLeast([1, 1, 1, 1, 1, 1], 2)).toEqual([2, 2, 2]);
    expect(atLeast([5, 1, 4, 1], 2)).toEqual([5, 6]);
    expect(atLeast([3, 1], 2)).toEqual([4]);
    expect(atLeast([1], 2)).toEqual([1]);
    const v = Array.from({ length: 7 }, (_, i) => i * i);
    const x = array.fromArray(new Float64Array(v), { chunks: [[1, 1, 2, 1, 2]] });
    const sum3 = (b: ndarray.NdArray) => {
      const d = b.data as Float64Array;
      return Array.from(d, (_, i) => (d[i - 1] ?? 0) + d[i]! + (d[i + 1] ?? 0));
    };
    const y = x.mapOverlap(sum3, { depth: 2, boundary: 0 });
    expect(y.chunks).toEqual([[2, 2, 3]]);
    expect(await y.toArray()).toEqual(v.map((_, i) => (v[i - 1] ?? 0) + v[i]! + (v[i + 1] ?? 0)));
  });
});
