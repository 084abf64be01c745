/**
 * The Array collection: a lazy grid of blocks. Each block's value is a flat, C-ordered typed
 * array in shared memory; its shape is known from `chunks`, so kernels get raw typed arrays and
 * shapes as plain numbers. An Array holds only its own layer of tasks (one per block) and links to
 * the Arrays it reads; the full graph is assembled when a compute asks for it.
 */
import { checkComputeOptions, compute, persist, visualize, type Collection, type ComputeOptions, type VisualizeOptions } from '../base.ts';
import type { SchedulerName } from '../config.ts';
import { blockKey } from '../graph/keys.ts';
import { registerTokenizer } from '../graph/tokenize.ts';
import type { Graph, GraphNode, Key } from '../graph/types.ts';
import { blockIndices, chunksize, numblocksOf, prod, stridesOf, offsets, type Chunks } from './chunks.ts';
import { allocPlain, itemsize, type DType, type TypedArray } from './dtype.ts';
import type { Expr } from './expr.ts';
import { elemwise, astype as astypeOf, type Operand } from './elemwise.ts';
import { argReduce, fold, moments, type ArgReduceOptions, type MomentsOptions, type ReduceOptions } from './reductions.ts';
import { cumulative, type CumulativeOptions } from './cumulative.ts';
import { rechunk as rechunkOf } from './rechunk.ts';
import type { ChunksSpec } from './chunks.ts';
import { expandDims, squeeze, transpose } from './shape.ts';
import { blockOf, knownChunks, slice as sliceOf, type AxisIndex } from './slicing.ts';
import { reshape as reshapeOf } from './reshape.ts';
import { vindex as vindexOf } from './vindex.ts';
import { dot as dotOf, type DotOptions } from './linalg.ts';
import { mapBlocks as mapBlocksOf, mapOverlap as mapOverlapOf, type MapBlocksAxisOptions, type MapOverlapOptions } from './blockwise.ts';
import type { AnyFn } from '../schedulers/registry.ts';
import { reprHtml } from './display.ts';
import { ndarray } from './kernels/user.ts';

/** Node's `util.inspect.custom`, by its registered name. */
const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/**
 * The result of computing an Array: a scijs `ndarray` over a typed array (declared here with the
 * members shoal relies on, so the published types need no `ndarray` typings).
 */
export interface NdArray {
  data: TypedArray;
  shape: number[];
  stride: number[];
  offset: number;
  size: number;
  dimension: number;
  get(...index: number[]): number;
  set(...indexThenValue: number[]): number;
  index(...index: number[]): number;
  transpose(...axes: number[]): NdArray;
  pick(...index: (number | null)[]): NdArray;
}

/**
 * How an Array's own blocks are made: `tasks()` builds its layer (one node per block) on demand;
 * `deps` are the Arrays whose blocks those tasks read. An elementwise Array also keeps its
 * expression, so a further elementwise op can fuse with it instead of reading its blocks.
 */
export interface Layer {
  deps: readonly ShoalArray[];
  tasks(): Iterable<GraphNode>;
  ew?: { expr: Expr; leaves: readonly Leaf[] };
  /**
   * How to make block `index` inside a consumer's task (a Producer of kernels/remake.ts), for
   * blocks cheap to remake and costly to store: reductions then never materialize them.
   */
  produce?: (index: number[]) => unknown[];
  /** The Arrays whose blocks `produce`'s arguments read, when not all of `deps` (remade leaves are not read). */
  produceDeps?: readonly ShoalArray[];
  /**
   * Blocks so cheap to make (random values: a few ns per element) that an elementwise expression
   * inside a reduction remakes them, even twice (`x.add(x.T)`), rather than storing them.
   */
  remake?: boolean;
  /** A transpose keeps what it permutes, so elementwise ops can read the source blocks in place. */
  transposeOf?: { x: ShoalArray; perm: readonly number[] };
}

/** A leaf of an elementwise expression: an Array, read through an axis permutation or not. */
export interface Leaf {
  array: ShoalArray;
  perm: readonly number[] | null;
}

/**
 * A chunked n-dimensional array (Dask's `dask.array.Array`). Lazy: methods build new Arrays;
 * `compute()` runs the graph (by default on worker threads) and returns an `ndarray`.
 * @example
 * const x = array.arange(0, 10, 1, { chunks: 4 });
 * x.chunks;                    // [[4, 4, 2]]
 * await x.mul(2).sum().compute();   // 90
 */
