/** Kernels that make blocks from nothing: constants, ranges, the identity, random values. */
import { defineOps } from '../../schedulers/registry.ts';
import { prod, stridesOf } from '../chunks.ts';
import { allocShared, type DType, type TypedArray } from '../dtype.ts';
import { addRows, fillSegment, momentsSegment, sumSegment } from '../random.ts';

/** A block of `shape` filled with `value`. */
function full(dtype: DType, shape: number[], value: number): TypedArray {
  const out = allocShared(dtype, prod(shape));
  if (value !== 0) out.fill(value);
  return out;
}

/** `start + i * step` for i in 0..n (NumPy computes arange values this way). */
function arange(dtype: DType, start: number, step: number, n: number): TypedArray {
  const out = allocShared(dtype, n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return out;
}

/** linspace values `first .. first+n` of `start + i * (stop - start) / div`; index `last` is exactly `stop`. */
function linspace(dtype: DType, start: number, stop: number, div: number, first: number, n: number, last: number): TypedArray {
  const out = allocShared(dtype, n);
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < n; i++) {
    const k = first + i;
    out[i] = k === last ? stop : step === 0 ? start + (k * delta) / div : start + k * step;
  }
  return out;
}

/** A block of the identity-like matrix with ones on diagonal `k`; the block starts at (r0, c0). */
function eye(dtype: DType, shape: number[], r0: number, c0: number, k: number): TypedArray {
  const [rows, cols] = shape as [number, number];
  const out = allocShared(dtype, rows * cols);
  for (let i = 0; i < rows; i++) {
    const j = r0 + i + k - c0;
    if (j >= 0 && j < cols) out[i * cols + j] = 1;
  }
  return out;
}

/**
 * A block of random values: element values depend only on (seed, flat index in the whole array),
 * so the block is the same whatever the chunking (see random.ts).
 */
function random(dtype: DType, dist: number, p1: number, p2: number, k0: number, k1: number, fullShape: number[], start: number[], shape: number[]): TypedArray {
  return randomInto(allocShared, dtype, dist, p1, p2, k0, k1, fullShape, start, shape);
}

/**
 * The flat indices (in the whole array of `fullShape`) where each row of the block at `start`
 * of `shape` begins: a row is the block's last axis, contiguous in the whole array too.
 */
export function rowStarts(fullShape: number[], start: number[], shape: number[]): Float64Array {
  const nd = shape.length;
  if (nd === 0) return Float64Array.of(0);
  const fs = stridesOf(fullShape);
  const rows = prod(shape.slice(0, -1));
  const out = new Float64Array(shape[nd - 1] === 0 ? 0 : rows);
  const idx = new Array<number>(nd).fill(0);
  for (let r = 0; r < out.length; r++) {
    let flat = 0;
    for (let d = 0; d < nd; d++) flat += (start[d]! + idx[d]!) * fs[d]!;
    out[r] = flat;
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * The block as few contiguous runs of the whole array's flat order as its shape allows: axes
 * after `j` that the block spans whole merge with axis j, so a block of whole rows (or a tall,
 * narrow block of a tall, narrow array) is one run, not a run per row.
 */
export function segmentsOf(fullShape: number[], start: number[], shape: number[]): { starts: Float64Array; len: number } {
  const nd = shape.length;
  if (nd === 0) return { starts: Float64Array.of(0), len: 1 };
  let j = nd - 1;
  while (j > 0 && shape[j] === fullShape[j]) j--;
  const tail = (xs: number[]) => prod(xs.slice(j + 1));
  const len = shape[j]! * tail(shape);
  return { starts: rowStarts([...fullShape.slice(0, j), fullShape[j]! * tail(fullShape)], [...start.slice(0, j), start[j]! * tail(fullShape)], [...shape.slice(0, j), len]), len };
}

/** `random` with the block from `alloc` (shared memory, or scratch when a reduction consumes it at once). */
export function randomInto(
  alloc: (dtype: DType, n: number) => TypedArray,
  dtype: DType, dist: number, p1: number, p2: number, k0: number, k1: number, fullShape: number[], start: number[], shape: number[],
): TypedArray {
  const out = alloc(dtype, prod(shape));
  const { starts, len } = segmentsOf(fullShape, start, shape);
  // A float32/int block is filled through a float64 buffer so each value is produced in double precision.
  const row = dtype === 'float64' ? null : new Float64Array(Math.min(len, 1 << 16));
  for (let r = 0; r < starts.length; r++) {
    if (row === null) {
      fillSegment(out as Float64Array, r * len, starts[r]!, len, dist, p1, p2, k0, k1);
      continue;
    }
    for (let done = 0; done < len; done += row.length) {
      const m = Math.min(row.length, len - done);
      fillSegment(row, 0, starts[r]! + done, m, dist, p1, p2, k0, k1);
      out.set(m === row.length ? row : row.subarray(0, m), r * len + done);
    }
  }
  return out;
}

/**
 * Random values of a float64 block added row by row into `acc` (one row long): `acc[j]` gains
 * the sum of column j over the block's rows. A reduction summing leading axes uses it so the
 * block is never stored (see kernels/remake.ts).
 */
export function addRandomRows(acc: Float64Array, dist: number, p1: number, p2: number, k0: number, k1: number, fullShape: number[], start: number[], shape: number[]): void {
  addRows(acc, rowStarts(fullShape, start, shape), dist, p1, p2, k0, k1);
}

/** The sum of a random block's values, made and added in the kernel (nothing stored). */
export function randomSum(dist: number, p1: number, p2: number, k0: number, k1: number, fullShape: number[], start: number[], shape: number[]): number {
  const { starts, len } = segmentsOf(fullShape, start, shape);
  let total = 0;
  for (const s of starts) total += sumSegment(s, len, dist, p1, p2, k0, k1);
  return total;
}

/** Sums of (value - shift) and of its square over a random block, made in the kernel (nothing stored). */
export function randomMoments(dist: number, p1: number, p2: number, k0: number, k1: number, fullShape: number[], start: number[], shape: number[], shift: number): [number, number] {
  const { starts, len } = segmentsOf(fullShape, start, shape);
  let s1 = 0, s2 = 0;
  for (const s of starts) {
    const [a, b] = momentsSegment(s, len, dist, p1, p2, k0, k1, shift);
    s1 += a;
    s2 += b;
  }
  return [s1, s2];
}

export const createKernels = defineOps(import.meta.url, {
  'array.full': full,
  'array.arange': arange,
  'array.linspace': linspace,
  'array.eye': eye,
  'array.random': random,
});
