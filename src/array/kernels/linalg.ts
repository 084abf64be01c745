/** Block kernels of matrix products: one block product, and sums of partial products. */
import { defineOps } from '../../schedulers/registry.ts';
import { allocShared, type DType, type TypedArray } from '../dtype.ts';

/** `a (m x k) @ b (k x n)` as a float64 partial (i-p-j order: rows of b stream through cache). */
function matmul(a: TypedArray, b: TypedArray, m: number, k: number, n: number): Float64Array {
  // In shared memory from the start: a partial product is a task result that may move threads.
  const out = allocShared('float64', m * n) as Float64Array;
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      if (av === 0) continue;
      const bo = p * n;
      for (let j = 0; j < n; j++) out[o + j]! += av * b[bo + j]!;
    }
  }
  return out;
}

/** Elementwise sum of partials; with a dtype, the final output block in that dtype. */
function sumBlocks(dtype: DType | null, ...parts: Float64Array[]): TypedArray {
  const first = parts[0]!;
  let acc = first;
  if (!(parts.length === 1 && dtype === null)) {
    acc = allocShared('float64', first.length) as Float64Array;
    acc.set(first);
  }
  for (let p = 1; p < parts.length; p++) {
    const q = parts[p]!;
    for (let i = 0; i < acc.length; i++) acc[i]! += q[i]!;
  }
  if (dtype === null) return acc;
  const out = allocShared(dtype, acc.length);
  out.set(acc);
  return out;
}

export const linalgKernels = defineOps(import.meta.url, { 'array.matmul': matmul, 'array.sumBlocks': sumBlocks });