export class ShoalArray implements Collection<NdArray | number> {
  readonly __scheduler__: SchedulerName = 'threads';
  /** The key prefix of this array's blocks (`name[i,j]`). */
  readonly name: string;
  /** Block lengths along each axis (Dask's tuple-of-tuples). */
  readonly chunks: Chunks;
  /** Element type. */
  readonly dtype: DType;
  /** @internal */ readonly layer: Layer;
  private cachedGraph: Graph | undefined;

  /** @internal Arrays are made by `array.*` functions and methods. */
  constructor(name: string, chunks: Chunks, dtype: DType, layer: Layer) {
    this.name = name;
    this.chunks = chunks;
    this.dtype = dtype;
    this.layer = layer;
  }

  /** Length along each axis. */
  get shape(): number[] {
    return this.chunks.map((c) => c.reduce((a, b) => a + b, 0));
  }
  /** Number of axes. */
  get ndim(): number {
    return this.chunks.length;
  }
  /** Number of elements. */
  get size(): number {
    return prod(this.shape);
  }
  /** Bytes of the whole array. */
  get nbytes(): number {
    return this.size * itemsize(this.dtype);
  }
  /** Bytes per element. */
  get itemsize(): number {
    return itemsize(this.dtype);
  }
  /** Number of blocks along each axis. */
  get numblocks(): number[] {
    return numblocksOf(this.chunks);
  }
  /** Total number of blocks (Dask's `npartitions`). */
  get npartitions(): number {
    return prod(this.numblocks);
  }
  /** The largest block length along each axis (Dask's `chunksize`). */
  get chunksize(): number[] {
    return chunksize(this.chunks);
  }

  /** True after a boolean mask: block lengths are known only once computed (Dask's NaN chunks). */
  get hasUnknownChunks(): boolean {
    return this.chunks.some((c) => c.some(Number.isNaN));
  }

  /**
   * Compute the lengths of blocks of unknown length (after a boolean mask) and return the same
   * array with known chunks (Dask's `compute_chunk_sizes`).
   * @example const y = await x.slice(x.gt(0)).computeChunkSizes();  y.shape  // [n]
   */
  async computeChunkSizes(opts: ComputeOptions = {}): Promise<ShoalArray> {
    checkComputeOptions('Array.computeChunkSizes', opts);
    if (!this.hasUnknownChunks) return this;
    return knownChunks(this, opts);
  }

  /** The key of block `index` (one number per axis). @example x.blockKey([0, 1])  // 'ones-…[0,1]' */
  blockKey(index: readonly number[]): Key {
    return blockKey(this.name, index);
  }

  __graph__(): Graph {
    if (this.cachedGraph) return this.cachedGraph;
    const g = new Map<Key, GraphNode>();
    const seen = new Set<string>();
    const stack: ShoalArray[] = [this];
    while (stack.length) {
      const a = stack.pop()!;
      if (seen.has(a.name)) continue;
      seen.add(a.name);
      if (a.cachedGraph && a !== this) {
        for (const [k, v] of a.cachedGraph) if (!g.has(k)) g.set(k, v);
        continue;
      }
      for (const n of a.layer.tasks()) if (!g.has(n.key)) g.set(n.key, n);
      for (const d of a.layer.deps) if (!seen.has(d.name)) stack.push(d);
    }
    return (this.cachedGraph = g);
  }

  __keys__(): Key[] {
    return blockIndices(this.numblocks).map((i) => blockKey(this.name, i));
  }

  __postcompute__(values: unknown[]): NdArray | number {
    const data = assemble(values as TypedArray[], this.chunks, this.dtype);
    if (this.ndim === 0) return data[0]!;
    return ndarray()(data, this.hasUnknownChunks ? [data.length] : this.shape) as unknown as NdArray;
  }

  __postpersist__(graph: Graph): ShoalArray {
    const nodes = [...graph.values()];
    return new ShoalArray(this.name, this.chunks, this.dtype, { deps: [], tasks: () => nodes });
  }

  // ---- elementwise (NumPy broadcasting; chains fuse into one task per block) ----

