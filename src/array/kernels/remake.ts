/**
 * Partials of blocks that are never stored: the reduction's task makes the block itself (random
 * values, or an elementwise expression over leaf blocks) and reduces it at once.
 *
 * The block is made and reduced in strips of whole rows along its first axis (about STRIP
 * elements each), so what is made stays in the core's cache while it is reduced: no pass over an
 * 80 MB block in main memory, and two threads do not compete for memory bandwidth. Strip partials
 * combine like any partials (the reduction's own `combine`) when the first axis is reduced, and
 * are placed side by side when it is not.
 *
 * Random leaves of an elementwise expression are remade here too (their blocks are never stored):
 * a leaf read in the output's layout is made strip by strip with the expression; one read another
 * way (transposed, broadcast) is made whole first, in its own scratch slot.
 */
import { defineOps } from '../../schedulers/registry.ts';
import { prod } from '../chunks.ts';
import type { DType, TypedArray } from '../dtype.ts';
import type { Expr } from '../expr.ts';
import { addRandomRows, randomInto, randomMoments, randomSum, rowStarts, segmentsOf } from './create.ts';
import { NORMAL, rowsView, transposedView, UNIFORM } from '../random.ts';
import { ewInto, ewSum, type LeafKind } from './elemwise.ts';
import { chunk, combine, type Partial, type ReduceKind } from './reduce.ts';
import { scratchSlot } from './scratch.ts';

/** The arguments of `array.random` for one block: how to remake it. */
export type RandomProducer = ['random', DType, number, number, number, number, number, number[], number[], number[]];

/**
 * How to make a block inside the reduction's task instead of reading it: an elementwise
 * expression (the args of `array.ew`, each leaf a stored block or a random block to remake), or
 * random values (the args of `array.random`).
 */
export type Producer = ['ew', Expr, DType, number[], [LeafKind, number[]][] | null, (TypedArray | RandomProducer)[]] | RandomProducer;

/**
 * Elements per strip. 32K float64 values (256 KB) stay in a core's L2 cache between being made
 * and being reduced, and are long enough that per-strip costs (a partial, a combine, a replayed
 * random group) are noise. A multiple of the random generator's group, so 1-D strips of an
 * aligned block replay nothing.
 */
const STRIP = 1 << 15;

/** Slot 0 holds the strip, slot 1 a panel of a leaf made transposed, slot 2 + k the leaf k made whole (scratch memory and the generator's regions are numbered alike). */
const STRIP_SLOT = 0;
const PANEL_SLOT = 1;
const stripAlloc = scratchSlot(STRIP_SLOT);
const leafSlot = (k: number) => 2 + k;

/**
 * Rows r0 .. r0+rows of random block `p`, made for slot `slot`: float64 blocks in the
 * generator's own memory (read in place, no copy out), other dtypes in scratch memory.
 */
function makeRandom(p: RandomProducer, slot: number, r0 = 0, rows = p[9][0]!): TypedArray {
  const [, dtype, dist, p1, p2, k0, k1, full, bstart, bshape] = p;
  const start = bstart.slice();
  const shape = bshape.slice();
  if (shape.length > 0) {
    start[0]! += r0;
    shape[0] = rows;
  }
  if (dtype === 'float64') {
    const { starts, len } = segmentsOf(full, start, shape);
    const view = rowsView(slot, starts, len, dist, p1, p2, k0, k1);
    if (view !== null) return view;
  }
  return randomInto(scratchSlot(slot), dtype, dist, p1, p2, k0, k1, full, start, shape);
}

