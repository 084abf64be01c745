/**
 * Array core: chunk normalisation (cases after Dask's test_array_core.py / test_normalize_chunks),
 * dtype promotion (NumPy's table), properties, creation against hand-computed values, compute
 * results, persist, and the counter-based generator.
 */
import fc from 'fast-check';
import ndarray from 'ndarray';
import { afterAll, describe, expect, test } from 'vitest';
import { array, compute, OptionError, shutdown } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';

afterAll(() => shutdown());

describe('normalizeChunks', () => {
  const nc = array.normalizeChunks;
  test('numbers, per-axis entries, -1, null and explicit lists', () => {
    expect(nc(3, [7])).toEqual([[3, 3, 1]]);
    expect(nc([2], [5])).toEqual([[2, 2, 1]]);
    expect(nc([[2, 2, 1]], [5])).toEqual([[2, 2, 1]]);
    expect(nc([-1, 2], [5, 5])).toEqual([[5], [2, 2, 1]]);
    expect(nc([null, 3], [4, 7])).toEqual([[4], [3, 3, 1]]);
    expect(nc([[1, 3], -1], [4, 7])).toEqual([[1, 3], [7]]);
    expect(nc(10, [3])).toEqual([[3]]);
    expect(nc(5, [0])).toEqual([[0]]);
    expect(nc(2, [])).toEqual([]);
  });
  test("'auto' aims at 128 MiB per block, square where it can", () => {
    expect(nc('auto', [1e9], 'float64')[0]![0]).toBe(2 ** 24);
    expect(nc('auto', [1e9], 'float32')[0]![0]).toBe(2 ** 25);
    const c = nc('auto', [10000, 10000], 'float64');
    expect(c[0]![0]).toBe(4096);
    expect(c[1]![0]).toBe(4096);
    expect(c[0]!.reduce((a, b) => a + b)).toBe(10000);
    // A small axis is taken whole and the budget goes to the other one.
    expect(nc('auto', [3, 1e8], 'float64')).toEqual([[3], expect.any(Array)]);
    expect(nc('auto', [3, 1e8], 'float64')[1]![0]).toBe(Math.floor(2 ** 24 / 3));
    expect(nc([-1, 'auto'], [1000, 1e6], 'float64')[1]![0]).toBe(Math.floor(2 ** 24 / 1000));
    expect(nc('auto', [100])).toEqual([[100]]);
  });
  test('errors name the chunks, the shape and the rule', () => {
    expect(() => nc([[2, 2]], [5])).toThrow(/invalid chunks \[\[2,2\]\] for shape \[5\]: axis 0: block lengths add up to 4, but the axis has length 5/);
    expect(() => nc([2, 2], [5])).toThrow(/has 2 entries but the array has 1 axes/);
    expect(() => nc(0, [5])).toThrow(/block length 0 must be a whole number > 0/);
    expect(() => nc(2.5, [5])).toThrow(OptionError);
    expect(() => nc('big' as never, [5])).toThrow(/invalid chunks "big"/);
  });
});