  /** `this + other` @example x.add(1); x.add(y) */
  add(other: Operand): ShoalArray {
    return elemwise('add', [this, other]);
  }
  /** `this - other` @example x.sub(y) */
  sub(other: Operand): ShoalArray {
    return elemwise('sub', [this, other]);
  }
  /** `this * other` @example x.mul(2) */
  mul(other: Operand): ShoalArray {
    return elemwise('mul', [this, other]);
  }
  /** `this / other` (true division: integers give float64) @example x.div(y) */
  div(other: Operand): ShoalArray {
    return elemwise('div', [this, other]);
  }
  /** `this ** other` @example x.pow(2) */
  pow(other: Operand): ShoalArray {
    return elemwise('pow', [this, other]);
  }
  /** Remainder with the sign of the divisor (NumPy's `mod`). @example x.mod(3) */
  mod(other: Operand): ShoalArray {
    return elemwise('mod', [this, other]);
  }
  /** Elementwise larger value (NaN wins). @example x.maximum(0) */
  maximum(other: Operand): ShoalArray {
    return elemwise('maximum', [this, other]);
  }
  /** Elementwise smaller value (NaN wins). @example x.minimum(y) */
  minimum(other: Operand): ShoalArray {
    return elemwise('minimum', [this, other]);
  }
  /** `this === other` as uint8 0/1. @example x.eq(0) */
  eq(other: Operand): ShoalArray {
    return elemwise('eq', [this, other]);
  }
  /** `this !== other` as uint8 0/1. @example x.ne(y) */
  ne(other: Operand): ShoalArray {
    return elemwise('ne', [this, other]);
  }
  /** `this < other` as uint8 0/1. @example x.lt(0.5) */
  lt(other: Operand): ShoalArray {
    return elemwise('lt', [this, other]);
  }
  /** `this <= other` as uint8 0/1. @example x.le(y) */
  le(other: Operand): ShoalArray {
    return elemwise('le', [this, other]);
  }
  /** `this > other` as uint8 0/1. @example x.gt(0) */
  gt(other: Operand): ShoalArray {
    return elemwise('gt', [this, other]);
  }
  /** `this >= other` as uint8 0/1. @example x.ge(y) */
  ge(other: Operand): ShoalArray {
    return elemwise('ge', [this, other]);
  }
  /** `-this` @example x.neg() */
  neg(): ShoalArray {
    return elemwise('neg', [this]);
  }
  /** Absolute value. @example x.abs() */
  abs(): ShoalArray {
    return elemwise('abs', [this]);
  }
  /** Square root. @example x.sqrt() */
  sqrt(): ShoalArray {
    return elemwise('sqrt', [this]);
  }
  /** `e ** this` @example x.exp() */
  exp(): ShoalArray {
    return elemwise('exp', [this]);
  }
  /** Natural logarithm. @example x.log() */
  log(): ShoalArray {
    return elemwise('log', [this]);
  }
  /** `log(1 + this)`, accurate near 0. @example x.log1p() */
  log1p(): ShoalArray {
    return elemwise('log1p', [this]);
  }
  /** Sine. @example x.sin() */
  sin(): ShoalArray {
    return elemwise('sin', [this]);
  }
  /** Cosine. @example x.cos() */
  cos(): ShoalArray {
    return elemwise('cos', [this]);
  }
  /** Tangent. @example x.tan() */
  tan(): ShoalArray {
    return elemwise('tan', [this]);
  }
  /** Hyperbolic tangent. @example x.tanh() */
  tanh(): ShoalArray {
    return elemwise('tanh', [this]);
  }
  /** Round down. @example x.floor() */
  floor(): ShoalArray {
    return elemwise('floor', [this]);
  }
  /** Round up. @example x.ceil() */
  ceil(): ShoalArray {
    return elemwise('ceil', [this]);
  }
  /** Round half to even, to `decimals` places (NumPy's `round`). @example x.round(2) */
  round(decimals = 0): ShoalArray {
    return elemwise('round', [this], decimals ? { p: decimals } : {});
  }
  /** 1 where NaN, else 0 (uint8). @example x.isnan().sum() */
  isnan(): ShoalArray {
    return elemwise('isnan', [this]);
  }
  /** Limit values to [min, max] (either may be omitted). @example x.clip(0, 1) */
  clip(min?: number | ShoalArray, max?: number | ShoalArray): ShoalArray {
    return elemwise('clip', [this, min ?? -Infinity, max ?? Infinity]);
  }
  /** The same values as another dtype (float to int truncates toward zero). @example x.astype('float32') */
  astype(dtype: DType): ShoalArray {
    return astypeOf(this, dtype);
  }

  // ---- reductions (trees of partials; axis, keepdims, splitEvery) ----