/** A partial of a block made on the spot in scratch memory (see Producer). */
function chunkOf(kind: ReduceKind, producer: Producer, shape: number[], mask: boolean[], axis: number, start: number[], fullShape: number[]): Partial {
  const n = prod(shape);
  const rowLen = shape.length === 0 || shape[0] === 0 ? 0 : n / shape[0]!;
  const per = rowLen === 0 ? 0 : Math.max(1, Math.floor(STRIP / rowLen));
  let leaves: (TypedArray | RandomProducer)[] = [];
  let reads: [LeafKind, number[]][] | null = null;
  if (producer[0] === 'ew') {
    const given = producer[4];
    // Leaves not made strip by strip are made whole now, each in its own slot; a transposed
    // one is made in the output's layout and then read like a leaf of the output's shape.
    leaves = producer[5].map((l, k) => {
      if (!isProducer(l) || (given !== null && given[k]![0] === 'f' && per < shape[0]!)) return l;
      return given !== null && isTransposed(l, given[k]!, shape) ? makeTransposed(l, leafSlot(k)) : makeRandom(l, leafSlot(k));
    });
    reads = given && given.map((r, k) => (isProducer(producer[5][k]!) && isTransposed(producer[5][k] as RandomProducer, r, shape) ? ['f', [shape[1]!, 1]] : r));
  }
  // The leaf blocks of rows r0 .. r0+rows of an elementwise block.
  const insOf = (r0: number, rows: number): TypedArray[] => {
    const whole = r0 === 0 && rows === (shape[0] ?? 1);
    return leaves.map((l, k) => {
      if (isProducer(l)) return makeRandom(l, leafSlot(k), r0, rows);
      if (whole) return l;
      const [lk, strides] = reads![k]!;
      if (lk === 's') return l;
      return l.subarray(lk === 'f' ? r0 * rowLen : r0 * strides[0]!);
    });
  };
  const make = (r0: number, rows: number, sshape: number[]): TypedArray => {
    if (producer[0] === 'random') return makeRandom(producer, STRIP_SLOT, r0, rows);
    return ewInto(stripAlloc, producer[1], producer[2], sshape, reads, insOf(r0, rows));
  };
  if (producer[0] === 'random' && kind === 'sum' && producer[1] === 'float64' && n > 0 && shape.length > 0 && mask.slice(0, -1).every(Boolean)) {
    // Random values summed over all axes, or over all but the last (rows added into a one-row
    // accumulator): made and added inside the generator's kernel, never stored.
    const [, , dist, p1, p2, k0, k1, full, bstart] = producer;
    if (mask[shape.length - 1]) return Float64Array.of(randomSum(dist, p1, p2, k0, k1, full, bstart, shape));
    const acc = new Float64Array(shape[shape.length - 1]!);
    addRandomRows(acc, dist, p1, p2, k0, k1, full, bstart, shape);
    return acc;
  }
  if (producer[0] === 'ew' && kind === 'sum' && producer[2] === 'float64' && reads !== null && n > 0 && mask.every(Boolean) && reads.every((r) => r[0] !== 'b')) {
    // The whole block summed: each strip's values are added as they are made, never stored.
    const step = per === 0 ? shape[0] ?? 1 : per;
    let total = 0;
    for (let r0 = 0; r0 < (shape[0] ?? 1); r0 += step) {
      const rows = Math.min(step, (shape[0] ?? 1) - r0);
      total += ewSum(producer[1], reads, insOf(r0, rows), rows * (rowLen || 1));
    }
    return Float64Array.of(total);
  }
  if (producer[0] === 'random' && kind === 'moments' && producer[1] === 'float64' && (producer[2] === NORMAL || producer[2] === UNIFORM) && n > 0 && mask.every(Boolean)) {
    // Moments of random values in one pass inside the generator's kernel, about the
    // distribution's own mean K (loc, or the middle of [low, high)): M2 = S2 - S1^2 / n. With K
    // the true mean, S1^2 / n is tiny next to S2 (no cancellation), so the second pass the
    // general kernel needs for stability is not.
    const [, , dist, p1, p2, k0, k1, full, bstart] = producer;
    const k = dist === NORMAL ? p1 : (p1 + p2) / 2;
    const [s1, s2] = randomMoments(dist, p1, p2, k0, k1, full, bstart, shape, k);
    return [Float64Array.of(n), Float64Array.of(k + s1 / n), Float64Array.of(Math.max(0, s2 - (s1 * s1) / n))];
  }
  // Whole block: nothing to split (small blocks, 0-d, unknown lengths, one row along axis 0).
  if (per === 0 || per >= shape[0]! || reads === null && producer[0] === 'ew') return chunk(kind, make(0, shape[0] ?? 1, shape), shape, mask, axis, start, fullShape);
  let acc: Partial | undefined;
  const outPer = mask[0] ? 0 : prod(shape.slice(1).map((v, d) => (mask[d + 1] ? 1 : v)));
  for (let r0 = 0; r0 < shape[0]!; r0 += per) {
    const rows = Math.min(per, shape[0]! - r0);
    const sshape = shape.slice();
    sshape[0] = rows;
    const sstart = start.slice();
    sstart[0]! += r0;
    const p = chunk(kind, make(r0, rows, sshape), sshape, mask, axis, sstart, fullShape);
    if (mask[0]) acc = acc === undefined ? p : combine(kind, [acc, p]);
    else {
      // The first axis is kept: this strip's partial is rows r0.. of the block's partial.
      acc ??= Array.isArray(p) ? p.map(() => new Float64Array(shape[0]! * outPer)) : new Float64Array(shape[0]! * outPer);
      if (Array.isArray(p)) p.forEach((q, i) => (acc as Float64Array[])[i]!.set(q, r0 * outPer));
      else (acc as Float64Array).set(p, r0 * outPer);
    }
  }
  return acc!;
}

