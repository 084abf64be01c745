/**
 * NumPy-style indexing: per axis an integer (the axis is dropped), a `start:stop:step` slice
 * (negative steps included), a list of integers (any order, repeats allowed), or everything. For
 * slices each output block is cut from one input block, so the output's blocks follow the input's
 * (blocks that select nothing are dropped), as in Dask; a list is cut into blocks no longer than
 * the axis' blocks, each gathered from runs of the input blocks.
 */
import { messages, OptionError } from '../errors.ts';
import { tokenize } from '../graph/tokenize.ts';
import { alias, ref, task } from '../graph/types.ts';
import { blockKey } from '../graph/keys.ts';
import { blockwiseArray } from './blocks.ts';
import { blockAt, blockIndices, offsets } from './chunks.ts';
import { compute, type Collection } from '../base.ts';
import { ShoalArray } from './core.ts';

/**
 * One axis of an index: an integer, a slice (`{ start, stop, step }` or `'1:10:2'`), a list of
 * integers, or all (`null`).
 */
export type AxisIndex = number | null | string | readonly number[] | { start?: number | null; stop?: number | null; step?: number | null };

interface Sel {
  /** Integer index: the axis is dropped. */
  drop: boolean;
  start: number;
  step: number;
  count: number;
  /** A list of positions (instead of start/step/count). */
  list?: number[];
}

/** A run along one axis: [input block, start in it, step, count, start in the output block]. */
type Run = [number, number, number, number, number];

/** Python's `slice.indices(len)`. */
export function sliceIndices(start: number | null | undefined, stop: number | null | undefined, step: number | null | undefined, len: number): { start: number; step: number; count: number } {
  const st = step ?? 1;
  if (!Number.isInteger(st) || st === 0) throw new Error(`slice step must be a non-zero whole number, got ${step}`);
  const norm = (v: number, lo: number, hi: number) => {
    const w = v < 0 ? v + len : v;
    return Math.min(Math.max(w, lo), hi);
  };
  let a: number;
  let b: number;
  if (st > 0) {
    a = start == null ? 0 : norm(start, 0, len);
    b = stop == null ? len : norm(stop, 0, len);
  } else {
    a = start == null ? len - 1 : norm(start, -1, len - 1);
    b = stop == null ? -1 : norm(stop, -1, len - 1);
  }
  const count = Math.max(0, Math.ceil((b - a) / st));
  return { start: a, step: st, count };
}

function parseAxis(op: string, ix: AxisIndex, axis: number, len: number, shape: readonly number[]): Sel {
  if (ix === null || ix === undefined) return { drop: false, start: 0, step: 1, count: len };
  if (typeof ix === 'number') {
    if (!Number.isInteger(ix) || ix < -len || ix >= len) throw new OptionError(messages.arrayIndex(op, `index ${ix} is out of range for axis ${axis} of length ${len}`, shape));
    return { drop: true, start: ix < 0 ? ix + len : ix, step: 1, count: 1 };
  }
  if (Array.isArray(ix)) {
    const list = (ix as readonly number[]).map((v) => {
      if (!Number.isInteger(v) || v < -len || v >= len) throw new OptionError(messages.arrayIndex(op, `index ${v} in the list for axis ${axis} is out of range for length ${len}`, shape));
      return v < 0 ? v + len : v;
    });
    return { drop: false, start: 0, step: 1, count: list.length, list };
  }
  let parts: (number | null | undefined)[];
  if (typeof ix === 'string') {
    const m = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/.exec(ix);
    if (!m) throw new OptionError(messages.arrayIndex(op, `axis ${axis}: ${JSON.stringify(ix)} is not a slice like '1:10:2', '::-1' or ':'`, shape));
    parts = [m[1], m[2], m[3]].map((v) => (v === undefined ? null : Number(v)));
  } else if (typeof ix === 'object') {
    const o = ix as { start?: number | null; stop?: number | null; step?: number | null };
    parts = [o.start, o.stop, o.step];
  }
  else throw new OptionError(messages.arrayIndex(op, `axis ${axis}: ${JSON.stringify(ix)} is not an index`, shape));
  for (const p of parts)
    if (p != null && !Number.isInteger(p)) throw new OptionError(messages.arrayIndex(op, `axis ${axis}: slice bounds must be whole numbers, got ${JSON.stringify(ix)}`, shape));
  if (parts[2] === 0) throw new OptionError(messages.arrayIndex(op, `axis ${axis}: slice step must not be 0`, shape));
  return { drop: false, ...sliceIndices(parts[0], parts[1], parts[2], len) };
}

