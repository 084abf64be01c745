/**
 * Tree reductions (Dask's `reduction`): every block becomes a partial with the reduced axes kept
 * as length 1; groups of up to `splitEvery` neighbouring partials along the reduced axes are
 * combined level by level; a last task per output block finishes. Mean, var and std share the
 * same moment partials ([count, mean, M2], combined with Chan's update), so `compute(x.mean(),
 * x.std())` reads each block once.
 */
import { messages, OptionError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { blockKey } from '../graph/keys.ts';
import { tokenize } from '../graph/tokenize.ts';
import { ref, task, type Arg, type GraphNode, type Key } from '../graph/types.ts';
import { blockIndices, offsets, type Chunks } from './chunks.ts';
import { ShoalArray } from './core.ts';
import { assertKnown } from './slicing.ts';
import { floatOf, isFloat, type DType } from './dtype.ts';
import { reduceKernels, type FinishKind, type ReduceKind } from './kernels/reduce.ts';
import { remakeKernels } from './kernels/remake.ts';

void reduceKernels;
void remakeKernels;

/** Options of reductions. */
export interface ReduceOptions {
  /** Axis or axes to reduce (negative counts from the end); default all. */
  axis?: number | readonly number[];
  /** Keep reduced axes as length 1. */
  keepdims?: boolean;
  /** How many partials one combine task merges: a number, or per axis `{ 0: 4, 1: 2 }` (default 16). */
  splitEvery?: number | Record<number, number>;
  /** Result dtype. */
  dtype?: import('./dtype.ts').DType;
}
const REDUCE_KEYS = optionKeys<ReduceOptions>({ axis: true, keepdims: true, splitEvery: true, dtype: true });

/** Options of var/std (and the nan forms): ReduceOptions plus the degrees of freedom removed. */
export interface MomentsOptions extends ReduceOptions {
  /** Subtracted from the count in the divisor (default 0, NumPy's). */
  ddof?: number;
}
const MOMENTS_KEYS = optionKeys<MomentsOptions>({ axis: true, keepdims: true, splitEvery: true, dtype: true, ddof: true });

/** Options of argmin/argmax: one axis (or none: the flat index). */
export interface ArgReduceOptions {
  axis?: number;
  keepdims?: boolean;
  splitEvery?: ReduceOptions['splitEvery'];
}
const ARG_REDUCE_KEYS = optionKeys<ArgReduceOptions>({ axis: true, keepdims: true, splitEvery: true });

export const DEFAULT_SPLIT_EVERY = 16;

/** Normalise `axis` into sorted distinct axes in range; errors name the op and the shape. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined | null, ndim: number): number[] {
  if (axis === undefined || axis === null) return [...Array(ndim).keys()];
  const list = typeof axis === 'number' ? [axis] : axis;
  const out: number[] = [];
  for (const a of list) {
    if (!Number.isInteger(a) || a < -ndim || a >= ndim) throw new OptionError(messages.arrayBadAxis(op, a, ndim));
    const n = a < 0 ? a + ndim : a;
    if (out.includes(n)) throw new OptionError(messages.arrayRepeatedAxis(op, a));
    out.push(n);
  }
  return out.sort((p, q) => p - q);
}

function splitOf(split: ReduceOptions['splitEvery'], axes: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  if (split === undefined || typeof split === 'number') {
    const s = split ?? DEFAULT_SPLIT_EVERY;
    if (!Number.isInteger(s) || s < 2) throw new OptionError(messages.badOption('splitEvery', split, 'must be a whole number >= 2'));
    // Like Dask: a total fan-in of `s` shared among the reduced axes.
    const per = Math.max(2, Math.floor(s ** (1 / Math.max(1, axes.length))));
    for (const a of axes) out[a] = per;
  } else {
    for (const a of axes) {
      const v = split[a] ?? 2;
      if (!Number.isInteger(v) || v < 1) throw new OptionError(messages.badOption(`splitEvery[${a}]`, v, 'must be a whole number >= 1'));
      out[a] = Math.max(2, v);
    }
  }
  return out;
}

interface Plan {
  kind: ReduceKind;
  finish: FinishKind;
  dtype: DType;
  ddof?: number;
  /** For arg-reductions: the single reduced axis, or -1 for all. */
  argAxis?: number;
}