  /** Sum (integers sum in float64). @example await x.sum().compute(); x.sum({ axis: 0 }) */
  sum(opts: ReduceOptions = {}): ShoalArray {
    return fold('sum', this, opts);
  }
  /** Product. @example x.prod({ axis: 1 }) */
  prod(opts: ReduceOptions = {}): ShoalArray {
    return fold('prod', this, opts);
  }
  /** Smallest value (NaN if any is NaN). @example x.min() */
  min(opts: ReduceOptions = {}): ShoalArray {
    return fold('min', this, opts);
  }
  /** Largest value (NaN if any is NaN). @example x.max({ axis: 0, keepdims: true }) */
  max(opts: ReduceOptions = {}): ShoalArray {
    return fold('max', this, opts);
  }
  /** 1 if any value is non-zero. @example x.gt(3).any() */
  any(opts: ReduceOptions = {}): ShoalArray {
    return fold('any', this, opts);
  }
  /** 1 if every value is non-zero. @example x.ge(0).all() */
  all(opts: ReduceOptions = {}): ShoalArray {
    return fold('all', this, opts);
  }
  /** Sum skipping NaN. @example x.nansum() */
  nansum(opts: ReduceOptions = {}): ShoalArray {
    return fold('nansum', this, opts);
  }
  /** Product skipping NaN. @example x.nanprod() */
  nanprod(opts: ReduceOptions = {}): ShoalArray {
    return fold('nanprod', this, opts);
  }
  /** Smallest non-NaN value. @example x.nanmin() */
  nanmin(opts: ReduceOptions = {}): ShoalArray {
    return fold('nanmin', this, opts);
  }
  /** Largest non-NaN value. @example x.nanmax() */
  nanmax(opts: ReduceOptions = {}): ShoalArray {
    return fold('nanmax', this, opts);
  }
  /** Arithmetic mean. @example const [m, s] = await compute(x.mean(), x.std()); */
  mean(opts: ReduceOptions = {}): ShoalArray {
    return moments('mean', this, opts);
  }
  /** Variance (`ddof` 0 by default). @example x.var({ ddof: 1 }) */
  var(opts: MomentsOptions = {}): ShoalArray {
    return moments('var', this, opts);
  }
  /** Standard deviation (`ddof` 0 by default). @example x.std({ axis: 0 }) */
  std(opts: MomentsOptions = {}): ShoalArray {
    return moments('std', this, opts);
  }
  /** Mean skipping NaN. @example x.nanmean() */
  nanmean(opts: ReduceOptions = {}): ShoalArray {
    return moments('nanmean', this, opts);
  }
  /** Variance skipping NaN. @example x.nanvar() */
  nanvar(opts: MomentsOptions = {}): ShoalArray {
    return moments('nanvar', this, opts);
  }
  /** Standard deviation skipping NaN. @example x.nanstd() */
  nanstd(opts: MomentsOptions = {}): ShoalArray {
    return moments('nanstd', this, opts);
  }
  /** Index of the smallest value: flat over all axes, or along `axis`. @example x.argmin({ axis: 1 }) */
  argmin(opts: ArgReduceOptions = {}): ShoalArray {
    return argReduce('argmin', this, opts);
  }
  /** Index of the largest value: flat over all axes, or along `axis`. @example x.argmax() */
  argmax(opts: ArgReduceOptions = {}): ShoalArray {
    return argReduce('argmax', this, opts);
  }
  /** Running sum along `axis` (default 0 for 1-D). @example await array.arange(1, 5, 1, { chunks: 2 }).cumsum().toArray()  // [1, 3, 6, 10] */
  cumsum(opts: CumulativeOptions = {}): ShoalArray {
    return cumulative('cumsum', this, opts);
  }
  /** Running product along `axis`. @example x.cumprod({ axis: 1 }) */
  cumprod(opts: CumulativeOptions = {}): ShoalArray {
    return cumulative('cumprod', this, opts);
  }

  /** Permute axes (default: reverse). @example x.transpose([1, 0, 2]) */
  transpose(axes?: readonly number[]): ShoalArray {
    return transpose(this, axes);
  }
  /** The transpose (axes reversed). @example x.add(x.T) */
  get T(): ShoalArray {
    return transpose(this);
  }
  /** Drop length-1 axes (all, or those in `axis`). @example x.squeeze() */
  squeeze(axis?: number | readonly number[]): ShoalArray {
    return squeeze(this, axis);
  }
  /** Insert a length-1 axis. @example x.expandDims(0) */
  expandDims(axis: number): ShoalArray {
    return expandDims(this, axis);
  }

