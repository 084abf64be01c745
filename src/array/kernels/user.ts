/**
 * Kernels that run users' functions on blocks (mapBlocks, blockwise, mapOverlap): blocks are
 * handed over as scijs ndarrays and the function's result (an ndarray, a typed array, a plain
 * array or a number) becomes the output block, checked against the expected shape.
 */
import type ndarrayType from 'ndarray';
import { messages } from '../../errors.ts';
import { lazyDependency } from '../../schedulers/modules.ts';
import { defineOps, type AnyFn } from '../../schedulers/registry.ts';
import { prod } from '../chunks.ts';
import { allocShared, type DType, type TypedArray } from '../dtype.ts';
import { copyRegion, type Piece } from './copy.ts';

/** @internal scijs ndarray, loaded when an Array is first computed or mapped (not at `import 'shoal'`). */
export const ndarray = lazyDependency<typeof ndarrayType>('ndarray');

/** Wrap a block (or nested lists of blocks) as ndarrays. */
function wrap(x: unknown, shape: unknown): unknown {
  if (ArrayBuffer.isView(x)) return ndarray()(x as TypedArray, shape as number[]);
  if (Array.isArray(x)) return x.map((v, i) => wrap(v, (shape as unknown[])[i]));
  return x;
}

/** The function's result as a block of `dtype` and `shape` (NaN: any length, 1-D). */
function toBlock(key: string, r: unknown, dtype: DType, shape: number[]): TypedArray {
  const n = shape.some(Number.isNaN) ? NaN : prod(shape);
  let flat: ArrayLike<number>;
  let got: string;
  if (typeof r === 'number') {
    flat = [r];
    got = 'a number';
  } else if (ArrayBuffer.isView(r)) {
    flat = r as TypedArray;
    got = `a typed array of length ${(r as TypedArray).length}`;
  } else if (r && typeof r === 'object' && 'shape' in r && 'data' in r) {
    const nd = r as ndarrayType.NdArray;
    got = `an ndarray of shape [${nd.shape.join(', ')}]`;
    const size = prod(nd.shape);
    const out = new Float64Array(size);
    const idx = new Array<number>(nd.shape.length).fill(0);
    for (let i = 0; i < size; i++) {
      out[i] = nd.get(...idx) as number;
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d]! < nd.shape[d]!) break;
        idx[d] = 0;
      }
    }
    flat = out;
  } else if (Array.isArray(r)) {
    flat = r.flat(Infinity) as number[];
    got = `a JS array of ${flat.length} numbers`;
  } else throw new Error(messages.arrayBlockResult(key, `${shape.join('x')} values`, typeof r));
  if (!Number.isNaN(n) && flat.length !== n) throw new Error(messages.arrayBlockResult(key, `a block of shape [${shape.join(', ')}] (${n} values)`, got));
  const out = allocShared(dtype, flat.length);
  if (ArrayBuffer.isView(flat)) out.set(flat as TypedArray);
  else for (let i = 0; i < flat.length; i++) out[i] = flat[i]!;
  return out;
}

/** `f(...blocks as ndarrays, ...extra)` → a block. */
function mapBlocks(f: AnyFn, key: string, dtype: DType, shape: number[], blocks: unknown[], shapes: unknown[], extra: unknown[]): TypedArray {
  return toBlock(key, f(...(wrap(blocks, shapes) as unknown[]), ...extra), dtype, shape);
}

/**
 * Extend a block with its neighbours' edges (pieces), fill the rest with `fill`, run `f` on it and
 * cut the halo off again.
 */
function overlap(f: AnyFn, key: string, dtype: DType, ext: number[], fill: number, pieces: Piece[], trim: number[], shape: number[], extra: unknown[]): TypedArray {
  const buf = allocShared(dtype, prod(ext));
  if (fill !== 0) buf.fill(fill);
  for (const [src, srcShape, srcStart, step, dstStart, region] of pieces) copyRegion(src, srcShape, srcStart, step, buf, ext, dstStart, region);
  const r = toBlock(key, f(ndarray()(buf, ext), ...extra), dtype, ext);
  if (trim.every((t) => t === 0) && shape.every((d, i) => d === ext[i])) return r;
  const out = allocShared(dtype, prod(shape));
  copyRegion(r, ext, trim, null, out, shape, shape.map(() => 0), shape);
  return out;
}

export const userKernels = defineOps(import.meta.url, { 'array.mapBlocks': mapBlocks, 'array.overlap': overlap });
