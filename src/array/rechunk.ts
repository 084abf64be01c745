/**
 * Rechunking: a new block grid over the same values. Each output block is assembled from the
 * pieces of the input blocks it overlaps (one task per output block), and chunk unification for
 * elementwise ops (operands cut differently along an axis are rechunked to the common refinement).
 */
import { messages, OptionError } from '../errors.ts';
import { tokenize } from '../graph/tokenize.ts';
import { ref, type Arg } from '../graph/types.ts';
import { blockwiseArray } from './blocks.ts';
import { blockIndices, normalizeChunks, offsets, sameChunks, type Chunks, type ChunksSpec } from './chunks.ts';
import { ShoalArray } from './core.ts';
import { assertKnown } from './slicing.ts';
import { copyKernels } from './kernels/copy.ts';

/** Along one axis: the input pieces of each output block, as [inBlock, start in it, start in out, length]. */
export function axisPieces(inChunks: readonly number[], outChunks: readonly number[]): [number, number, number, number][][] {
  const io = offsets(inChunks);
  const oo = offsets(outChunks);
  const out: [number, number, number, number][][] = [];
  let b = 0;
  for (let k = 0; k < outChunks.length; k++) {
    const lo = oo[k]!;
    const hi = oo[k + 1]!;
    const list: [number, number, number, number][] = [];
    while (b < inChunks.length - 1 && io[b + 1]! <= lo) b++;
    for (let j = b; j < inChunks.length && io[j]! < hi; j++) {
      const s = Math.max(lo, io[j]!);
      const e = Math.min(hi, io[j + 1]!);
      if (e > s) list.push([j, s - io[j]!, s - lo, e - s]);
    }
    if (list.length === 0) list.push([Math.min(b, inChunks.length - 1), 0, 0, 0]);
    out.push(list);
  }
  return out;
}

/** The Array whose block `idx` is assembled from per-axis piece lists of `x`'s blocks. */
export function gatherBlocks(name: string, x: ShoalArray, chunks: Chunks, pieces: [number, number, number, number][][][]): ShoalArray {
  void copyKernels;
  return blockwiseArray(name, chunks, x.dtype, [x], 'array.assemble', ({ index, shape }) => {
    const lists = index.map((b, d) => pieces[d]![b]!);
    const parts: Arg[] = [];
    for (const combo of blockIndices(lists.map((l) => l.length))) {
      const p = combo.map((c, d) => lists[d]![c]!);
      const inIdx = p.map((q) => q[0]);
      parts.push([ref(x.blockKey(inIdx)), inIdx.map((b, d) => x.chunks[d]![b]!), p.map((q) => q[1]), null, p.map((q) => q[2]), p.map((q) => q[3])]);
    }
    return [x.dtype, shape, parts];
  });
}

/**
 * The same values cut into new blocks.
 * @example
 * array.ones([10, 10], { chunks: 5 }).rechunk([2, -1]).chunks;   // [[2, 2, 2, 2, 2], [10]]
 */
export function rechunk(x: ShoalArray, spec: ChunksSpec): ShoalArray {
  assertKnown('rechunk', x);
  const chunks = normalizeChunks(spec, x.shape, x.dtype, 'rechunk');
  if (sameChunks(chunks, x.chunks)) return x;
  const name = `rechunk-${tokenize(x.name, chunks)}`;
  return gatherBlocks(name, x, chunks, chunks.map((c, d) => axisPieces(x.chunks[d]!, c)));
}

/** Common refinement of block boundaries along one axis. */
function refine(lists: readonly (readonly number[])[]): number[] {
  const cuts = new Set<number>();
  for (const l of lists) for (const o of offsets(l)) cuts.add(o);
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: number[] = [];
  for (let i = 1; i < sorted.length; i++) out.push(sorted[i]! - sorted[i - 1]!);
  return out.length ? out : [0];
}

/**
 * Operands of a broadcasting op with the same blocks along every shared axis: operands cut
 * differently are rechunked to the common refinement (Dask's `unify_chunks`).
 */
export function unifyChunks<T>(op: string, operands: readonly T[], shape: readonly number[]): T[] {
  const arrays = operands.filter((o): o is T & ShoalArray => o instanceof ShoalArray);
  const nd = shape.length;
  const target: number[][] = [];
  let differ = false;
  for (let d = 0; d < nd; d++) {
    const lists: (readonly number[])[] = [];
    for (const a of arrays) {
      const ad = d - (nd - a.ndim);
      if (ad >= 0 && a.shape[ad] === shape[d] && !(shape[d] === 1)) lists.push(a.chunks[ad]!);
    }
    if (lists.length === 0) {
      target.push([shape[d]!]);
      continue;
    }
    if (lists.some((l) => !sameChunks([l], [lists[0]!]))) differ = true;
    target.push(refine(lists));
  }
  if (!differ) return operands.slice();
  return operands.map((o) => {
    if (!(o instanceof ShoalArray)) return o;
    const spec = o.chunks.map((c, ad) => (o.shape[ad] === 1 ? c.slice() : target[ad + nd - o.ndim]!));
    if (spec.some((c, ad) => c.reduce((a, b) => a + b, 0) !== o.shape[ad])) throw new OptionError(messages.arrayBroadcast(op, operands.map((x) => (x instanceof ShoalArray ? x.shape : []))));
    return rechunk(o, spec) as T;
  });
}
