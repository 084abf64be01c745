/**
 * `vindex`: NumPy's pointwise ("vectorised") indexing, Dask's `x.vindex[...]`. Integer lists on
 * the leading axes, all of one length n, pick the points (l0[p], l1[p], ...); the result has
 * shape [n, ...the remaining axes]. (`slice` with several lists takes their outer product.)
 *
 * Output block (pb, J...) holds points pb of the output's first axis and the remaining axes'
 * blocks J of the input. A point's data in the source block that holds it is then one
 * contiguous run (C order), so each task copies runs, grouped by source block.
 */
import { messages, OptionError } from '../errors.ts';
import { tokenize } from '../graph/tokenize.ts';
import { ref, type Arg } from '../graph/types.ts';
import { blockAt, chunksize, offsets, prod } from './chunks.ts';
import { blockwiseArray } from './blocks.ts';
import type { ShoalArray } from './core.ts';
import { gatherKernels } from './kernels/gather.ts';
import { assertKnown } from './slicing.ts';

void gatherKernels;

/**
 * The points (lists[0][p], lists[1][p], ...) of `x`, with the axes after the lists kept whole.
 * @example
 * const m = array.arange(0, 12, 1, { chunks: 4 }).reshape([3, 4]);
 * await m.vindex([0, 2, 1], [3, 0, 0]).toArray();   // [3, 8, 4]
 */
export function vindex(x: ShoalArray, lists: readonly (readonly number[])[]): ShoalArray {
  const op = 'vindex';
  assertKnown(op, x);
  const k = lists.length;
  if (k === 0 || k > x.ndim) throw new OptionError(messages.arrayIndex(op, `needs 1 to ${x.ndim} integer lists, got ${k}`, x.shape));
  const n = lists[0]!.length;
  const points = lists.map((l, d) => {
    if (!Array.isArray(l) && !ArrayBuffer.isView(l)) throw new OptionError(messages.arrayIndex(op, `index ${d} must be a list of integers, got ${JSON.stringify(l)}`, x.shape));
    if (l.length !== n) throw new OptionError(messages.arrayIndex(op, `the lists must have one length; list 0 has ${n}, list ${d} has ${l.length}`, x.shape));
    const len = x.shape[d]!;
    return Array.from(l, (v, p) => {
      if (!Number.isInteger(v) || v < -len || v >= len) throw new OptionError(messages.arrayIndex(op, `index ${v} at position ${p} of list ${d} is out of range for axis ${d} (length ${len})`, x.shape));
      return v < 0 ? v + len : v;
    });
  });
  const rest = x.chunks.slice(k);
  // Points are cut like the first indexed axis (its largest block).
  const per = Math.max(1, chunksize(x.chunks)[0]!);
  const pointChunks: number[] = [];
  for (let p = 0; p < n; p += per) pointChunks.push(Math.min(per, n - p));
  if (pointChunks.length === 0) pointChunks.push(0);
  const chunks = [pointChunks, ...rest.map((c) => c.slice())];
  const offs = x.chunks.slice(0, k).map(offsets);
  const name = `vindex-${tokenize(x.name, points)}`;
  return blockwiseArray(name, chunks, x.dtype, [x], 'array.gather', ({ index, shape, start }) => {
    const J = index.slice(1);
    const run = prod(shape.slice(1)); // values per point in this block
    // Group the block's points by the source block holding them.
    const groups = new Map<string, { src: number[]; from: number[]; to: number[] }>();
    for (let q = 0; q < shape[0]!; q++) {
      const p = start[0]! + q;
      const bi = points.map((l, d) => blockAt(offs[d]!, l[p]!));
      const id = bi.join(',');
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { src: [...bi, ...J], from: [], to: [] }));
      // Flat position of the point over the indexed axes inside its source block.
      let flat = 0;
      for (let d = 0; d < k; d++) flat = flat * x.chunks[d]![bi[d]!]! + (points[d]![p]! - offs[d]![bi[d]!]!);
      g.from.push(flat * run);
      g.to.push(q * run);
    }
    const pieces: Arg[] = [...groups.values()].map((g) => [ref(x.blockKey(g.src)), g.from, g.to]);
    return [x.dtype, prod(shape), run, pieces];
  });
}
