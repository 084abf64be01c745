/**
 * Users' functions over blocks: `mapBlocks` (block i of each input → block i of the output),
 * `blockwise` (Dask's index notation: `blockwise(f, 'ij', x, 'ij', y, 'ji')`, contracted indices
 * pass lists of blocks), and `mapOverlap` (blocks extended by `depth` values of their neighbours,
 * with a boundary rule at the array's edges). Functions travel to workers like Delayed's: inline
 * functions as source (closures are refused before any work starts), module functions by URL.
 */
import { messages, OptionError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { blockKey } from '../graph/keys.ts';
import { tokenize, uniqueToken } from '../graph/tokenize.ts';
import { fnArg, ref, task, type Arg } from '../graph/types.ts';
import type { AnyFn } from '../schedulers/registry.ts';
import { isSelfContained } from '../schedulers/ship.ts';
import { specOf } from '../schedulers/specs.ts';
import { blockAt, blockIndices, blockShape, numblocksOf, offsets, prod, type Chunks } from './chunks.ts';
import { ShoalArray } from './core.ts';
import { checkDType } from './creation.ts';
import type { DType } from './dtype.ts';
import { blockwiseArray } from './blocks.ts';
import { userKernels } from './kernels/user.ts';
import { unifyChunks } from './rechunk.ts';
import { assertKnown } from './slicing.ts';

void userKernels;

/** Options of mapBlocks / blockwise. */
export interface MapBlocksOptions {
  /** dtype of the result (default: the first input's). */
  dtype?: DType;
  /**
   * Chunks of the result when the function changes block shapes: the full tuple-of-tuples, or
   * one block shape used for every block (Dask's `chunks=`). Default: the inputs' blocks.
   */
  chunks?: readonly (readonly number[])[] | readonly number[];
  /** Extra arguments passed after the blocks (values travel with the task; no closures needed). */
  args?: unknown[];
  /** Name prefix of the result's keys. */
  name?: string;
}

/** Options of mapBlocks: MapBlocksOptions plus Dask's axis changes. */
export interface MapBlocksAxisOptions extends MapBlocksOptions {
  /**
   * Axes of the inputs that the function's result does not have (Dask's `drop_axis`). An input cut
   * into several blocks along such an axis is rechunked to one block along it first, so the
   * function sees the whole axis.
   */
  dropAxis?: number | readonly number[];
  /**
   * Positions, in the result, of axes the function adds (Dask's `new_axis`): one block each, of
   * length 1 unless `chunks` says otherwise.
   */
  newAxis?: number | readonly number[];
}
const MAP_BLOCKS_KEYS = optionKeys<MapBlocksAxisOptions>({ dtype: true, chunks: true, args: true, name: true, dropAxis: true, newAxis: true });

/** Options of blockwise: MapBlocksOptions plus Dask's `concatenate` and `new_axes`. */
export interface BlockwiseOptions extends MapBlocksOptions {
  /**
   * Contracted indices (letters not in the output) reach the function as one block spanning the
   * whole axis instead of a list of blocks (Dask's `concatenate=True`): those axes are rechunked
   * to one block first.
   */
  concatenate?: boolean;
  /** Output letters that no input has, with their lengths (one block each; Dask's `new_axes`). */
  newAxes?: Record<string, number>;
}
const BLOCKWISE_KEYS = optionKeys<BlockwiseOptions>({ dtype: true, chunks: true, args: true, name: true, concatenate: true, newAxes: true });

/** Options of mapOverlap: MapBlocksOptions plus the overlap and the rule at the edges. */
export interface MapOverlapOptions extends MapBlocksOptions {
  /** Values borrowed from each neighbour: one number for every axis, or one per axis. */
  depth: number | readonly number[];
  /** What lies beyond the array's edges (default 'reflect'). */
  boundary?: Boundary;
}
const MAP_OVERLAP_KEYS = optionKeys<MapOverlapOptions>({ dtype: true, chunks: true, args: true, name: true, depth: true, boundary: true });

/** Axis numbers (negative from the end) as a sorted list of distinct positions in 0..nd-1. */
function axisList(op: string, option: string, v: number | readonly number[] | undefined, nd: number): number[] {
  const list = v === undefined ? [] : typeof v === 'number' ? [v] : [...v];
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -nd || a >= nd) throw new OptionError(messages.badOption(`${op} ${option}`, v, `axes must be whole numbers in [-${nd}, ${nd - 1}]`));
    return a < 0 ? a + nd : a;
  });
  if (new Set(out).size !== out.length) throw new OptionError(messages.badOption(`${op} ${option}`, v, 'an axis appears twice'));
  return out.sort((a, b) => a - b);
}