/** Build the tree reduction of `x` over `axes`. */
function treeReduce(op: string, x: ShoalArray, axes: number[], opts: ReduceOptions, plan: Plan): ShoalArray {
  const nd = x.ndim;
  const keepdims = opts.keepdims ?? false;
  const split = splitOf(opts.splitEvery, axes);
  const isRed = (d: number) => axes.includes(d);
  const mask = x.chunks.map((_, d) => isRed(d));
  const outChunksKeep: number[][] = x.chunks.map((c, d) => (isRed(d) ? [1] : c.slice()));
  const outChunks: Chunks = keepdims ? outChunksKeep : outChunksKeep.filter((_, d) => !isRed(d));
  // Partials are shared between reductions that need the same ones (mean/var/std).
  const pname = `${plan.kind}-partial-${tokenize(x.name, axes, plan.argAxis ?? null, split)}`;
  const name = `${op}-${tokenize(pname, plan.finish, plan.dtype, plan.ddof ?? 0, keepdims)}`;
  const produce = x.layer.produce;
  const tasks = () => {
    const nodes: GraphNode[] = [];
    const offs = x.chunks.map(offsets);
    const full = x.shape;
    let grid = x.numblocks;
    let keyOf = (idx: number[]): Key => blockKey(`${pname}-0`, idx);
    for (const idx of blockIndices(grid)) {
      const shape = idx.map((b, d) => x.chunks[d]![b]!);
      const start = idx.map((b, d) => offs[d]![b]!);
      // A block that is cheap to remake (random values, an elementwise expression) is made in
      // this task's scratch memory instead of being stored and read.
      nodes.push(
        produce
          ? task(keyOf(idx), { kind: 'op', name: 'array.reduce.chunkOf' }, [plan.kind, produce(idx) as Arg, shape, mask, plan.argAxis ?? -1, start, full])
          : task(keyOf(idx), { kind: 'op', name: 'array.reduce.chunk' }, [plan.kind, ref(x.blockKey(idx)), shape, mask, plan.argAxis ?? -1, start, full]),
      );
    }
    // Combine levels until each reduced axis has at most `split` partials left.
    for (let level = 1; grid.some((n, d) => isRed(d) && n > split[d]!); level++) {
      const next = grid.map((n, d) => (isRed(d) ? Math.ceil(n / split[d]!) : n));
      const prevKey = keyOf;
      const lname = `${pname}-${level}`;
      for (const idx of blockIndices(next)) {
        const ranges = idx.map((b, d) => (isRed(d) ? [b * split[d]!, Math.min(grid[d]!, (b + 1) * split[d]!)] : [b, b + 1]));
        const parts = blockIndices(ranges.map(([lo, hi]) => hi! - lo!)).map((o) => ref(prevKey(o.map((v, d) => v + ranges[d]![0]!))));
        nodes.push(task(blockKey(lname, idx), { kind: 'op', name: 'array.reduce.combine' }, [plan.kind, ...parts]));
      }
      grid = next;
      keyOf = (idx) => blockKey(lname, idx);
    }
    const outGrid = grid.map((n, d) => (isRed(d) ? 1 : n));
    for (const idx of blockIndices(outGrid)) {
      const parts = blockIndices(grid.map((n, d) => (isRed(d) ? n : 1))).map((o) => ref(keyOf(o.map((v, d) => (isRed(d) ? v : idx[d]!)))));
      const outIdx = keepdims ? idx : idx.filter((_, d) => !isRed(d));
      nodes.push(task(blockKey(name, outIdx), { kind: 'op', name: 'array.reduce.finish' }, [plan.kind, plan.finish, plan.dtype, plan.ddof ?? 0, ...parts]));
    }
    void nd;
    return nodes;
  };
  return new ShoalArray(name, outChunks, plan.dtype, { deps: produce ? (x.layer.produceDeps ?? x.layer.deps) : [x], tasks });
}

/** Dtype of sum/prod: float64 for integers (NumPy's int64 accumulator, exact to 2^53). */
function sumType(d: DType): DType {
  return isFloat(d) ? d : 'float64';
}

function check(op: string, x: ShoalArray, axes: number[], needsValues: boolean): void {
  if (needsValues && axes.some((a) => x.shape[a] === 0)) throw new OptionError(messages.arrayEmptyReduction(op, x.shape));
}

/** Reductions by name; each returns the reduced Array. */
export function fold(op: 'sum' | 'prod' | 'min' | 'max' | 'any' | 'all' | 'nansum' | 'nanprod' | 'nanmin' | 'nanmax', x: ShoalArray, opts: ReduceOptions = {}): ShoalArray {
  checkOptions(`Array.${op}`, opts, REDUCE_KEYS);
  const axes = normalizeAxes(op, opts.axis, x.ndim);
  check(op, x, axes, op === 'min' || op === 'max');
  const dtype =
    opts.dtype ?? (op === 'any' || op === 'all' ? 'uint8' : op === 'sum' || op === 'prod' || op === 'nansum' || op === 'nanprod' ? sumType(x.dtype) : x.dtype);
  return treeReduce(op, x, axes, opts, { kind: op, finish: 'value', dtype });
}

/** mean / var / std (and their NaN-skipping forms) from shared moment partials. */
export function moments(op: 'mean' | 'var' | 'std' | 'nanmean' | 'nanvar' | 'nanstd', x: ShoalArray, opts: MomentsOptions = {}): ShoalArray {
  checkOptions(`Array.${op}`, opts, op.endsWith('mean') ? REDUCE_KEYS : MOMENTS_KEYS);
  const axes = normalizeAxes(op, opts.axis, x.ndim);
  const ddof = opts.ddof ?? 0;
  if (!Number.isInteger(ddof) || ddof < 0) throw new OptionError(messages.badOption(`${op} ddof`, ddof, 'must be a whole number >= 0'));
  const nan = op.startsWith('nan');
  const what = (nan ? op.slice(3) : op) as 'mean' | 'var' | 'std';
  const dtype = opts.dtype ?? floatOf(x.dtype === 'float32' ? 'float32' : 'float64');
  return treeReduce(op, x, axes, opts, { kind: nan ? 'nanmoments' : 'moments', finish: what, dtype, ddof: what === 'mean' ? 0 : ddof });
}

/** argmin / argmax over one axis or all (flat index). */
export function argReduce(op: 'argmin' | 'argmax', x: ShoalArray, opts: ArgReduceOptions = {}): ShoalArray {
  checkOptions(`Array.${op}`, opts, ARG_REDUCE_KEYS);
  assertKnown(op, x);
  if (opts.axis !== undefined && typeof opts.axis !== 'number') throw new OptionError(messages.badOption(`${op} axis`, opts.axis, 'must be one axis number (or omitted for all axes)'));
  const axes = normalizeAxes(op, opts.axis, x.ndim);
  check(op, x, axes, true);
  const argAxis = opts.axis === undefined ? -1 : axes[0]!;
  const dtype: DType = x.size < 2 ** 31 ? 'int32' : 'float64';
  return treeReduce(op, x, axes, opts, { kind: op, finish: 'index', dtype, argAxis });
}

export { ShoalArray };
