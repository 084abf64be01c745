/**
 * Operations that move values between axes or blocks without arithmetic: transpose, squeeze,
 * expandDims (metadata only: the flat C-order layout of a block does not change when a length-1
 * axis is added or dropped), concatenate and stack.
 */
import { messages, OptionError } from '../errors.ts';
import { blockKey } from '../graph/keys.ts';
import { tokenize } from '../graph/tokenize.ts';
import { alias, ref } from '../graph/types.ts';
import { blockwiseArray } from './blocks.ts';
import { blockIndices, numblocksOf, sameChunks } from './chunks.ts';
import { ShoalArray } from './core.ts';
import { assertKnown } from './slicing.ts';
import { promoteTypes } from './dtype.ts';
import { astype } from './elemwise.ts';
import { transposeKernels } from './kernels/transpose.ts';
import { normalizeAxes } from './reductions.ts';

void transposeKernels;

/**
 * Permute the axes (default: reverse them).
 * @example array.ones([2, 3]).transpose().shape   // [3, 2]
 */
export function transpose(x: ShoalArray, axes?: readonly number[]): ShoalArray {
  assertKnown('transpose', x);
  const nd = x.ndim;
  const perm = axes === undefined ? [...Array(nd).keys()].reverse() : axes.map((a) => (a < 0 ? a + nd : a));
  if (perm.length !== nd || [...perm].sort((a, b) => a - b).some((a, i) => a !== i))
    throw new OptionError(messages.arrayMismatch('transpose', `axes ${JSON.stringify(axes)} must be a permutation of 0..${nd - 1}`));
  if (perm.every((a, i) => a === i)) return x;
  // A transpose of a transpose is one permutation of the original.
  const inner = x.layer.transposeOf;
  if (inner) return transpose(inner.x, perm.map((p) => inner.perm[p]!));
  const chunks = perm.map((a) => x.chunks[a]!.slice());
  const name = `transpose-${tokenize(x.name, perm)}`;
  const t = blockwiseArray(name, chunks, x.dtype, [x], 'array.transpose', (b) => {
    const src = perm.map(() => 0);
    perm.forEach((a, i) => (src[a] = b.index[i]!));
    return [ref(x.blockKey(src)), src.map((s, d) => x.chunks[d]![s]!), perm];
  });
  return new ShoalArray(t.name, t.chunks, t.dtype, { ...t.layer, transposeOf: { x, perm } });
}

/** An Array with the same blocks under new chunk metadata (no task does any work but alias). */
function relabel(op: string, x: ShoalArray, chunks: number[][], mapIndex: (outIdx: number[]) => number[]): ShoalArray {
  const name = `${op}-${tokenize(x.name, chunks)}`;
  return new ShoalArray(name, chunks, x.dtype, {
    deps: [x],
    tasks: () => blockIndices(numblocksOf(chunks)).map((idx) => alias(blockKey(name, idx), x.blockKey(mapIndex(idx)))),
  });
}

/**
 * Drop length-1 axes (all of them, or those in `axis`).
 * @example array.ones([1, 3, 1]).squeeze().shape   // [3]
 */
export function squeeze(x: ShoalArray, axis?: number | readonly number[]): ShoalArray {
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, x.ndim);
  for (const a of axes) if (x.shape[a] !== 1) throw new OptionError(messages.arrayMismatch('squeeze', `axis ${a} has length ${x.shape[a]}, not 1 (shape [${x.shape.join(', ')}])`));
  if (axes.length === 0) return x;
  const chunks = x.chunks.filter((_, d) => !axes.includes(d)).map((c) => c.slice());
  const keep = x.chunks.map((_, d) => !axes.includes(d));
  return relabel('squeeze', x, chunks, (idx) => {
    let k = 0;
    return keep.map((kept) => (kept ? idx[k++]! : 0));
  });
}

/**
 * Insert a length-1 axis at `axis` (NumPy's `expand_dims`).
 * @example array.ones([3]).expandDims(0).shape   // [1, 3]
 */
export function expandDims(x: ShoalArray, axis: number): ShoalArray {
  const nd = x.ndim + 1;
  if (!Number.isInteger(axis) || axis < -nd || axis >= nd) throw new OptionError(messages.arrayBadAxis('expandDims', axis, nd));
  const a = axis < 0 ? axis + nd : axis;
  const chunks = x.chunks.map((c) => c.slice());
  chunks.splice(a, 0, [1]);
  return relabel('expandDims', x, chunks, (idx) => idx.filter((_, d) => d !== a));
}

