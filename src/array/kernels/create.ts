/** Kernels that make blocks from nothing: constants, ranges, the identity, random values. */
import { defineOps } from '../../schedulers/registry.ts';
import { prod, stridesOf } from '../chunks.ts';
import { allocShared, type DType, type TypedArray } from '../dtype.ts';
import { addUniformSegment, fillSegment, newStream, stridedUniformSegment } from '../random.ts';

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

/** `random` with the block from `alloc` (shared memory, or scratch when a reduction consumes it at once). */
export function randomInto(
  alloc: (dtype: DType, n: number) => TypedArray,
  dtype: DType, dist: number, p1: number, p2: number, k0: number, k1: number, fullShape: number[], start: number[], shape: number[],
): TypedArray {
  const n = prod(shape);
  const out = alloc(dtype, n);
  const nd = shape.length;
  const s = newStream();
  if (nd === 0) {
    const one = new Float64Array(1);
    fillSegment(one, 0, 0, 1, dist, p1, p2, k0, k1, s);
    out[0] = one[0]!;
    return out;
  }
  const fs = stridesOf(fullShape);
  const inner = shape[nd - 1]!;
  if (inner === 0) return out;
  const rows = n / inner;
  const idx = new Array<number>(nd).fill(0);
  // A float32/int block is filled through a float64 row buffer so each value is produced in double precision.
  const row = dtype === 'float64' ? null : new Float64Array(inner);
  const f64 = out as Float64Array;
  for (let r = 0; r < rows; r++) {
    let flat = 0;
    for (let d = 0; d < nd; d++) flat += (start[d]! + idx[d]!) * fs[d]!;
    if (row) {
      fillSegment(row, 0, flat, inner, dist, p1, p2, k0, k1, s);
      out.set(row, r * inner);
    } else fillSegment(f64, r * inner, flat, inner, dist, p1, p2, k0, k1, s);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Uniform values of a float64 block added row by row into `acc` (one row long): `acc[j]` gains
 * the sum of column j over the block's rows. A reduction summing leading axes uses it so the
 * block is never stored (see kernels/remake.ts).
 */
export function addUniformRows(acc: Float64Array, low: number, high: number, k0: number, k1: number, fullShape: number[], start: number[], shape: number[]): void {
  const nd = shape.length;
  const fs = stridesOf(fullShape);
  const inner = shape[nd - 1]!;
  if (inner === 0) return;
  const rows = prod(shape) / inner;
  const idx = new Array<number>(nd).fill(0);
  for (let r = 0; r < rows; r++) {
    let flat = 0;
    for (let d = 0; d < nd; d++) flat += (start[d]! + idx[d]!) * fs[d]!;
    addUniformSegment(acc, 0, flat, inner, low, high, k0, k1);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

/**
 * A float64 uniform block of 2-D `shape` made straight into its transpose's layout (`out` has
 * shape [shape[1], shape[0]]): each row is generated into a column.
 */
export function uniformTransposed(out: Float64Array, low: number, high: number, k0: number, k1: number, fullShape: number[], start: number[], shape: number[]): void {
  const [rows, cols] = shape as [number, number];
  const fs = stridesOf(fullShape);
  for (let q = 0; q < rows; q++) stridedUniformSegment(out, q, rows, (start[0]! + q) * fs[0]! + start[1]! * fs[1]!, cols, low, high, k0, k1);
}

export const createKernels = defineOps(import.meta.url, {
  'array.full': full,
  'array.arange': arange,
  'array.linspace': linspace,
  'array.eye': eye,
  'array.random': random,
});