function fnToken(f: AnyFn): { spec: ReturnType<typeof specOf>; token: string } {
  const spec = specOf(f);
  return { spec, token: spec.kind === 'source' && !isSelfContained(spec) ? uniqueToken() : tokenize(spec) };
}

function outChunks(op: string, opts: MapBlocksOptions, base: Chunks): number[][] {
  const c = opts.chunks;
  if (c === undefined) return base.map((x) => x.slice());
  if (c.every((v) => typeof v === 'number')) {
    // One block shape for every block, on the same grid as the inputs.
    const shape = c as number[];
    if (shape.length !== base.length) throw new OptionError(messages.arrayMismatch(op, `chunks ${JSON.stringify(c)} must give one length per axis of the ${base.length}-D grid`));
    return base.map((axis, d) => axis.map(() => shape[d]!));
  }
  const full = (c as number[][]).map((x) => x.slice());
  const n = prod(numblocksOf(full));
  if (n !== prod(numblocksOf(base))) throw new OptionError(messages.arrayMismatch(op, `chunks ${JSON.stringify(c)} make ${n} blocks, but the inputs have ${prod(numblocksOf(base))}`));
  return full;
}

/**
 * Apply `f` to corresponding blocks of one or more arrays (same shape; chunks are unified). `f`
 * receives ndarrays and returns an ndarray, typed array, JS array or number.
 * @example
 * x.mapBlocks((b) => b.data.map((v) => v * 2));     // return new data: blocks are shared, never modify them
 * array.mapBlocks((a, b) => a.data.map((v, i) => v + b.data[i]), x, y, { dtype: 'float64' });
 * x.mapBlocks((b, k) => b.data.map((v) => v * k), { args: [3] });
 */
export function mapBlocks(f: AnyFn, ...rest: (ShoalArray | MapBlocksAxisOptions)[]): ShoalArray {
  const last = rest[rest.length - 1];
  const opts: MapBlocksAxisOptions = last !== undefined && !(last instanceof ShoalArray) ? checkOptions('mapBlocks', rest.pop() as MapBlocksAxisOptions, MAP_BLOCKS_KEYS) : {};
  const arrays = rest as ShoalArray[];
  if (arrays.length === 0 || !arrays.every((a) => a instanceof ShoalArray)) throw new OptionError(messages.arrayMismatch('mapBlocks', 'needs a function and at least one Array'));
  assertKnown('mapBlocks', ...arrays);
  const shape = arrays[0]!.shape;
  if (arrays.some((a) => a.ndim !== shape.length || a.shape.some((d, i) => d !== shape[i])))
    throw new OptionError(messages.arrayMismatch('mapBlocks', `arrays must have the same shape, got ${arrays.map((a) => `[${a.shape.join(', ')}]`).join(', ')}`));
  const drop = axisList('mapBlocks', 'dropAxis', opts.dropAxis, shape.length);
  let aligned = unifyChunks('mapBlocks', arrays, shape);
  // A dropped axis reaches the function whole (Dask concatenates its blocks the same way).
  if (drop.some((d) => aligned[0]!.chunks[d]!.length > 1)) aligned = aligned.map((a) => a.rechunk(a.chunks.map((c, d) => (drop.includes(d) ? -1 : c))));
  const kept = aligned[0]!.chunks.filter((_, d) => !drop.includes(d)).map((c) => c.slice());
  const added = axisList('mapBlocks', 'newAxis', opts.newAxis, kept.length + (opts.newAxis === undefined ? 0 : typeof opts.newAxis === 'number' ? 1 : opts.newAxis.length));
  for (const d of added) kept.splice(d, 0, [1]);
  const dtype = checkDType('mapBlocks', opts.dtype, aligned[0]!.dtype);
  // Dropping single-block axes and adding one-block axes keeps the blocks' C order: output block n
  // is made from input block n.
  const chunks = outChunks('mapBlocks', opts, kept);
  const { spec, token } = fnToken(f);
  const extra = (opts.args ?? []) as Arg[];
  const name = `${opts.name ?? (spec.kind === 'source' ? spec.name ?? 'mapBlocks' : spec.name)}-${tokenize(token, aligned.map((a) => a.name), chunks, dtype, extra)}`;
  const inIdx = blockIndices(aligned[0]!.numblocks);
  const outNb = numblocksOf(chunks);
  return new ShoalArray(name, chunks, dtype, {
    deps: aligned,
    tasks: () =>
      blockIndices(outNb).map((idx, n) => {
        const key = blockKey(name, idx);
        const src = inIdx[n]!;
        return task(key, { kind: 'op', name: 'array.mapBlocks' }, [
          fnArg(spec), key, dtype, blockShape(chunks, idx),
          aligned.map((a) => ref(a.blockKey(src))), aligned.map((a) => blockShape(a.chunks, src)), extra,
        ]);
      }),
  });
}