/**
 * Join arrays along an existing axis. Other axes must match in length; their chunks are unified.
 * @example array.concatenate([array.ones([2]), array.zeros([3])]).toArray()   // [1, 1, 0, 0, 0]
 */
export function concatenate(arrays: readonly ShoalArray[], axis = 0): ShoalArray {
  if (!Array.isArray(arrays) || arrays.length === 0 || !arrays.every((a) => a instanceof ShoalArray))
    throw new OptionError(messages.arrayMismatch('concatenate', 'needs a non-empty list of Arrays'));
  const nd = arrays[0]!.ndim;
  if (nd === 0) throw new OptionError(messages.arrayMismatch('concatenate', 'zero-dimensional arrays cannot be concatenated'));
  if (!Number.isInteger(axis) || axis < -nd || axis >= nd) throw new OptionError(messages.arrayBadAxis('concatenate', axis, nd));
  const ax = axis < 0 ? axis + nd : axis;
  for (const a of arrays)
    if (a.ndim !== nd || a.shape.some((d, i) => i !== ax && d !== arrays[0]!.shape[i]))
      throw new OptionError(messages.arrayMismatch('concatenate', `shapes ${arrays.map((b) => `[${b.shape.join(', ')}]`).join(', ')} differ outside axis ${ax}`));
  let dtype = arrays[0]!.dtype;
  for (const a of arrays.slice(1)) dtype = promoteTypes(dtype, a.dtype);
  const others = unifyOthers(arrays.map((a) => astype(a, dtype)), ax);
  const chunks = others[0]!.chunks.map((c, d) => (d === ax ? others.flatMap((a) => a.chunks[ax]!.slice()) : c.slice()));
  const starts: number[] = [];
  let s = 0;
  for (const a of others) {
    starts.push(s);
    s += a.numblocks[ax]!;
  }
  const name = `concatenate-${tokenize(others.map((a) => a.name), ax)}`;
  return new ShoalArray(name, chunks, dtype, {
    deps: others,
    tasks: () =>
      blockIndices(numblocksOf(chunks)).map((idx) => {
        let k = starts.length - 1;
        while (starts[k]! > idx[ax]!) k--;
        return alias(blockKey(name, idx), others[k]!.blockKey(idx.map((v, d) => (d === ax ? v - starts[k]! : v))));
      }),
  });
}

/** Rechunk the arrays so every axis but `ax` has the common refinement of their blocks. */
function unifyOthers(arrays: ShoalArray[], ax: number): ShoalArray[] {
  const nd = arrays[0]!.ndim;
  const target = [...Array(nd).keys()].map((d) => (d === ax ? [] : refine(arrays.map((a) => a.chunks[d]!))));
  return arrays.map((a) => a.rechunk(a.chunks.map((c, d) => (d === ax ? c.slice() : target[d]!))));
}

/** Common refinement of block boundaries. */
export function refine(lists: readonly (readonly number[])[]): number[] {
  const cuts = new Set<number>([0]);
  for (const l of lists) {
    let s = 0;
    for (const n of l) cuts.add((s += n));
  }
  const sorted = [...cuts].sort((p, q) => p - q);
  const out: number[] = [];
  for (let i = 1; i < sorted.length; i++) out.push(sorted[i]! - sorted[i - 1]!);
  return out.length ? out : [0];
}

/**
 * Join arrays of the same shape along a new axis.
 * @example array.stack([array.ones([2]), array.zeros([2])], 1).shape   // [2, 2]
 */
export function stack(arrays: readonly ShoalArray[], axis = 0): ShoalArray {
  if (!Array.isArray(arrays) || arrays.length === 0 || !arrays.every((a) => a instanceof ShoalArray))
    throw new OptionError(messages.arrayMismatch('stack', 'needs a non-empty list of Arrays'));
  const shape = arrays[0]!.shape;
  for (const a of arrays)
    if (a.ndim !== shape.length || a.shape.some((d, i) => d !== shape[i]))
      throw new OptionError(messages.arrayMismatch('stack', `all arrays must have the same shape, got ${arrays.map((b) => `[${b.shape.join(', ')}]`).join(', ')}`));
  const nd = shape.length + 1;
  if (!Number.isInteger(axis) || axis < -nd || axis >= nd) throw new OptionError(messages.arrayBadAxis('stack', axis, nd));
  return concatenate(arrays.map((a) => expandDims(a, axis)), axis);
}
