/** Kernels of cumulative sums/products: a scan inside each block, then carries between blocks. */
import { defineOps } from '../../schedulers/registry.ts';
import { allocShared, type DType, type TypedArray } from '../dtype.ts';

type Kind = 'cumsum' | 'cumprod';

/** Strides: [outer count, axis length, inner count] of a block around `axis`. */
function split(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  return [outer, shape[axis]!, inner];
}

function scan(kind: Kind, dtype: DType, x: TypedArray, shape: number[], axis: number): TypedArray {
  const out = allocShared(dtype, x.length);
  const [outer, len, inner] = split(shape, axis);
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    for (let i = 0; i < inner; i++) {
      let acc = kind === 'cumsum' ? 0 : 1;
      for (let k = 0; k < len; k++) {
        const at = base + k * inner + i;
        acc = kind === 'cumsum' ? acc + x[at]! : acc * x[at]!;
        out[at] = acc;
      }
    }
  }
  return out;
}

/** The carry into the next block: `prev` combined with the last slice of `local` along `axis`. */
function carry(kind: Kind, prev: Float64Array | null, local: TypedArray, shape: number[], axis: number): Float64Array {
  const [outer, len, inner] = split(shape, axis);
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const v = local[o * len * inner + (len - 1) * inner + i]!;
      const p = prev ? prev[o * inner + i]! : kind === 'cumsum' ? 0 : 1;
      out[o * inner + i] = kind === 'cumsum' ? p + v : p * v;
    }
  return out;
}

function apply(kind: Kind, dtype: DType, local: TypedArray, shape: number[], axis: number, c: Float64Array): TypedArray {
  const out = allocShared(dtype, local.length);
  const [outer, len, inner] = split(shape, axis);
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < len; k++)
      for (let i = 0; i < inner; i++) {
        const at = o * len * inner + k * inner + i;
        out[at] = kind === 'cumsum' ? local[at]! + c[o * inner + i]! : local[at]! * c[o * inner + i]!;
      }
  return out;
}

export const cumulativeKernels = defineOps(import.meta.url, { 'array.cum.scan': scan, 'array.cum.carry': carry, 'array.cum.apply': apply });