/** Along one axis: the runs of each output block, in order. */
function axisRuns(chunks: readonly number[], sel: Sel): Run[][] {
  if (!sel.list) return axisPieces(chunks, sel).map(([b, start, step, count]) => [[b, start, step, count, 0]]);
  const offs = offsets(chunks);
  const size = Math.max(1, ...chunks);
  const out: Run[][] = [];
  for (let lo = 0; lo < sel.list.length; lo += size) {
    const runs: Run[] = [];
    const part = sel.list.slice(lo, lo + size);
    part.forEach((g, k) => {
      const b = blockAt(offs, g);
      const local = g - offs[b]!;
      const prev = runs[runs.length - 1];
      // Extend the last run when this position continues it with the same step.
      if (prev && prev[0] === b && (prev[3] === 1 || local === prev[1] + prev[2] * prev[3])) {
        if (prev[3] === 1) prev[2] = local - prev[1];
        prev[3]++;
      } else runs.push([b, local, 1, 1, k]);
    });
    out.push(runs);
  }
  return out;
}

/** Along one axis: the pieces [input block, start in it, step, count] of each output block, in order. */
function axisPieces(chunks: readonly number[], sel: Sel): [number, number, number, number][] {
  const offs = offsets(chunks);
  const out: [number, number, number, number][] = [];
  if (sel.count === 0) return out;
  const last = sel.start + (sel.count - 1) * sel.step;
  const order = sel.step > 0 ? [...chunks.keys()] : [...chunks.keys()].reverse();
  for (const b of order) {
    const lo = offs[b]!;
    const hi = offs[b + 1]!;
    // First selected position inside [lo, hi), walking in the step's direction.
    let first: number;
    if (sel.step > 0) {
      if (hi <= sel.start || lo > last) continue;
      first = sel.start + Math.max(0, Math.ceil((lo - sel.start) / sel.step)) * sel.step;
      if (first >= hi) continue;
      const cnt = Math.min(Math.floor((Math.min(hi - 1, last) - first) / sel.step) + 1, sel.count);
      out.push([b, first - lo, sel.step, cnt]);
    } else {
      if (lo > sel.start || hi - 1 < last) continue;
      first = sel.start + Math.max(0, Math.ceil((sel.start - (hi - 1)) / -sel.step)) * sel.step;
      if (first < lo) continue;
      const cnt = Math.floor((first - Math.max(lo, last)) / -sel.step) + 1;
      out.push([b, first - lo, sel.step, cnt]);
    }
  }
  return out;
}

/**
 * `x[index...]` with NumPy's basic indexing plus integer lists. Missing trailing axes select
 * everything. Lists on several axes select their outer product (orthogonal indexing; NumPy would
 * pair them up, Dask refuses).
 * @example
 * x.slice(0);                // first row (axis dropped)
 * x.slice('1:', '::-1');     // rows from 1, columns reversed
 * x.slice(null, { start: -3 });
 * x.slice([4, 0, 0]);         // rows 4, 0 and 0 again
 */
export function slice(x: ShoalArray, index: readonly (AxisIndex | ShoalArray)[]): ShoalArray {
  const op = 'slice';
  if (index.length === 1 && index[0] instanceof ShoalArray) return booleanMask(x, index[0]);
  if (index.some((i) => i instanceof ShoalArray)) throw new OptionError(messages.arrayIndex(op, 'a boolean mask must be the only index (with the same shape as the array)', x.shape));
  assertKnown(op, x);
  if (index.length > x.ndim) throw new OptionError(messages.arrayIndex(op, `${index.length} indices given for ${x.ndim} axes`, x.shape));
  const shape = x.shape;
  const sels = shape.map((len, d) => parseAxis(op, (index[d] as AxisIndex | undefined) ?? null, d, len, shape));
  if (sels.every((s, d) => !s.drop && !s.list && s.step === 1 && s.start === 0 && s.count === shape[d])) return x;
  const runs = sels.map((s, d) => axisRuns(x.chunks[d]!, s));
  const fullChunks = runs.map((r) => (r.length ? r.map((q) => q.reduce((a, p) => a + p[3], 0)) : [0]));
  const chunks = fullChunks.filter((_, d) => !sels[d]!.drop);
  const name = `getitem-${tokenize(x.name, sels)}`;
  // Blocks along an axis that selects nothing: one empty run reading block 0.
  const pick = (d: number, b: number): Run[] => runs[d]![b] ?? [[0, 0, 1, 0, 0]];
  return blockwiseArray(name, chunks, x.dtype, [x], 'array.assemble', (info) => {
    let k = 0;
    const full = sels.map((s) => (s.drop ? 0 : info.index[k++]!));
    const lists = full.map((b, d) => pick(d, b));
    const region = full.map((b, d) => fullChunks[d]![b] ?? 0);
    const parts = blockIndices(lists.map((l) => l.length)).map((combo) => {
      const ps = combo.map((c, d) => lists[d]![c]!);
      const inIdx = ps.map((p) => p[0]);
      return [ref(x.blockKey(inIdx)), inIdx.map((b, d) => x.chunks[d]![b]!), ps.map((p) => p[1]), ps.map((p) => p[2]), ps.map((p) => p[4]), ps.map((p) => p[3])];
    });
    return [x.dtype, region, parts];
  });
}

