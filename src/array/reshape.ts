/**
 * Reshape without moving data. A block is a C-ordered run of values, so it can take a new shape
 * as long as each group of input axes that becomes a group of output axes is cut only along its
 * first axis, in pieces the output axes can hold. Then each output block is an input block under
 * a new shape (an alias, no task does any work). Otherwise the error says which axis to rechunk.
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
    // Only the group's first input axis may have several blocks.
    const cut = gi.slice(1).filter((d) => x.chunks[d]!.length > 1);
    if (cut.length) {
      ok = false;
      for (const d of cut) {
        fix[d] = -1;
        why.push(`axis ${d} (length ${from[d]}) is cut into ${x.chunks[d]!.length} blocks but is merged with axis ${gi[0]}`);
      }
      continue;
    }
    const inner = prod(gi.slice(1).map((d) => from[d]!));
    const lead = gi.length ? x.chunks[gi[0]!]!.map((c) => c * inner) : [1];
    const tail = prod(gj.slice(1).map((d) => to[d]!));
    if (gj.length === 0) continue;
    if (tail === 0 || lead.some((c) => c % tail !== 0)) {
      if (lead.length > 1) {
        ok = false;
        // A block length that splits evenly (rows of `tail` over the inner axes).
        if (gi.length) fix[gi[0]!] = Math.max(1, Math.round(Math.max(...lead) / tail)) * (tail / inner) || -1;
        why.push(`blocks of ${lead.join(', ')} elements along axis ${gi[0]} do not split evenly into rows of ${tail}`);
        continue;
      }
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