describe('dtypes', () => {
  test("promotion follows NumPy's table", () => {
    const p = array.promoteTypes;
    expect(p('int8', 'uint8')).toBe('int16');
    expect(p('int16', 'uint16')).toBe('int32');
    expect(p('int32', 'uint32')).toBe('float64'); // NumPy: int64
    expect(p('uint8', 'int32')).toBe('int32');
    expect(p('uint8', 'uint16')).toBe('uint16');
    expect(p('float32', 'int16')).toBe('float32');
    expect(p('float32', 'int32')).toBe('float64');
    expect(p('float32', 'uint8')).toBe('float32');
    expect(p('float32', 'float64')).toBe('float64');
    expect(p('int8', 'int8')).toBe('int8');
  });
  test('operation results', () => {
    const i8 = array.ones([3], { dtype: 'int8' });
    const u8 = array.ones([3], { dtype: 'uint8' });
    const f32 = array.ones([3], { dtype: 'float32' });
    expect(i8.add(u8).dtype).toBe('int16');
    expect(i8.add(1).dtype).toBe('int8'); // weak scalar
    expect(i8.add(1.5).dtype).toBe('float64');
    expect(f32.mul(2.5).dtype).toBe('float32');
    expect(i8.div(u8).dtype).toBe('float64');
    expect(f32.sqrt().dtype).toBe('float32');
    expect(array.ones([2], { dtype: 'int32' }).sqrt().dtype).toBe('float64');
    expect(i8.lt(u8).dtype).toBe('uint8');
    expect(array.ones([2], { dtype: 'int32' }).sum().dtype).toBe('float64');
    expect(f32.mean().dtype).toBe('float32');
    expect(i8.max().dtype).toBe('int8');
  });
  test('integer arithmetic wraps like NumPy, also inside fused chains', async () => {
    const x = array.fromArray(new Uint8Array([200, 100, 255]), { chunks: 2 });
    expect(await x.add(100).toArray()).toEqual([44, 200, 99]);
    // (200 + 100) wraps to 44 before the division, as NumPy's uint8 does.
    expect(await x.add(100).div(2).toArray()).toEqual([22, 100, 49.5]);
    const big = array.fromArray(new Int32Array([2 ** 30, 3]), { chunks: 1 });
    expect(await big.mul(4).toArray()).toEqual([0, 12]);
    expect(await array.fromArray(new Float64Array([1.7, -1.7, 300])).astype('uint8').toArray()).toEqual([1, 255, 44]);
    expect(await array.fromArray(new Float64Array([1.7, -1.7])).astype('int32').toArray()).toEqual([1, -1]);
  });
  test('bad dtypes fail when built', () => {
    expect(() => array.zeros([2], { dtype: 'int64' as never })).toThrow(/zeros: unknown dtype "int64"; use one of 'float64'/);
    expect(() => array.ones([2]).astype('bool' as never)).toThrow(/astype: unknown dtype "bool"/);
  });
});