  /**
   * NumPy indexing, one entry per axis: an integer (drops the axis), a slice as
   * `'start:stop:step'` or `{ start, stop, step }` (negative steps too), a list of integers, or
   * `null` for all; or a boolean mask Array of the same shape (the selected values, 1-D).
   * @example
   * x.slice(0);                 // the first row
   * x.slice('2:8:2', '::-1');   // every other row from 2, columns reversed
   * x.slice([0, 2], [1, 3]);    // rows 0 and 2 by columns 1 and 3: a 2 x 2 outer product
   */
  slice(...index: (AxisIndex | ShoalArray)[]): ShoalArray {
    return sliceOf(this, index);
  }
  /**
   * Pointwise indexing (NumPy's `x[[0, 2], [1, 3]]`, Dask's `x.vindex`): integer lists on the
   * leading axes, all of one length n, pick points; the result has shape [n, ...other axes].
   * @example
   * const m = array.arange(0, 12, 1, { chunks: 4 }).reshape([3, 4]);
   * await m.vindex([0, 2, 1], [3, 0, 0]).toArray();   // [3, 8, 4]
   */
  vindex(...lists: (readonly number[])[]): ShoalArray {
    return vindexOf(this, lists);
  }
  /**
   * A new shape (one entry may be -1), where block boundaries allow; else an error naming the
   * axes to rechunk. @example array.arange(12).reshape([3, 4])
   */
  reshape(shape: readonly number[]): ShoalArray {
    return reshapeOf(this, shape);
  }

  /** Matrix/vector product (NumPy's `dot` for 1-D and 2-D). @example a.dot(b) */
  dot(other: ShoalArray, opts: DotOptions = {}): ShoalArray {
    return dotOf(this, other, opts);
  }
  /** Matrix product (same as `dot` for 1-D and 2-D). @example a.matmul(b) */
  matmul(other: ShoalArray, opts: DotOptions = {}): ShoalArray {
    return dotOf(this, other, opts);
  }
  /**
   * Apply `f` to every block (an ndarray); it returns the new block's values. `dropAxis` and
   * `newAxis` say which axes the result loses or gains (Dask's `drop_axis`, `new_axis`).
   * @example
   * x.mapBlocks((b) => b.data.map(Math.sqrt), { dtype: 'float64' })
   * // row sums of a 2-D array: axis 1 is dropped (each block sees whole rows)
   * m.mapBlocks((b) => Array.from({ length: b.shape[0] }, (_, i) => { let s = 0; for (let j = 0; j < b.shape[1]; j++) s += b.get(i, j); return s; }), { dropAxis: 1 })
   */
  mapBlocks(f: AnyFn, opts: MapBlocksAxisOptions = {}): ShoalArray {
    return mapBlocksOf(f, this, opts);
  }
  /**
   * Apply `f` to every block extended by `depth` values of its neighbours; the extension is cut
   * from the result. @example x.mapOverlap(smooth, { depth: 1, boundary: 'nearest' })
   */
  mapOverlap(f: AnyFn, opts: MapOverlapOptions): ShoalArray {
    return mapOverlapOf(f, this, opts);
  }

  /**
   * One block as an Array of its own (Dask's `x.blocks[i, j]`), negative indices from the end.
   * @example await x.block([0, -1]).toArray()
   */
  block(index: readonly number[]): ShoalArray {
    return blockOf(this, index);
  }

  /** The same values cut into new blocks. @example x.rechunk([1000, -1]) */
  rechunk(chunks: ChunksSpec): ShoalArray {
    return rechunkOf(this, chunks);
  }

  /** Number of tasks in this array's graph. */
  get ntasks(): number {
    return this.__graph__().size;
  }

  /**
   * Compute the array: an `ndarray` (a number for a 0-d array). Runs on worker threads unless
   * another scheduler is chosen.
   * @example
   * const nd = await array.ones([2, 3], { chunks: 2 }).compute();   // nd.get(1, 2) === 1
   * await array.ones([4]).sum().compute({ scheduler: 'sync' });     // 4
   */
  async compute(opts: ComputeOptions = {}): Promise<NdArray | number> {
    const [v] = await compute(this, checkComputeOptions('Array.compute', opts));
    return v as NdArray | number;
  }

