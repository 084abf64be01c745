/**
 * Copying regions between C-ordered blocks: the kernel behind rechunk, concatenate, stack and
 * slicing. A region is copied row by row (`set` of a subarray) when its last axis has step 1.
 */
import { defineOps } from '../../schedulers/registry.ts';
import { prod, stridesOf as strides } from '../chunks.ts';
import { allocShared, type DType, type TypedArray } from '../dtype.ts';

/**
 * Copy `region` elements from `src` (shape `srcShape`, starting at `srcStart`, stepping by
 * `step` per axis) into `dst` (shape `dstShape`) at `dstStart`.
 */
export function copyRegion(
  src: TypedArray, srcShape: readonly number[], srcStart: readonly number[], step: readonly number[] | null,
  dst: TypedArray, dstShape: readonly number[], dstStart: readonly number[], region: readonly number[],
): void {
  const nd = region.length;
  if (nd === 0) {
    dst[0] = src[0]!;
    return;
  }
  if (region.some((r) => r === 0)) return;
  const ss = strides(srcShape);
  const ds = strides(dstShape);
  const st = step ?? new Array<number>(nd).fill(1);
  const inner = region[nd - 1]!;
  const innerStep = st[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let rows = 1;
  for (let d = 0; d < nd - 1; d++) rows *= region[d]!;
  for (let r = 0; r < rows; r++) {
    let so = 0;
    let doff = 0;
    for (let d = 0; d < nd; d++) {
      so += (srcStart[d]! + idx[d]! * st[d]!) * ss[d]!;
      doff += (dstStart[d]! + idx[d]!) * ds[d]!;
    }
    if (innerStep === 1) dst.set(src.subarray(so, so + inner), doff);
    else for (let j = 0; j < inner; j++) dst[doff + j] = src[so + j * innerStep]!;
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < region[d]!) break;
      idx[d] = 0;
    }
  }
}

/** One piece of an output block: where it comes from and where it goes. */
export type Piece = [src: TypedArray, srcShape: number[], srcStart: number[], step: number[] | null, dstStart: number[], region: number[]];

/** A new block of `shape` assembled from pieces of other blocks. */
function assemble(dtype: DType, shape: number[], pieces: Piece[]): TypedArray {
  const n = prod(shape);
  // A piece that is exactly one whole source block needs no copy.
  if (pieces.length === 1) {
    const [src, srcShape, srcStart, step, , region] = pieces[0]!;
    if (src.length === n && srcStart.every((s) => s === 0) && (!step || step.every((s) => s === 1)) && region.every((r, i) => r === srcShape[i]) && srcShape.length === shape.length)
      return src;
  }
  const out = allocShared(dtype, n);
  for (const [src, srcShape, srcStart, step, dstStart, region] of pieces) copyRegion(src, srcShape, srcStart, step, out, shape, dstStart, region);
  return out;
}

export const copyKernels = defineOps(import.meta.url, { 'array.assemble': assemble });
