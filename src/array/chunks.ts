/**
 * Chunk specs, Dask style. The normal form is a tuple of tuples: for each axis, the lengths of the
 * blocks along it (`[[3, 3, 1], [4]]` for a 7x4 array cut into 3-row blocks). Users may write a
 * number (the same block length on every axis), one entry per axis (a number, `-1` or `null` for
 * the whole axis, `'auto'`, or an explicit list of lengths), or `'auto'` for everything.
 */
import { messages, OptionError } from '../errors.ts';
import { itemsize, type DType } from './dtype.ts';

/** Normalised chunks: per axis, the block lengths along it. */
export type Chunks = readonly (readonly number[])[];

/** What users may pass as `chunks`. */
export type ChunksSpec = number | 'auto' | readonly (number | 'auto' | null | readonly number[])[];

/** Target bytes per chunk for `'auto'` (Dask's `array.chunk-size` default). */
export const AUTO_CHUNK_BYTES = 128 * 2 ** 20;

/** Blocks of length `size` covering `dim` (the last one shorter): `blocks(7, 3)` → `[3, 3, 1]`. */
function blocks(dim: number, size: number): number[] {
  if (dim === 0) return [0];
  const out: number[] = [];
  for (let s = 0; s < dim; s += size) out.push(Math.min(size, dim - s));
  return out;
}

/** Check a shape: whole numbers >= 0. */
export function checkShape(shape: unknown, op: string): number[] {
  const arr = typeof shape === 'number' ? [shape] : shape;
  if (!Array.isArray(arr) || !arr.every((d) => Number.isInteger(d) && d >= 0))
    throw new OptionError(messages.arrayBadShape(op, shape));
  return arr.slice();
}

/**
 * Normalise a chunk spec for `shape` into the tuple-of-tuples form, with errors naming the value.
 * @example
 * normalizeChunks(3, [7, 4]);            // [[3, 3, 1], [3, 1]]
 * normalizeChunks([-1, [1, 3]], [7, 4]); // [[7], [1, 3]]
 * normalizeChunks('auto', [1e9], 'float64'); // [[16777216, ...]]  (~128 MiB blocks)
 */
export function normalizeChunks(spec: ChunksSpec | undefined, shape: readonly number[], dtype: DType = 'float64', op = 'chunks'): number[][] {
  const nd = shape.length;
  if (spec === undefined) spec = 'auto';
  let perAxis: (number | 'auto' | null | readonly number[])[];
  if (typeof spec === 'number' || spec === 'auto') perAxis = new Array(nd).fill(spec);
  else if (Array.isArray(spec)) {
    if (spec.length !== nd) throw new OptionError(messages.arrayChunksRank(op, spec, shape));
    perAxis = spec.slice();
  } else throw new OptionError(messages.arrayBadChunks(op, spec, shape, 'use a number, -1, \'auto\', or one entry per axis'));
  const out: (number[] | undefined)[] = new Array(nd);
  const autoAxes: number[] = [];
  for (let i = 0; i < nd; i++) {
    const c = perAxis[i];
    const dim = shape[i]!;
    if (c === 'auto') autoAxes.push(i);
    else if (c === null || c === undefined || c === -1) out[i] = dim === 0 ? [0] : [dim];
    else if (typeof c === 'number') {
      if (!Number.isInteger(c) || c <= 0) throw new OptionError(messages.arrayBadChunks(op, spec, shape, `axis ${i}: block length ${c} must be a whole number > 0, or -1 for the whole axis`));
      out[i] = blocks(dim, c);
    } else if (Array.isArray(c)) {
      if (!c.every((n) => Number.isInteger(n) && n >= 0)) throw new OptionError(messages.arrayBadChunks(op, spec, shape, `axis ${i}: block lengths must be whole numbers >= 0`));
      const sum = c.reduce((a, b) => a + b, 0);
      if (sum !== dim) throw new OptionError(messages.arrayBadChunks(op, spec, shape, `axis ${i}: block lengths add up to ${sum}, but the axis has length ${dim}`));
      out[i] = c.length === 0 ? [0] : c.slice();
    } else throw new OptionError(messages.arrayBadChunks(op, spec, shape, `axis ${i}: ${JSON.stringify(c)} is not a chunk length`));
  }
  if (autoAxes.length) autoChunks(shape, out, autoAxes, itemsize(dtype));
  return out as number[][];
}

/**
 * Fill the `'auto'` axes so a block holds about AUTO_CHUNK_BYTES, as square as the shape allows:
 * axes that fit whole are taken whole and the budget is shared among the others.
 */
function autoChunks(shape: readonly number[], out: (number[] | undefined)[], autoAxes: number[], bytes: number): void {
  let budget = AUTO_CHUNK_BYTES / bytes;
  for (let i = 0; i < out.length; i++) if (out[i]) budget /= Math.max(1, ...out[i]!);
  let left = autoAxes.slice();
  for (;;) {
    const side = Math.max(1, Math.floor(budget ** (1 / left.length)));
    const whole = left.filter((a) => shape[a]! <= side);
    if (whole.length === 0) {
      for (const a of left) out[a] = blocks(shape[a]!, side);
      return;
    }
    for (const a of whole) {
      out[a] = blocks(shape[a]!, Math.max(1, shape[a]!));
      budget /= Math.max(1, shape[a]!);
    }
    left = left.filter((a) => !whole.includes(a));
    if (left.length === 0) return;
  }
}

/** Start offset of each block along an axis: `offsets([3, 3, 1])` → `[0, 3, 6, 7]`. */
export function offsets(lengths: readonly number[]): number[] {
  const out = [0];
  for (const n of lengths) out.push(out[out.length - 1]! + n);
  return out;
}

/** Number of blocks along each axis. */
export function numblocksOf(chunks: Chunks): number[] {
  return chunks.map((c) => c.length);
}

/** Every block index of a grid, in C order (last axis fastest). */
export function blockIndices(numblocks: readonly number[]): number[][] {
  const total = numblocks.reduce((a, b) => a * b, 1);
  const out: number[][] = [];
  const idx = new Array<number>(numblocks.length).fill(0);
  for (let n = 0; n < total; n++) {
    out.push(idx.slice());
    for (let d = numblocks.length - 1; d >= 0; d--) {
      if (++idx[d]! < numblocks[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The shape of block `index`. */
export function blockShape(chunks: Chunks, index: readonly number[]): number[] {
  return index.map((b, d) => chunks[d]![b]!);
}

/** Largest block length per axis (Dask's `chunksize`). */
export function chunksize(chunks: Chunks): number[] {
  return chunks.map((c) => (c.some(Number.isNaN) ? NaN : Math.max(0, ...c)));
}

/** The block holding position `g` of an axis whose block starts are `offs` (`offsets(lengths)`); empty blocks are passed over. */
export function blockAt(offs: readonly number[], g: number): number {
  let lo = 0;
  let hi = offs.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offs[mid]! <= g) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Product of a list of numbers. */
export function prod(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** C-order strides (in elements) of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/** Equal chunk structures. */
export function sameChunks(a: Chunks, b: Chunks): boolean {
  return a.length === b.length && a.every((c, i) => c.length === b[i]!.length && c.every((n, j) => n === b[i]![j]));
}