/** Refuse an operation that needs block lengths on an array whose lengths are unknown. */
export function assertKnown(op: string, ...xs: ShoalArray[]): void {
  for (const x of xs) if (x.hasUnknownChunks) throw new OptionError(messages.arrayUnknownChunks(op));
}

/**
 * `x[mask]`: the values where `mask` (same shape) is non-zero, as a 1-D array in C order. Its
 * block lengths are unknown until computed (NaN in `chunks`, as in Dask).
 * @example x.slice(x.gt(0))   // the positive values
 */
export function booleanMask(x: ShoalArray, mask: ShoalArray): ShoalArray {
  assertKnown('boolean mask', x, mask);
  if (mask.ndim !== x.ndim || mask.shape.some((d, i) => d !== x.shape[i]))
    throw new OptionError(messages.arrayIndex('boolean mask', `the mask's shape [${mask.shape.join(', ')}] must equal the array's`, x.shape));
  // Blocks must be runs of the flat C order: only the first axis may be cut.
  const rows = [x.chunks[0]!.slice(), ...x.shape.slice(1).map(() => -1)];
  const xr = x.ndim > 1 ? x.rechunk(rows) : x;
  const mr = unifyMask(xr, mask);
  const name = `getitem-mask-${tokenize(xr.name, mr.name)}`;
  const chunks = [xr.chunks[0]!.map(() => NaN)];
  return blockwiseArray(name, chunks, x.dtype, [xr, mr], 'array.compress', (b) => {
    const idx = [b.index[0]!, ...xr.shape.slice(1).map(() => 0)];
    return [ref(xr.blockKey(idx)), ref(mr.blockKey(idx))];
  });
}

function unifyMask(x: ShoalArray, mask: ShoalArray): ShoalArray {
  return mask.rechunk(x.chunks.map((c) => c.slice()));
}

/** The array with its unknown block lengths computed (see `computeChunkSizes`). */
export async function knownChunks(x: ShoalArray, opts: import('../base.ts').ComputeOptions): Promise<ShoalArray> {
  const name = `chunk-sizes-${x.name}`;
  const lengths = new ShoalArray(`${name}-len`, x.chunks.map((c) => c.map(() => 1)), 'float64', {
    deps: [x],
    tasks: () => x.__keys__().map((k, i) => task(`${name}-len[${i}]`, { kind: 'op', name: 'array.length' }, [ref(k)])),
  });
  const graph = lengths.__graph__();
  const keys = lengths.__keys__();
  const probe: Collection<number[]> = {
    __scheduler__: x.__scheduler__,
    __graph__: () => graph,
    __keys__: () => keys,
    __postcompute__: (v) => v as number[],
    __postpersist__: () => probe,
  };
  const [lens] = await compute(probe, opts);
  return new ShoalArray(x.name, [lens], x.dtype, x.layer);
}

/** Block `index` of `x` as an Array (an alias of that block). */
export function blockOf(x: ShoalArray, index: readonly number[]): ShoalArray {
  assertKnown('block', x);
  const nb = x.numblocks;
  if (index.length !== nb.length || index.some((b, d) => !Number.isInteger(b) || b < -nb[d]! || b >= nb[d]!))
    throw new OptionError(messages.arrayIndex('block', `block index [${index.join(', ')}] is outside the grid of ${nb.join(' x ')} blocks`, x.shape));
  const idx = index.map((b, d) => (b < 0 ? b + nb[d]! : b));
  const chunks = idx.map((b, d) => [x.chunks[d]![b]!]);
  const name = `blocks-${tokenize(x.name, idx)}`;
  return new ShoalArray(name, chunks, x.dtype, { deps: [x], tasks: () => [alias(blockKey(name, idx.map(() => 0)), x.blockKey(idx))] });
}