  /**
   * Compute and return the result as nested JS arrays (a number for 0-d), for small results.
   * @example await array.arange(0, 4, 1, { chunks: 2 }).reshape([2, 2]).toArray()   // [[0, 1], [2, 3]]
   */
  async toArray(opts: ComputeOptions = {}): Promise<NestedNumbers> {
    const r = await this.compute(checkComputeOptions('Array.toArray', opts));
    if (typeof r === 'number') return r;
    return nest(r.data, r.shape);
  }

  /**
   * Compute the blocks and keep them (in this process), returning an Array backed by them.
   * @example const [y] = [await x.mul(2).persist()];  await y.sum().compute();
   */
  async persist(opts: ComputeOptions = {}): Promise<ShoalArray> {
    const [v] = await persist(this, checkComputeOptions('Array.persist', opts));
    return v as ShoalArray;
  }

  /** Draw the task graph (SVG, PNG or DOT text). @example await x.sum().visualize({ filename: 'sum.svg' }) */
  visualize(opts: VisualizeOptions = {}): Promise<string> {
    return visualize(this, opts);
  }

  /**
   * One line: shape, dtype, block shape and task count.
   * @example String(array.zeros([1e6], { chunks: 1e5 }))  // 'shoal.Array<shape=[1000000], dtype=float64, chunks=[100000], 10 tasks>'
   */
  toString(): string {
    return `shoal.Array<shape=[${this.shape.map(fmtLen).join(', ')}], dtype=${this.dtype}, chunks=[${this.chunksize.map(fmtLen).join(', ')}], ${this.ntasks} tasks>`;
  }

  [INSPECT](): string {
    return this.toString();
  }

  /**
   * Dask-like HTML: bytes, shape and dtype of the array and of one block, the task count, and an
   * SVG of the block grid (notebooks show it through `display(x)`).
   * @example const html = x.reprHtml();   // '<table>…<svg …>…</svg>…</table>'
   */
  reprHtml(): string {
    return reprHtml(this);
  }
}

registerTokenizer(
  (v) => v instanceof ShoalArray,
  (v) => `array:${(v as ShoalArray).name}`,
);

const fmtLen = (n: number) => (Number.isNaN(n) ? 'nan' : String(n));

/** Nested JS arrays of numbers, as `toArray()` returns. */
export type NestedNumbers = number | NestedNumbers[];

function nest(data: ArrayLike<number>, shape: readonly number[]): NestedNumbers {
  const strides = stridesOf(shape);
  const walk = (d: number, base: number): NestedNumbers => {
    if (d === shape.length) return data[base]!;
    const out: NestedNumbers[] = [];
    for (let i = 0; i < shape[d]!; i++) out.push(walk(d + 1, base + i * strides[d]!));
    return out;
  };
  return walk(0, 0);
}

/** Copy blocks (C order over the grid) into one C-ordered array; a single block is used as is. */
export function assemble(blocks: TypedArray[], chunks: Chunks, dtype: DType): TypedArray {
  if (blocks.length === 1) return blocks[0]!;
  if (chunks.some((c) => c.some(Number.isNaN))) {
    // Unknown block lengths (1-D, after a boolean mask): concatenate.
    const out = allocPlain(dtype, blocks.reduce((a, b) => a + b.length, 0));
    let at = 0;
    for (const b of blocks) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }
  const shape = chunks.map((c) => c.reduce((a, b) => a + b, 0));
  const out = allocPlain(dtype, prod(shape));
  const nb = numblocksOf(chunks);
  const offs = chunks.map(offsets);
  const strides = stridesOf(shape);
  blockIndices(nb).forEach((idx, n) => {
    const bshape = idx.map((b, d) => chunks[d]![b]!);
    const start = idx.map((b, d) => offs[d]![b]!);
    copyBlock(blocks[n]!, bshape, out, strides, start);
  });
  return out;
}

/** Copy a C-ordered block of shape `bshape` into `out` (strides `ostrides`) at `start`. */
export function copyBlock(src: TypedArray, bshape: readonly number[], out: TypedArray, ostrides: readonly number[], start: readonly number[]): void {
  const nd = bshape.length;
  if (nd === 0) {
    out[0] = src[0]!;
    return;
  }
  const inner = bshape[nd - 1]!;
  const rows = inner === 0 ? 0 : src.length / inner;
  const idx = new Array<number>(nd - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let o = start[nd - 1]!;
    for (let d = 0; d < nd - 1; d++) o += (start[d]! + idx[d]!) * ostrides[d]!;
    out.set(src.subarray(r * inner, (r + 1) * inner), o);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < bshape[d]!) break;
      idx[d] = 0;
    }
  }
}
