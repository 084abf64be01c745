/** The kernel of `vindex`: a block assembled from contiguous runs of other blocks. */
import { defineOps } from '../../schedulers/registry.ts';
import { allocShared, type DType, type TypedArray } from '../dtype.ts';

/** A block of `n` values: for each piece, `run` values from `src[from[i]..]` to `out[to[i]..]`. */
function gather(dtype: DType, n: number, run: number, pieces: [TypedArray, number[], number[]][]): TypedArray {
  const out = allocShared(dtype, n);
  for (const [src, from, to] of pieces) {
    if (run === 1) for (let i = 0; i < from.length; i++) out[to[i]!] = src[from[i]!]!;
    else for (let i = 0; i < from.length; i++) out.set(src.subarray(from[i]!, from[i]! + run), to[i]!);
  }
  return out;
}

export const gatherKernels = defineOps(import.meta.url, { 'array.gather': gather });