describe('the Array', () => {
  test('properties', () => {
    const x = array.ones([10, 7], { chunks: [4, 3], dtype: 'float32' });
    expect(x.shape).toEqual([10, 7]);
    expect(x.chunks).toEqual([[4, 4, 2], [3, 3, 1]]);
    expect(x.ndim).toBe(2);
    expect(x.size).toBe(70);
    expect(x.nbytes).toBe(280);
    expect(x.itemsize).toBe(4);
    expect(x.numblocks).toEqual([3, 3]);
    expect(x.npartitions).toBe(9);
    expect(x.chunksize).toEqual([4, 3]);
    expect(x.dtype).toBe('float32');
    expect(x.__keys__()).toHaveLength(9);
    expect(x.blockKey([1, 2])).toBe(`${x.name}[1,2]`);
  });
  test('names are content-addressed: equal expressions share keys', () => {
    expect(array.ones([4], { chunks: 2 }).add(1).name).toBe(array.ones([4], { chunks: 2 }).add(1).name);
    expect(array.ones([4], { chunks: 2 }).add(1).name).not.toBe(array.ones([4], { chunks: 2 }).add(2).name);
  });
  test('one-line summary', () => {
    const x = array.random.normal({ shape: [1_000_000], chunks: [100_000], seed: 42 });
    expect(String(x)).toBe('shoal.Array<shape=[1000000], dtype=float64, chunks=[100000], 10 tasks>');
    const inspect = (x as unknown as Record<symbol, () => string>)[Symbol.for('nodejs.util.inspect.custom')]!;
    expect(inspect.call(x)).toBe(String(x));
  });
  test('compute gives an ndarray, a number for 0-d; toArray nested arrays', async () => {
    const x = array.arange(0, 6, 1, { chunks: 4 });
    const nd = (await x.compute()) as ndarray.NdArray;
    expect(nd.shape).toEqual([6]);
    expect(Array.from(nd.data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await x.sum().compute()).toBe(15);
    expect(await array.eye(3, { chunks: 2 }).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  });
  test('persist keeps the blocks: later computes start from them', async () => {
    const x = array.random.uniform({ shape: [20], chunks: 5, seed: 3 }).mul(10);
    const p = await x.persist({ scheduler: 'threads' });
    expect(p.ntasks).toBe(4);
    expect(p.name).toBe(x.name);
    expect(await p.sum().compute()).toBeCloseTo((await x.sum().compute()) as number, 10);
  });
});

describe('blocks and the graph', () => {
  test('block(i, j) is one block as an Array', async () => {
    const x = array.arange(0, 12, 1, { chunks: 4 }).reshape([3, 4]).rechunk([2, 3]);
    expect(await x.block([1, 1]).toArray()).toEqual([[11]]);
    expect(await x.block([0, -2]).toArray()).toEqual([[0, 1, 2], [4, 5, 6]]);
    expect(() => x.block([2, 0])).toThrow(/block: block index \[2, 0\] is outside the grid of 2 x 2 blocks/);
  });
  test('visualize draws the task graph (DOT text here)', async () => {
    const x = array.ones([4], { chunks: 2 });
    const dot = await x.add(1).sum().visualize({ format: 'dot' });
    expect(dot).toContain('digraph');
    expect(dot).toMatch(/sum-/);
  });
});

describe('creation', () => {
  test('zeros, ones, full, empty', async () => {
    expect(await array.zeros([2, 3], { chunks: 2 }).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(await array.ones([3], { dtype: 'int16', chunks: 1 }).toArray()).toEqual([1, 1, 1]);
    expect(await array.full([2, 2], 7.5, { chunks: 1 }).toArray()).toEqual([[7.5, 7.5], [7.5, 7.5]]);
    expect(await array.empty([3]).shape).toEqual([3]);
    expect(await array.zeros([0], { chunks: 3 }).toArray()).toEqual([]);
    expect(() => array.zeros([-1])).toThrow(/zeros: shape \[-1\] must be a whole number >= 0/);
  });
  test('arange like NumPy: arange(stop), negative steps, fractions', async () => {
    expect(await array.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(await array.arange(10, 0, -3, { chunks: 2 }).toArray()).toEqual([10, 7, 4, 1]);
    expect(await array.arange(0, 1, 0.25, { chunks: 3 }).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(array.arange(0, 1, 0.25).dtype).toBe('float64');
    expect(array.arange(3).dtype).toBe('int32');
    expect(() => array.arange(0, 3, 0)).toThrow(/arange step=0: must not be 0/);
    // Hand-computed: sum of 0..999 in blocks of 7 is 999*1000/2.
    expect(await array.arange(1000, undefined, 1, { chunks: 7 }).sum().compute()).toBe(499500);
  });
  test('linspace ends exactly at stop', async () => {
    expect(await array.linspace(0, 1, 5, { chunks: 2 }).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(await array.linspace(0, 1, 4, { endpoint: false }).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(await array.linspace(2, 2, 1).toArray()).toEqual([2]);
    const v = (await array.linspace(-1, 0.3, 7, { chunks: 3 }).toArray()) as number[];
    expect(v[6]).toBe(0.3);
  });
  test('eye with m and k', async () => {
    expect(await array.eye(2, { m: 3, k: 1, chunks: 1 }).toArray()).toEqual([[0, 1, 0], [0, 0, 1]]);
    expect(await array.eye(3, { k: -1, chunks: 2 }).toArray()).toEqual([[0, 0, 0], [1, 0, 0], [0, 1, 0]]);
  });
  test('fromArray: typed arrays, ndarrays (also strided), nested arrays', async () => {
    expect(await array.fromArray(new Int16Array([1, 2, 3]), { chunks: 2 }).toArray()).toEqual([1, 2, 3]);
    expect(array.fromArray(new Int16Array([1, 2, 3])).dtype).toBe('int16');
    const nd = ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(await array.fromArray(nd, { chunks: [1, 2] }).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(await array.fromArray(nd.transpose(1, 0), { chunks: 2 }).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(await array.fromArray([[1, 2], [3, 4]], { chunks: 1 }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(() => array.fromArray([[1, 2], [3]])).toThrow(/rectangular/);
    expect(() => array.fromArray(new BigInt64Array(2) as never)).toThrow(/fromArray: cannot make an Array from "\[object BigInt64Array\]"/);
  });
  test('fromArray over shared memory makes views, not copies', () => {
    const src = new Float64Array(new SharedArrayBuffer(8 * 10));
    const x = array.fromArray(src, { chunks: 4 });
    const blocks = [...x.__graph__().values()].map((n) => (n as { value: Float64Array }).value);
    expect(blocks.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(blocks.every((b) => b.buffer === src.buffer)).toBe(true);
  });
});

describe('random', () => {
  test('the same seed gives the same values whatever the chunking and scheduler', async () => {
    const shape = [9, 13];
    const ref = (await array.random.normal({ shape, chunks: -1, seed: 7 }).toArray({ scheduler: 'sync' })) as number[][];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 13 }), fc.constantFrom(...SCHEDULERS), async (a, b, scheduler) => {
        const got = await array.random.normal({ shape, chunks: [a, b], seed: 7 }).toArray({ scheduler });
        expect(got).toEqual(ref);
      }),
      { numRuns: 6 },
    );
    const u1 = await array.random.uniform({ shape: [100], chunks: 7, seed: 1 }).toArray();
    const u2 = await array.random.uniform({ shape: [100], chunks: 33, seed: 1 }).toArray({ scheduler: 'processes' });
    expect(u1).toEqual(u2);
    expect(await array.random.uniform({ shape: [100], seed: 2 }).toArray()).not.toEqual(u1);
  });
  test('distributions have the right moments and ranges', async () => {
    const n = 200_000;
    const x = array.random.normal({ shape: [n], chunks: 50_000, seed: 11, loc: 3, scale: 2 });
    const [m, s] = (await compute(x.mean(), x.std())) as [number, number];
    expect(Math.abs(m - 3)).toBeLessThan(0.03);
    expect(Math.abs(s - 2)).toBeLessThan(0.03);
    // Tails: P(|z| > 3) = 0.0027 (the ziggurat's tail path is exercised).
    const z = x.sub(3).div(2);
    const [tail, tail2, kurt, skew] = (await compute(z.abs().gt(3).sum(), z.abs().gt(2).sum(), z.pow(4).mean(), z.pow(3).mean())) as number[];
    expect(tail! / n).toBeGreaterThan(0.0018);
    expect(tail! / n).toBeLessThan(0.0036);
    expect(Math.abs(tail2! / n - 0.0455)).toBeLessThan(0.002); // P(|z| > 2)
    expect(Math.abs(kurt! - 3)).toBeLessThan(0.1);
    expect(Math.abs(skew!)).toBeLessThan(0.03);
    const u = array.random.uniform({ shape: [n], chunks: 60_000, seed: 5, low: -1, high: 3 });
    const [lo, hi, um] = (await compute(u.min(), u.max(), u.mean())) as number[];
    expect(lo).toBeGreaterThanOrEqual(-1);
    expect(hi).toBeLessThan(3);
    expect(Math.abs(um! - 1)).toBeLessThan(0.02);
    const k = array.random.integers(0, 6, { shape: [60_000], chunks: 7_000, seed: 9 });
    expect(k.dtype).toBe('int32');
    const counts = await Promise.all([0, 1, 2, 3, 4, 5].map((v) => k.eq(v).sum().compute() as Promise<number>));
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    expect(() => array.random.integers(5, 5)).toThrow(/low < high/);
    expect(() => array.random.normal({ seed: -1 })).toThrow(/seed=-1/);
  });
});
