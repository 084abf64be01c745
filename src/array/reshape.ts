/**
 * Reshape without moving data. A block is a C-ordered run of values, so it can take a new shape
 * as long as each block of a group of input axes that becomes a group of output axes is one
 * contiguous run of the merged values (before the group's last cut axis blocks have length 1,
 * after it axes are whole), in pieces the output axes can hold. Then each output block is an input block under
 * a new shape (an alias, no task does any work). Otherwise the error says which axis to rechunk.
 * (Dask rechunks on its own here; shoal asks, so a reshape never hides an all-to-all copy.)
 */
import { messages, OptionError } from '../errors.ts';
import { blockKey } from '../graph/keys.ts';
import { tokenize } from '../graph/tokenize.ts';
import { alias } from '../graph/types.ts';
import { blockIndices, numblocksOf, prod } from './chunks.ts';
import { ShoalArray } from './core.ts';
import { assertKnown } from './slicing.ts';

/** Group axes: pairs of [input axes, output axes] whose lengths multiply to the same number. */
function groups(a: readonly number[], b: readonly number[]): [number[], number[]][] {
  const out: [number[], number[]][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const gi: number[] = [];
    const gj: number[] = [];
    let pa = 1;
    let pb = 1;
    // A length-1 axis facing a longer one is a group of its own.
    if (i < a.length && a[i] === 1 && (j >= b.length || b[j] !== 1)) {
      out.push([[i++], []]);
      continue;
    }
    if (j < b.length && b[j] === 1 && (i >= a.length || a[i] !== 1)) {
      out.push([[], [j++]]);
      continue;
    }
    // Take at least one axis from each side (when left), then grow the smaller product.
    if (i < a.length) pa *= a[(gi.push(i), i++)]!;
    if (j < b.length) pb *= b[(gj.push(j), j++)]!;
    while (pa !== pb) {
      if (pa < pb && i < a.length) pa *= a[(gi.push(i), i++)]!;
      else if (pb < pa && j < b.length) pb *= b[(gj.push(j), j++)]!;
      else break;
    }
    // Trailing length-1 axes join the group.
    while (i < a.length && a[i] === 1 && (j >= b.length || b[j] !== 1)) gi.push(i++);
    while (j < b.length && b[j] === 1 && (i >= a.length || a[i] !== 1)) gj.push(j++);
    out.push([gi, gj]);
  }
  return out;
}

/**
 * The array with a new shape (one entry may be -1: inferred), where chunk boundaries allow.
 * @example
 * array.arange(0, 12, 1, { chunks: 6 }).reshape([2, 6]).chunks;   // [[1, 1], [6]]
 * array.ones([4, 6], { chunks: 2 }).reshape([24]);                 // error: rechunk axis 1 to -1 first
 */
export function reshape(x: ShoalArray, shape: readonly number[]): ShoalArray {
  assertKnown('reshape', x);
  const from = x.shape;
  const size = x.size;
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1 || !shape.every((d) => d === -1 || (Number.isInteger(d) && d >= 0)))
    throw new OptionError(messages.arrayReshape(from, shape, x.chunks, 'the new shape must be whole numbers >= 0 with at most one -1'));
  const known = prod(shape.filter((d) => d !== -1));
  const to = shape.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (prod(to) !== size || !to.every(Number.isInteger))
    throw new OptionError(messages.arrayReshape(from, shape, x.chunks, `${size} elements do not fit the new shape`));
  if (to.length === from.length && to.every((d, i) => d === from[i])) return x;
  const chunks: number[][] = to.map(() => []);
  const fix: (number | number[])[] = x.chunks.map((c) => (c.length === 1 ? -1 : c.slice()));
  let ok = true;
  const why: string[] = [];
  for (const [gi, gj] of groups(from, to)) {
    // A block is a contiguous run of the merged axes when, before the last cut axis L, every
    // block has length 1, and after L every axis is whole.
    const cutAxes = gi.filter((d) => x.chunks[d]!.length > 1);
    const L = cutAxes.length ? cutAxes[cutAxes.length - 1]! : gi[0];
    if (L !== undefined) {
      const before = gi.filter((d) => d < L && x.chunks[d]!.some((c) => c !== 1));
      if (before.length) {
        // Suggest the simplest fix: every merged axis after the group's first one whole.
        ok = false;
        for (const d of cutAxes.filter((c) => c !== gi[0])) {
          fix[d] = -1;
          why.push(`axis ${d} (length ${from[d]}) is cut into ${x.chunks[d]!.length} blocks but is merged with axis ${gi[0]}`);
        }
        continue;
      }
    }
    const inner = L === undefined ? 1 : prod(gi.filter((d) => d > L).map((d) => from[d]!));
    // The merged axis' blocks, in C order over the group's cut axes.
    const lead =
      L === undefined
        ? [1]
        : blockIndices(gi.filter((d) => d <= L).map((d) => x.chunks[d]!.length)).map((bi) => x.chunks[L]![bi[bi.length - 1]!]! * inner);
    if (gj.length === 0) continue;
    const tail = prod(gj.slice(1).map((d) => to[d]!));
    if (lead.length > 1 && (tail === 0 || lead.some((c) => c % tail !== 0))) {
      ok = false;
      // A block length that splits evenly into rows of `tail` over the inner axes.
      if (L !== undefined) fix[L] = Math.max(1, Math.round(Math.max(...lead) / tail)) * (tail / inner) || -1;
      why.push(`blocks of ${lead.join(', ')} elements along axis ${L} do not split evenly into rows of ${tail}`);
      continue;
    }
    chunks[gj[0]!] = lead.length === 1 ? [to[gj[0]!]!] : lead.map((c) => c / tail);
    for (const d of gj.slice(1)) chunks[d] = [to[d]!];
  }
  if (!ok) {
    const spec = fix.map((f) => (typeof f === 'number' ? f : `[${f.join(', ')}]`));
    throw new OptionError(messages.arrayReshape(from, to, x.chunks, `${why.join('; ')}. Rechunk first, e.g. x.rechunk([${spec.join(', ')}]).reshape([${to.join(', ')}])`));
  }
  const name = `reshape-${tokenize(x.name, to)}`;
  const outNb = numblocksOf(chunks);
  const inNb = x.numblocks;
  // Blocks are in the same C order on both sides (each group has blocks only on its first axis).
  const inIdx = blockIndices(inNb);
  return new ShoalArray(name, chunks, x.dtype, {
    deps: [x],
    tasks: () => blockIndices(outNb).map((idx, n) => alias(blockKey(name, idx), x.blockKey(inIdx[n]!))),
  });
}