/**
 * Dask's `blockwise`: `out` names the output's axes with letters, each input is followed by the
 * letters of its axes (or null for a plain value). Letters missing from `out` are contracted: the
 * function gets, for each such letter, a JS array of the blocks along it, or with
 * `concatenate: true` one block spanning the axis. Output letters no input has need `newAxes`.
 * @example
 * // block (i, j) of x plus the transposed block (j, i) of y:
 * array.blockwise((a, b) => ..., 'ij', x, 'ij', y, 'ji', { dtype: 'float64' })
 * // row sums: 'j' is contracted and concatenated, so each call sees whole rows
 * array.blockwise(rowSums, 'i', m, 'ij', { concatenate: true })
 * // a new axis 'k' of length 2 after 'i'
 * array.blockwise((b) => ..., 'ik', v, 'i', { newAxes: { k: 2 } })
 */
export function blockwise(f: AnyFn, out: string, ...rest: unknown[]): ShoalArray {
  const last = rest[rest.length - 1];
  const opts: BlockwiseOptions = rest.length % 2 === 1 && last && typeof last === 'object' && !(last instanceof ShoalArray) ? checkOptions('blockwise', rest.pop() as BlockwiseOptions, BLOCKWISE_KEYS) : {};
  if (rest.length % 2 !== 0) throw new OptionError(messages.arrayMismatch('blockwise', 'arguments must come in pairs: array, index letters (or value, null)'));
  const pairs: [unknown, string | null][] = [];
  for (let i = 0; i < rest.length; i += 2) pairs.push([rest[i], rest[i + 1] as string | null]);
  const newAxes = opts.newAxes ?? {};
  for (const [l, n] of Object.entries(newAxes)) {
    if (!out.includes(l)) throw new OptionError(messages.badOption('blockwise newAxes', newAxes, `'${l}' is not an output index (${JSON.stringify(out)})`));
    if (!Number.isInteger(n) || n < 0) throw new OptionError(messages.badOption('blockwise newAxes', newAxes, `the length of '${l}' must be a whole number >= 0`));
  }
  if (opts.concatenate)
    // Contracted axes cut in several blocks become one block (Dask concatenates them likewise).
    for (const p of pairs)
      if (p[0] instanceof ShoalArray && typeof p[1] === 'string' && p[1].length === p[0].ndim && [...p[1]].some((l) => !out.includes(l)))
        p[0] = p[0].rechunk(p[0].chunks.map((c, d) => (out.includes(p[1]![d]!) ? c : -1)));
  // Chunks per letter: every array using a letter must cut that axis the same way.
  const letterChunks = new Map<string, readonly number[]>();
  for (const [a, ind] of pairs) {
    if (!(a instanceof ShoalArray)) continue;
    assertKnown('blockwise', a);
    if (typeof ind !== 'string' || ind.length !== a.ndim) throw new OptionError(messages.arrayMismatch('blockwise', `index ${JSON.stringify(ind)} must have one letter per axis of an array of shape [${a.shape.join(', ')}]`));
    [...ind].forEach((l, d) => {
      const c = a.chunks[d]!;
      const prev = letterChunks.get(l);
      if (prev && (prev.length !== c.length || prev.some((v, i) => v !== c[i])))
        throw new OptionError(messages.arrayMismatch('blockwise', `axis '${l}' is cut as ${JSON.stringify(prev)} in one array and ${JSON.stringify(c)} in another; rechunk them alike`));
      letterChunks.set(l, c);
    });
  }
  for (const l of out) {
    if (l in newAxes) {
      if (letterChunks.has(l)) throw new OptionError(messages.badOption('blockwise newAxes', newAxes, `'${l}' is an index of an input already`));
      letterChunks.set(l, [newAxes[l]!]);
    } else if (!letterChunks.has(l)) throw new OptionError(messages.arrayMismatch('blockwise', `output index '${l}' does not appear in any input (a new axis needs newAxes: { ${l}: length })`));
  }
  const contracted = [...letterChunks.keys()].filter((l) => !out.includes(l));
  const first = pairs.find(([a]) => a instanceof ShoalArray)?.[0] as ShoalArray | undefined;
  if (!first) throw new OptionError(messages.arrayMismatch('blockwise', 'needs at least one Array input'));
  const base = [...out].map((l) => letterChunks.get(l)!.slice());
  const dtype = checkDType('blockwise', opts.dtype, first.dtype);
  const chunks = outChunks('blockwise', opts, base);
  const { spec, token } = fnToken(f);
  const extra = (opts.args ?? []) as Arg[];
  const arrays = pairs.map(([a]) => a).filter((a): a is ShoalArray => a instanceof ShoalArray);
  const name = `${opts.name ?? 'blockwise'}-${tokenize(token, out, pairs.map(([a, i]) => [a instanceof ShoalArray ? a.name : a, i]) as never, chunks, dtype, extra)}`;
  const nbOf = (l: string) => letterChunks.get(l)!.length;
  return blockwiseArray(name, chunks, dtype, arrays, 'array.mapBlocks', ({ index: idx, shape }, key) => {
    const fixed = new Map([...out].map((l, d) => [l, idx[d]!]));
    const blocks: Arg[] = [];
    const shapes: Arg[] = [];
    for (const [a, ind] of pairs) {
      if (!(a instanceof ShoalArray)) {
        blocks.push(a as Arg);
        shapes.push(null);
        continue;
      }
      // Nested lists over the contracted letters this array uses, in order.
      const own = contracted.filter((l) => ind!.includes(l));
      const build = (k: number, bound: Map<string, number>): [Arg, Arg] => {
        if (k === own.length) {
          const bi = [...ind!].map((l) => bound.get(l) ?? fixed.get(l)!);
          return [ref(a.blockKey(bi)), blockShape(a.chunks, bi)];
        }
        const parts = [...Array(nbOf(own[k]!)).keys()].map((b) => build(k + 1, new Map([...bound, [own[k]!, b]])));
        return [parts.map((p) => p[0]), parts.map((p) => p[1])];
      };
      // With concatenate every contracted letter has one block: pass it, not a list of one.
      const [bl, sh] = opts.concatenate ? build(own.length, new Map(own.map((l) => [l, 0]))) : build(0, new Map());
      blocks.push(bl);
      shapes.push(sh);
    }
    return [fnArg(spec), key, dtype, shape, blocks, shapes, extra];
  });
}