/**
 * True when leaf read `r` of a 2-D output block of `shape` is the whole random block `p`
 * transposed. Read in place, each strip of output rows would walk a column panel of an 8 MB block
 * (measured ~5 ns per element, most of x.add(x.T).sum()'s time); made transposed, it is read in order.
 */
function isTransposed(p: RandomProducer, r: [LeafKind, number[]], shape: number[]): boolean {
  const bs = p[9];
  return r[0] === 'b' && shape.length === 2 && shape[0]! > 1 && shape[1]! > 1 && bs[0] === shape[1] && bs[1] === shape[0] && r[1][0] === 1 && r[1][1] === shape[0];
}

/** Random block `p` made in transposed layout: panels of its rows made in cache, copied as columns. */
function makeTransposed(p: RandomProducer, slot: number): TypedArray {
  const [rs, cs] = p[9] as [number, number];
  if (p[1] === 'float64') {
    // In the generator's memory, transposed there panel by panel.
    const view = transposedView(slot, rowStarts(p[7], p[8], p[9]), cs, p[2], p[3], p[4], p[5], p[6]);
    if (view !== null) return view;
  }
  const out = scratchSlot(slot)(p[1], rs * cs);
  const per = Math.max(1, Math.floor(STRIP / cs));
  for (let r0 = 0; r0 < rs; r0 += per) {
    const h = Math.min(per, rs - r0);
    const panel = makeRandom(p, PANEL_SLOT, r0, h);
    // Eight columns at a time: each panel row is read a cache line at a time (2.3x faster than
    // one column at a time, measured).
    let c = 0;
    for (; c + 7 < cs; c += 8) {
      const d = c * rs + r0;
      for (let r = 0; r < h; r++) {
        const i = r * cs + c;
        const o = d + r;
        out[o] = panel[i]!; out[o + rs] = panel[i + 1]!; out[o + 2 * rs] = panel[i + 2]!; out[o + 3 * rs] = panel[i + 3]!;
        out[o + 4 * rs] = panel[i + 4]!; out[o + 5 * rs] = panel[i + 5]!; out[o + 6 * rs] = panel[i + 6]!; out[o + 7 * rs] = panel[i + 7]!;
      }
    }
    for (; c < cs; c++) {
      const d = c * rs + r0;
      for (let r = 0; r < h; r++) out[d + r] = panel[r * cs + c]!;
    }
  }
  return out;
}

function isProducer(l: TypedArray | RandomProducer): l is RandomProducer {
  return Array.isArray(l);
}

export const remakeKernels = defineOps(import.meta.url, { 'array.reduce.chunkOf': chunkOf });
