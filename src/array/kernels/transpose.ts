/** Transposing one block: a tiled loop for 2-D (cache-friendly), a general walk otherwise. */
import { defineOps } from '../../schedulers/registry.ts';
import { stridesOf } from '../chunks.ts';
import { allocShared, dtypeOf, type TypedArray } from '../dtype.ts';

const TILE = 32;

function transpose(x: TypedArray, shape: number[], axes: number[]): TypedArray {
  const out = allocShared(dtypeOf(x)!, x.length);
  const nd = shape.length;
  if (nd === 2 && axes[0] === 1) {
    const [r, c] = shape as [number, number];
    for (let i0 = 0; i0 < r; i0 += TILE)
      for (let j0 = 0; j0 < c; j0 += TILE) {
        const i1 = Math.min(r, i0 + TILE);
        const j1 = Math.min(c, j0 + TILE);
        for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * r + i] = x[i * c + j]!;
      }
    return out;
  }
  // Walk the output in C order; the input position moves by the input stride of each output axis.
  const inStr = stridesOf(shape);
  const oshape = axes.map((a) => shape[a]!);
  const step = axes.map((a) => inStr[a]!);
  const idx = new Array<number>(nd).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = x[src]!;
    for (let d = nd - 1; d >= 0; d--) {
      src += step[d]!;
      if (++idx[d]! < oshape[d]!) break;
      src -= step[d]! * oshape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

export const transposeKernels = defineOps(import.meta.url, { 'array.transpose': transpose });