/** What lies beyond the array's edges for mapOverlap. */
export type Boundary = 'reflect' | 'periodic' | 'nearest' | 'none' | number;

/**
 * Apply `f` to each block extended by `depth` values of its neighbours on every side (per axis:
 * a number, or one per axis), then cut the extension off the result. At the array's edges,
 * `boundary` decides: 'reflect' (mirror, edge included), 'periodic' (wrap around), 'nearest'
 * (repeat the edge), 'none' (no extension) or a constant (default 'reflect', like Dask).
 * @example
 * // a 3-point moving sum
 * x.mapOverlap((b) => b.data.map((v, i, d) => (d[i - 1] ?? 0) + v + (d[i + 1] ?? 0)), { depth: 1, boundary: 0 })
 */
export function mapOverlap(f: AnyFn, x: ShoalArray, opts: MapOverlapOptions): ShoalArray {
  checkOptions('mapOverlap', opts, MAP_OVERLAP_KEYS, true);
  assertKnown('mapOverlap', x);
  const nd = x.ndim;
  const depth = typeof opts.depth === 'number' ? new Array<number>(nd).fill(opts.depth) : opts.depth.slice();
  if (depth.length !== nd || !depth.every((d) => Number.isInteger(d) && d >= 0)) throw new OptionError(messages.badOption('mapOverlap depth', opts.depth, `must be a whole number >= 0, or one per axis (${nd})`));
  const boundary = opts.boundary ?? 'reflect';
  if (!(typeof boundary === 'number' || ['reflect', 'periodic', 'nearest', 'none'].includes(boundary)))
    throw new OptionError(messages.badOption('mapOverlap boundary', boundary, "use 'reflect', 'periodic', 'nearest', 'none' or a number"));
  x.chunks.forEach((_, d) => {
    if (depth[d]! > x.shape[d]! && boundary !== 'none' && typeof boundary !== 'number')
      throw new OptionError(messages.badOption('mapOverlap depth', opts.depth, `axis ${d} has length ${x.shape[d]}, less than the depth`));
  });
  // Blocks shorter than the depth are merged with their neighbours first (Dask's
  // ensure_minimum_chunksize), so each block's halo comes from its adjacent blocks and the
  // function never sees a block thinner than its own stencil. The result keeps those chunks.
  const merged = x.chunks.map((c, d) => atLeast(c, depth[d]!));
  if (merged.some((c, d) => c.length !== x.chunks[d]!.length)) x = x.rechunk(merged);
  const dtype = checkDType('mapOverlap', opts.dtype, x.dtype);
  const { spec, token } = fnToken(f);
  const extra = (opts.args ?? []) as Arg[];
  const name = `${opts.name ?? 'mapOverlap'}-${tokenize(token, x.name, depth, boundary, dtype, extra)}`;
  const offs = x.chunks.map(offsets);
  const shape = x.shape;
  const fill = typeof boundary === 'number' ? boundary : 0;
  /** Per axis, the source of each extended position: a global coordinate or -1 (fill). */
  const sourceOf = (d: number, g: number): number => {
    const n = shape[d]!;
    if (g >= 0 && g < n) return g;
    if (boundary === 'periodic') return ((g % n) + n) % n;
    if (boundary === 'nearest') return g < 0 ? 0 : n - 1;
    if (boundary === 'reflect') return g < 0 ? -g - 1 : 2 * n - g - 1;
    return -1;
  };
  return new ShoalArray(name, x.chunks.map((c) => c.slice()), dtype, {
    deps: [x],
    tasks: () =>
      blockIndices(x.numblocks).map((idx) => {
        const key = blockKey(name, idx);
        const bshape = blockShape(x.chunks, idx);
        // Per axis: the extended range, and its runs of positions from one source block.
        const runs: [number, number, number, number, number][][] = []; // [srcBlock|-1, srcStart, step, count, dstStart]
        const ext: number[] = [];
        const trim: number[] = [];
        for (let d = 0; d < nd; d++) {
          const lo0 = offs[d]![idx[d]!]!;
          const hi0 = offs[d]![idx[d]! + 1]!;
          const lo = boundary === 'none' ? Math.max(0, lo0 - depth[d]!) : lo0 - depth[d]!;
          const hi = boundary === 'none' ? Math.min(shape[d]!, hi0 + depth[d]!) : hi0 + depth[d]!;
          ext.push(hi - lo);
          trim.push(lo0 - lo);
          const list: [number, number, number, number, number][] = [];
          for (let g = lo; g < hi; g++) {
            const s = sourceOf(d, g);
            const b = s < 0 ? -1 : blockAt(offs[d]!, s);
            const local = s < 0 ? 0 : s - offs[d]![b]!;
            const prev = list[list.length - 1];
            if (prev && prev[0] === b && (b < 0 || (prev[3] === 1 ? Math.abs(local - prev[1]) === 1 : local === prev[1] + prev[2] * prev[3]))) {
              if (b >= 0 && prev[3] === 1) prev[2] = local - prev[1];
              prev[3]++;
            } else list.push([b, local, 1, 1, g - lo]);
          }
          runs.push(list);
        }
        const pieces: Arg[] = [];
        for (const combo of blockIndices(runs.map((r) => r.length))) {
          const rs = combo.map((c, d) => runs[d]![c]!);
          if (rs.some((r) => r[0] < 0)) continue; // filled with the constant
          const src = rs.map((r) => r[0]);
          pieces.push([ref(x.blockKey(src)), blockShape(x.chunks, src), rs.map((r) => r[1]), rs.map((r) => r[2]), rs.map((r) => r[4]), rs.map((r) => r[3])]);
        }
        return task(key, { kind: 'op', name: 'array.overlap' }, [fnArg(spec), key, dtype, ext, fill, pieces, trim, bshape, extra]);
      }),
  });
}

/** Block lengths `c` with every block shorter than `min` merged into its neighbours (a lone block is kept). */
export function atLeast(c: readonly number[], min: number): number[] {
  if (c.every((n) => n >= min)) return c.slice();
  const out: number[] = [];
  let acc = 0;
  for (const n of c) {
    acc += n;
    if (acc >= min) {
      out.push(acc);
      acc = 0;
    }
  }
  if (acc > 0) {
    if (out.length > 0) out[out.length - 1]! += acc;
    else out.push(acc);
  }
  return out;
}


