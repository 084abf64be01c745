/**
 * Bag: a lazy, partitioned sequence of arbitrary JS values (Dask's `dask.bag`), computed by default
 * on the processes scheduler. A Bag is its input partitions (keys in the graph) plus the transforms
 * not yet applied to them; transforms accumulate and become ONE task per partition when the graph
 * is built (`bag.pipeline`), so `map().filter().map()` walks each partition once. Reductions,
 * shuffles and other cross-partition operations start from those tasks.
 */
import { checkComputeOptions, COMPUTE_KEYS, compute, persist, visualize, type Collection, type ComputeOptions, type VisualizeOptions } from '../base.ts';
import type { SchedulerName } from '../config.ts';
import { Delayed } from '../delayed/delayed.ts';
import { messages, OptionError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { escapeHtml } from '../diagnostics/notebook.ts';
import { blockKey, keyPrefix } from '../graph/keys.ts';
import { registerTokenizer, tokenize } from '../graph/tokenize.ts';
import { fnArg, mergeGraphs, ref, task, type Arg, type FnSpec, type Graph, type GraphNode, type Key } from '../graph/types.ts';
import type { AnyFn } from '../schedulers/registry.ts';
import { specOf } from '../schedulers/specs.ts';
import * as parts from './graph-parts.ts';
import { Item } from './item.ts';
import { reductions, type Reduction } from './reductions.ts';
import { extraArg, extraToken, fnToken, initialArg, keyArg, type Extra, type Step } from './steps.ts';
import { textFileTargets, writeLayer } from './text-out.ts';
import { bagToDataFrame, inferBagMeta } from './to-dataframe.ts';
import type { DataFrame, Dtype } from '../dataframe/index.ts';

const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** An extra argument of `map` & co: a Bag (zipped element by element), an Item/Delayed, or a value. */
export type BagArg<A> = A | Bag<A> | Item<A> | Delayed<A>;
export type BagArgs<A extends readonly unknown[]> = { [K in keyof A]: BagArg<A[K]> };

/** Options of `take`. */
export interface TakeOptions extends ComputeOptions {
  /** How many partitions to look in (default 1; -1: all). Only those are computed. */
  npartitions?: number;
  /** Warn when fewer than `n` elements were found (default true). */
  warn?: boolean;
}
const TAKE_KEYS = [...COMPUTE_KEYS, ...optionKeys<Omit<TakeOptions, keyof ComputeOptions>>({ npartitions: true, warn: true })];

/** Options of `toTextFiles`: the encoding, and how to compute. */
export interface ToTextFilesOptions extends ComputeOptions {
  /** The text encoding of the files (default utf-8). */
  encoding?: string;
}
const TO_TEXT_FILES_KEYS = [...COMPUTE_KEYS, ...optionKeys<Omit<ToTextFilesOptions, keyof ComputeOptions>>({ encoding: true })];

/** Options of the reductions (`sum`, `count`, `distinct`, …). */
export interface BagReduceOptions {
  /** Partial results combined per step of the tree (default 8, Dask's); false: all at once. */
  splitEvery?: number | false;
}
const REDUCE_KEYS = optionKeys<BagReduceOptions>({ splitEvery: true });

/** Options of `reduction`. */
export interface ReductionOptions extends BagReduceOptions {
  /** Key prefix of the result (default: the functions' common name, or 'reduction'). */
  name?: string;
}
const REDUCTION_KEYS = optionKeys<ReductionOptions>({ splitEvery: true, name: true });

/** Options of `fold`. */
export interface FoldOptions<R> extends BagReduceOptions {
  /** Start value of each partition's fold (without it, an empty bag is an error). */
  initial?: R;
}
const FOLD_KEYS = optionKeys<FoldOptions<unknown>>({ splitEvery: true, initial: true });

/** Options of `groupBy`. */
export interface BagGroupByOptions {
  /** Output partitions (default: as many as the Bag has). */
  npartitions?: number;
  /** Largest fan-out of one shuffle stage (default 32, Dask's). */
  maxBranch?: number;
}
const GROUP_BY_KEYS = optionKeys<BagGroupByOptions>({ npartitions: true, maxBranch: true });

/** The `splitEvery` of a reduction's options, after checking them. */
function splitEveryOf(where: string, opts: BagReduceOptions): number | false | undefined {
  return checkOptions(where, opts, REDUCE_KEYS).splitEvery;
}

/**
 * A lazy, partitioned sequence. Make one with `bag.fromSequence`, `bag.range`, `bag.readText`,
 * `bag.fromDelayed` or `bag.concat`.
 * @example
 * const b = bag.fromSequence([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { npartitions: 2 });
 * await b.map((x) => x ** 2).filter((x) => x % 2 === 0).compute();   // [4, 16, 36, 64, 100]
 * await b.sum().compute();                                            // 55
 */
export class Bag<T = unknown> implements Collection<T[]> {
  readonly __scheduler__: SchedulerName = 'processes';
  /** The name of this Bag's partitions in the graph (`${name}[i]` once transforms are pending). */
  readonly name: string;
  /** @internal Keys of the input partitions. */
  readonly base: readonly Key[];
  /** @internal Graph layers defining the input partitions and everything extra arguments need. */
  readonly layers: readonly Graph[];
  /** @internal Transforms not yet turned into tasks. */
  readonly steps: readonly Step[];
  /** @internal Use the creation functions (`bag.fromSequence`, ...). */
  constructor(name: string, base: readonly Key[], layers: readonly Graph[], steps: readonly Step[] = []) {
    this.name = name;
    this.base = base;
    this.layers = dedupe(layers);
    this.steps = steps;
  }

  /** The number of partitions. */
  get npartitions(): number {
    return this.base.length;
  }

  // ---- the collection protocol ----

  private built: { keys: Key[]; layers: Graph[] } | undefined;
  private merged: Graph | undefined;

  /**
   * This Bag's partition keys and the layers defining them: the input layers plus, when steps are
   * pending, one layer of pipeline tasks. Layers are shared, not merged, so a chain of k Bags
   * costs O(graph) rather than O(k × graph); `__graph__` merges once, for the scheduler.
   * @internal
   */
  graphLayers(): { keys: Key[]; layers: Graph[] } {
    if (this.built) return this.built;
    if (this.steps.length === 0) return (this.built = { keys: [...this.base], layers: [...this.layers] });
    const layer = new Map<Key, ReturnType<typeof task>>();
    const keys = this.base.map((_, i) => {
      const key = blockKey(this.name, [i]);
      const [fn, args] = this.pipelineTask(i, []);
      layer.set(key, task(key, fn, args));
      return key;
    });
    return (this.built = { keys, layers: [...this.layers, layer] });
  }

  /** Layers of this Bag's partitions, for a Bag built on top of it. */
  private own(): Graph[] {
    return this.graphLayers().layers;
  }

  /** The fused task of partition `i`: every pending step, then `more` (e.g. a streaming reduce). */
  private pipelineTask(i: number, more: readonly Step[]): [FnSpec, Arg[]] {
    const steps = [...this.steps, ...more].map((s) => [s.op, s.fn ? fnArg(s.fn) : null, s.arg, s.extras.map((e) => extraArg(e, i))] as Arg);
    return [parts.op('bag.pipeline'), [ref(this.base[i]!), steps, i]];
  }

  __graph__(): Graph {
    if (this.merged) return this.merged;
    const { layers } = this.graphLayers();
    return (this.merged = layers.length === 1 ? layers[0]! : mergeGraphs(layers));
  }

  __keys__(): Key[] {
    return this.graphLayers().keys;
  }

  __postcompute__(values: unknown[]): T[] {
    let n = 0;
    for (const v of values) n += (v as ArrayLike<T>).length;
    const out = new Array<T>(n);
    let i = 0;
    // Partitions are arrays, or Float64Arrays of packed numbers (fromSequence): read by index.
    for (const v of values as ArrayLike<T>[]) for (let j = 0; j < v.length; j++) out[i++] = v[j]!;
    return out;
  }

  __postpersist__(graph: Graph): Bag<T> {
    return new Bag<T>(this.name, this.__keys__(), [graph]);
  }

  // ---- running ----

  /** Compute every element, in order. @example await bag.range(5, { npartitions: 2 }).compute()  // [0, 1, 2, 3, 4] */
  async compute(opts: ComputeOptions = {}): Promise<T[]> {
    const [v] = await compute(this, checkComputeOptions('Bag.compute', opts));
    return v as T[];
  }

  /** Compute the partitions and return a Bag backed by the results. @example const p = await b.map(f).persist(); */
  async persist(opts: ComputeOptions = {}): Promise<Bag<T>> {
    const [p] = await persist(this, checkComputeOptions('Bag.persist', opts));
    return p as Bag<T>;
  }

  /** Draw the task graph; returns SVG (or DOT) text. @example await b.visualize({ filename: 'bag.svg' }) */
  visualize(opts: VisualizeOptions = {}): Promise<string> {
    return visualize(this, opts);
  }

  /**
   * The first `n` elements, computing only the first `npartitions` partitions (default 1, -1: all).
   * @example
   * await bag.range(100, { npartitions: 10 }).take(3);   // [0, 1, 2]; computes one partition
   */
  async take(n: number, opts: TakeOptions = {}): Promise<T[]> {
    const { npartitions = 1, warn = true, ...computeOpts } = checkOptions('Bag.take', opts, TAKE_KEYS);
    if (!Number.isInteger(n) || n < 0) throw new OptionError(messages.badOption('n', n, 'must be a whole number >= 0'));
    const np = npartitions === -1 ? this.npartitions : npartitions;
    if (!Number.isInteger(np) || np < 1) throw new OptionError(messages.badOption('npartitions', npartitions, 'must be a whole number >= 1, or -1 for all'));
    if (np > this.npartitions) throw new OptionError(messages.bagTakeTooMany(np, this.npartitions));
    const head = new Bag<T>(`take-${tokenize(this.name, n, np)}`, this.base.slice(0, np), this.layers, [...this.steps, { op: 'head', fn: null, arg: n, extras: [] }]);
    const got = (await head.compute(computeOpts)).slice(0, n);
    if (warn && got.length < n) process.emitWarning(messages.bagTakeShort(n, got.length, np));
    return got;
  }

  /**
   * A DataFrame with one partition per partition of this bag of records (Dask's `to_dataframe`).
   * Give `meta` (`{ column: dtype }`) to stay lazy; without it the first partition is computed to
   * find the columns, so the call returns a Promise.
   * @example
   * const people = bag.fromSequence([{ name: 'Ann', age: 31 }, { name: 'Bo', age: 27 }]);
   * const df = people.toDataFrame({ name: 'string', age: 'int32' });
   * await df.col('age').mean().compute();        // 29
   * const df2 = await people.toDataFrame();      // columns and dtypes from the first partition
   */
  toDataFrame(meta: Record<string, Dtype>): DataFrame;
  toDataFrame(meta?: undefined, opts?: ComputeOptions): Promise<DataFrame>;
  toDataFrame(meta?: Record<string, Dtype>, opts: ComputeOptions = {}): DataFrame | Promise<DataFrame> {
    if (meta) {
      checkComputeOptions('Bag.toDataFrame', opts); // nothing is computed, but a typo is still one
      return bagToDataFrame(this.toDelayed(), meta);
    }
    try {
      checkComputeOptions('Bag.toDataFrame', opts);
    } catch (e) {
      return Promise.reject(e);
    }
    const parts = this.toDelayed();
    if (parts.length === 0) return Promise.reject(new OptionError(messages.bagMetaUnknown(undefined)));
    return inferBagMeta(parts[0]!, opts).then((m) => bagToDataFrame(parts, m));
  }

  /**
   * One Delayed per partition, each computing to that partition's array (Dask's `to_delayed`).
   * @example
   * const [first] = bag.range(10, { npartitions: 2 }).map((x) => x * 2).toDelayed();
   * await first.compute();   // [0, 2, 4, 6, 8]
   */
  toDelayed(): Delayed<T[]>[] {
    const keys = this.__keys__();
    const graph = this.__graph__();
    const name = `to-delayed-${tokenize(this.name)}`;
    const layer = new Map<Key, GraphNode>();
    const out = keys.map((k, i) => {
      const key = blockKey(name, [i]);
      // bag.reify: a partition may be packed numbers (a Float64Array); users get an array.
      layer.set(key, task(key, parts.op('bag.reify'), [ref(k)]));
      return key;
    });
    const full = mergeGraphs([graph, layer]);
    return out.map((k) => new Delayed<T[]>(full.get(k)!, [], undefined, full));
  }

  // ---- element-wise transforms (fused per partition) ----

  private addStep<R>(op: string, fn: AnyFn | null, arg: unknown, extras: readonly unknown[], method: string): Bag<R> {
    const spec = fn ? specOf(fn) : null;
    const layers = [...this.layers];
    const ex = extras.map((x, i) => toExtra(x, this.npartitions, method, i + 1, layers));
    const step: Step = { op, fn: spec, arg, extras: ex };
    // As Dask, map-like steps are named after their function (`inc-…[i]`), so progress bars and
    // profiles say what runs; anonymous functions give the method's name.
    const prefix = NAMED_BY_FUNCTION.has(method) && fn && /^[A-Za-z_$][\w$]*$/.test(fn.name) ? fn.name : method;
    const name = `${prefix}-${tokenize(this.name, op, spec ? fnToken(fn!, spec) : null, arg, ex.map(extraToken))}`;
    return new Bag<R>(name, this.base, layers, [...this.steps, step]);
  }

  /**
   * Apply `f` to every element. Extra arguments follow the element: a Bag with the same
   * partitioning is zipped element by element, an Item or Delayed is computed first and passed
   * whole, anything else is passed as is. Use them for values `f` needs from outside: a function
   * that reads an outside variable cannot be sent to worker processes.
   * @example
   * b.map((x) => x * 2);
   * b.map((x, k) => x * k, 10);             // extra value
   * b.map((x, y) => x + y, other);          // zipped with another Bag
   * b.map((x, total) => x / total, b.sum()); // an Item, computed first
   */
  map<R, A extends unknown[]>(f: (x: T, ...args: A) => R, ...extras: BagArgs<A>): Bag<R> {
    return this.addStep('map', f, null, extras, 'map');
  }

  /** Spread each element (an array) into `f`'s arguments. @example bag.fromSequence([[1, 2], [3, 4]]).starmap((a, b) => a + b) */
  starmap<R, A extends unknown[]>(f: (...args: [...(T extends readonly unknown[] ? T : never), ...A]) => R, ...extras: BagArgs<A>): Bag<R> {
    return this.addStep('starmap', f as AnyFn, null, extras, 'starmap');
  }

  /** Keep the elements for which `pred` is truthy (no predicate: the truthy elements). @example b.filter((x) => x % 2 === 0) */
  filter<A extends unknown[]>(pred?: (x: T, ...args: A) => unknown, ...extras: BagArgs<A>): Bag<T> {
    return this.addStep('filter', pred ?? null, null, extras, 'filter');
  }

  /** Drop the elements for which `pred` is truthy. @example b.remove((x) => x % 2 === 0) */
  remove(pred: (x: T) => unknown): Bag<T> {
    return this.addStep('remove', pred, null, [], 'remove');
  }

  /** Concatenate the elements (each an array or iterable). @example bag.fromSequence([[1], [2, 3]]).flatten() // 1, 2, 3 */
  flatten(): Bag<T extends Iterable<infer E> ? E : unknown> {
    return this.addStep('flatten', null, null, [], 'flatten');
  }

  /**
   * Pick a property or index of each element (an array of keys picks several, as an array).
   * Without `dflt`, a missing key is an error.
   * @example
   * bag.fromSequence([{ a: 1 }, { a: 2 }]).pluck('a');       // 1, 2
   * bag.fromSequence(['Hello', '']).pluck(0, null);           // 'H', null
   */
  pluck<K extends keyof T>(key: K): Bag<T[K]>;
  pluck<K extends keyof T, D>(key: K, dflt: D): Bag<T[K] | D>;
  pluck(key: string | number | (string | number)[], ...dflt: [unknown?]): Bag<unknown>;
  pluck(key: string | number | (string | number)[], ...dflt: [unknown?]): Bag<unknown> {
    return this.addStep('pluck', null, [key, dflt.length > 0, dflt[0]], [], 'pluck');
  }

  /** Pair each element with the elements of other Bags of the same partitioning. @example a.zip(b) // [a0, b0], [a1, b1], ... */
  zip<U extends unknown[]>(...others: { [K in keyof U]: Bag<U[K]> }): Bag<[T, ...U]> {
    return this.addStep('zip', null, null, others.map((o, i) => (o instanceof Bag ? o : badZip(i))), 'zip');
  }

  /**
   * Apply `f` to each whole partition (an array); it returns the new partition (an array or
   * iterable; anything else becomes a one-element partition). Bag extras give their partition.
   * @example b.mapPartitions((xs) => [xs.length])   // one count per partition
   */
  mapPartitions<R, A extends unknown[]>(f: (part: T[], ...args: A) => Iterable<R> | R, ...extras: BagArgs<A>): Bag<R> {
    return this.addStep('mapPartitions', f as AnyFn, null, extras, 'mapPartitions');
  }

  // ---- transforms across partitions ----

  /**
   * Running reduction (Dask's `accumulate`): element i is binop applied to all elements up to i.
   * With `initial`, the result starts with it.
   * @example bag.fromSequence([1, 2, 3, 4], { npartitions: 2 }).accumulate((a, b) => a + b)  // 1, 3, 6, 10
   */
  accumulate<R = T>(binop: (acc: R, x: T) => R, ...initial: [R?]): Bag<R> {
    const token = tokenize(this.name, fnToken(binop, specOf(binop)), initial);
    const { keys, layer } = parts.accumulate(this.__keys__(), fnArg(specOf(binop)), initial.length > 0, initial[0], token);
    return new Bag<R>(`accumulate-${token}`, keys, [...this.own(), layer]);
  }

  /** Every pair of an element of this Bag and one of `other` (n × m partitions). @example a.product(b) */
  product<U>(other: Bag<U>): Bag<[T, U]> {
    const token = tokenize(this.name, other.name);
    const { keys, layer } = parts.product(this.__keys__(), other.__keys__(), token);
    return new Bag<[T, U]>(`product-${token}`, keys, [...this.own(), ...other.own(), layer]);
  }

  /** The same elements, in order, in `npartitions` partitions. @example bag.range(100, { npartitions: 10 }).repartition(3) */
  repartition(npartitions: number): Bag<T> {
    if (!Number.isInteger(npartitions) || npartitions < 1) throw new OptionError(messages.badOption('npartitions', npartitions, 'must be a whole number >= 1'));
    if (npartitions === this.npartitions) return this;
    const token = tokenize(this.name, npartitions);
    const { keys, layer } = parts.repartition(this.__keys__(), npartitions, token);
    return new Bag<T>(`repartition-${npartitions}-${token}`, keys, [...this.own(), layer]);
  }

  // ---- reductions (trees with splitEvery; see reductions.ts) ----

  private tree(name: string, tokenArgs: unknown[], splitEvery: number | false | undefined, r: Reduction): { key: Key; layers: Graph[] } {
    const se = parts.checkSplitEvery(splitEvery);
    const token = tokenize(this.name, name, se, tokenArgs);
    // A streaming reduction runs inside each partition's fused task, after the pending steps, so
    // the partition's elements are never collected into an array (see reducers.ts).
    const stream = r.stream;
    const perPartition = stream
      ? (i: number) => this.pipelineTask(i, [{ op: 'reduce', fn: null, arg: stream, extras: [] }])
      : (i: number) => r.per!(ref(this.__keys__()[i]!));
    const { key, layer } = parts.treeReduce(this.npartitions, { name, token, perPartition, combine: r.combine, splitEvery: se });
    return { key, layers: stream ? [...this.layers, layer] : [...this.own(), layer] };
  }

  private toItem<R>(name: string, tokenArgs: unknown[], splitEvery: number | false | undefined, r: Reduction): Item<R> {
    const { key, layers } = this.tree(name, tokenArgs, splitEvery, r);
    return new Item<R>(key, layers);
  }

  /** A reduction whose result is a one-partition Bag (distinct, frequencies, topk, foldBy). */
  private toBag<R>(name: string, tokenArgs: unknown[], splitEvery: number | false | undefined, r: Reduction): Bag<R> {
    const { key, layers } = this.tree(name, tokenArgs, splitEvery, r);
    return new Bag<R>(key, [key], layers);
  }

  /**
   * A tree reduction (Dask's `Bag.reduction`): `perPartition` gets each partition's elements,
   * `aggregate` gets lists of up to `splitEvery` partial results, level by level, then all that
   * remain (so it must accept its own outputs).
   * @example
   * b.reduction((xs) => xs.length, (counts) => counts.reduce((a, c) => a + c, 0));   // like count()
   */
  reduction<P, R>(perPartition: (part: T[]) => P, aggregate: (partials: (P | R)[]) => R, opts: ReductionOptions = {}): Item<R> {
    checkOptions('Bag.reduction', opts, REDUCTION_KEYS);
    const per = specOf(perPartition as AnyFn);
    const agg = specOf(aggregate as AnyFn);
    const name = opts.name ?? (perPartition.name && perPartition.name === aggregate.name ? perPartition.name : 'reduction');
    return this.toItem(name, [fnToken(perPartition as AnyFn, per), fnToken(aggregate as AnyFn, agg)], opts.splitEvery, reductions.user(fnArg(per), fnArg(agg)));
  }

  /**
   * Fold each partition with `binop` (starting from `initial` when given), then combine the
   * partial results with `combine` (default: `binop`). Without `initial`, an empty bag is an error.
   * @example
   * b.fold((a, x) => a + x);                                           // the sum
   * b.fold((s, x) => s.add(x), (a, c) => new Set([...a, ...c]), { initial: new Set() });
   */
  fold<R = T>(binop: (acc: R, x: T) => R, combine?: (a: R, b: R) => R, opts: FoldOptions<R> = {}): Item<R> {
    checkOptions('Bag.fold', opts, FOLD_KEYS);
    const b = specOf(binop as AnyFn);
    const c = combine ? specOf(combine as AnyFn) : b;
    const hasInitial = 'initial' in opts;
    const tok = [fnToken(binop as AnyFn, b), combine ? fnToken(combine as AnyFn, c) : null, hasInitial, opts.initial];
    return this.toItem('fold', tok, opts.splitEvery, reductions.fold(fnArg(b), fnArg(c), hasInitial, opts.initial as Arg));
  }

  /**
   * Group by `key` and fold each group (Dask's `foldby`), as a tree reduction: each partition folds
   * its groups, then partial groups are merged with `combine` (default `binop`). Returns a
   * one-partition Bag of `[key, value]` pairs. `key` may be a function, a property name or an index.
   * `initial` / `combineInitial` may be functions (as in toolz's `reduceby`): they are called to
   * make a fresh start value for each key, for accumulators that `binop` mutates.
   * @example
   * b.foldBy((x) => x % 2 === 0, (acc, x) => acc + x, 0);   // [[true, sumOfEvens], [false, sumOfOdds]]
   */
  foldBy<K, R = T>(
    key: ((x: T) => K) | string | number,
    binop: (acc: R, x: T) => R,
    initial?: R | (() => R),
    combine?: (a: R, b: R) => R,
    combineInitial?: R | (() => R),
    opts: BagReduceOptions = {},
  ): Bag<[K, R]> {
    const k = keyArg(key);
    const b = specOf(binop as AnyFn);
    const c = combine ? specOf(combine as AnyFn) : b;
    const init = initialArg(initial);
    const cinit = initialArg(combineInitial);
    const tok = [k.token, fnToken(binop as AnyFn, b), init.token, combine ? fnToken(combine as AnyFn, c) : null, cinit.token];
    const r = reductions.foldBy(k.arg, fnArg(b), initial !== undefined, init.arg, fnArg(c), combineInitial !== undefined, cinit.arg);
    return this.toBag('foldby', tok, splitEveryOf('Bag.foldBy', opts), r);
  }

  /** The number of elements. @example await bag.range(10, { npartitions: 3 }).count().compute()  // 10 */
  count(opts: BagReduceOptions = {}): Item<number> {
    return this.toItem('count', [], splitEveryOf('Bag.count', opts), reductions.count());
  }

  /** The sum of the elements (0 for an empty bag). @example await bag.range(10, { npartitions: 3 }).sum().compute()  // 45 */
  sum(opts: BagReduceOptions = {}): Item<number> {
    return this.toItem('sum', [], splitEveryOf('Bag.sum', opts), reductions.sum());
  }

  /** The smallest element (an empty bag is an error). @example await b.min().compute() */
  min(opts: BagReduceOptions = {}): Item<T> {
    return this.toItem('min', [], splitEveryOf('Bag.min', opts), reductions.minmax(false));
  }

  /** The largest element (an empty bag is an error). @example await b.max().compute() */
  max(opts: BagReduceOptions = {}): Item<T> {
    return this.toItem('max', [], splitEveryOf('Bag.max', opts), reductions.minmax(true));
  }

  /** The mean (an empty bag is an error). @example await bag.range(5, { npartitions: 2 }).mean().compute()  // 2 */
  mean(opts: BagReduceOptions = {}): Item<number> {
    return this.toItem('mean', [], splitEveryOf('Bag.mean', opts), reductions.moments('mean', 0));
  }

  /** The variance with `ddof` degrees of freedom removed (default 0, like Dask/NumPy). @example await b.var().compute() */
  var(ddof = 0, opts: BagReduceOptions = {}): Item<number> {
    return this.toItem('var', [ddof], splitEveryOf('Bag.var', opts), reductions.moments('var', ddof));
  }

  /** The standard deviation (`ddof` as for `var`). @example await b.std().compute() */
  std(ddof = 0, opts: BagReduceOptions = {}): Item<number> {
    return this.toItem('std', [ddof], splitEveryOf('Bag.std', opts), reductions.moments('std', ddof));
  }

  /** Whether any element is truthy (false for an empty bag). @example await b.any().compute() */
  any(opts: BagReduceOptions = {}): Item<boolean> {
    return this.toItem('any', [], splitEveryOf('Bag.any', opts), reductions.any());
  }

  /** Whether every element is truthy (true for an empty bag). @example await b.all().compute() */
  all(opts: BagReduceOptions = {}): Item<boolean> {
    return this.toItem('all', [], splitEveryOf('Bag.all', opts), reductions.all());
  }

  /**
   * How often each distinct element occurs: a one-partition Bag of `[value, count]` in order of
   * first appearance, or by count, largest first, with `sortDescending`.
   * @example await bag.fromSequence(['a', 'b', 'b']).frequencies(true).compute()   // [['b', 2], ['a', 1]]
   */
  frequencies(sortDescending = false, opts: BagReduceOptions = {}): Bag<[T, number]> {
    return this.toBag('frequencies', [sortDescending], splitEveryOf('Bag.frequencies', opts), reductions.frequencies(sortDescending));
  }

  /**
   * The `k` largest elements, largest first (by `key`: a function, property name or index).
   * @example await bag.range(10, { npartitions: 3 }).topk(2).compute()   // [9, 8]
   */
  topk(k: number, key?: ((x: T) => unknown) | string | number, opts: BagReduceOptions = {}): Bag<T> {
    if (!Number.isInteger(k) || k < 0) throw new OptionError(messages.badOption('k', k, 'must be a whole number >= 0'));
    const kk = key === undefined ? { arg: null, token: null } : keyArg(key);
    return this.toBag('topk', [k, kk.token], splitEveryOf('Bag.topk', opts), reductions.topk(k, kk.arg));
  }

  /**
   * The distinct elements (by `key` when given), in order of first appearance, as a
   * one-partition Bag (a tree reduction, as in Dask).
   * @example await bag.fromSequence([1, 2, 1, 3]).distinct().compute()   // [1, 2, 3]
   */
  distinct(key?: ((x: T) => unknown) | string | number, opts: BagReduceOptions = {}): Bag<T> {
    const kk = key === undefined ? { arg: null, token: null } : keyArg(key);
    return this.toBag('distinct', [kk.token], splitEveryOf('Bag.distinct', opts), reductions.distinct(kk.arg));
  }

  /**
   * Group elements by `key` into `[key, elements]` pairs with a shuffle across partitions: each
   * partition is cut into `npartitions` buckets by key hash and each output partition gathers its
   * buckets (default: as many partitions as this Bag). Elements keep their order within a group.
   * Past `maxBranch` partitions (default 32, Dask's) the shuffle runs in stages of at most that
   * fan-out, so the task count grows as n·log(n) rather than n².
   * @example await bag.range(6, { npartitions: 2 }).groupBy((x) => x % 2).compute()   // [[0, [0, 2, 4]], [1, [1, 3, 5]]] (group order may vary)
   */
  groupBy<K>(key: ((x: T) => K) | string | number, opts: BagGroupByOptions = {}): Bag<[K, T[]]> {
    checkOptions('Bag.groupBy', opts, GROUP_BY_KEYS);
    const nout = opts.npartitions ?? this.npartitions;
    if (!Number.isInteger(nout) || nout < 1) throw new OptionError(messages.badOption('npartitions', nout, 'must be a whole number >= 1'));
    const maxBranch = opts.maxBranch ?? parts.DEFAULT_MAX_BRANCH;
    if (!Number.isInteger(maxBranch) || maxBranch < 2) throw new OptionError(messages.badOption('maxBranch', maxBranch, 'must be a whole number >= 2'));
    const k = keyArg(key);
    const token = tokenize(this.name, k.token, nout, maxBranch);
    const { keys, layer } = parts.shuffle(this.__keys__(), k.arg, nout, token, maxBranch);
    return new Bag<[K, T[]]>(`groupby-${token}`, keys, [...this.own(), layer]);
  }

  /**
   * Write each partition to a text file, one element (a string) per line; `.gz` paths are
   * gzipped. Returns the paths written. `'out/*.txt'` names files by partition number.
   * @example
   * await b.map((x) => JSON.stringify(x)).toTextFiles('out/*.json');   // ['/…/out/0.json', …]
   */
  async toTextFiles(pattern: string | readonly string[], opts: ToTextFilesOptions = {}): Promise<string[]> {
    const { encoding = 'utf-8', ...computeOpts } = checkOptions('Bag.toTextFiles', opts, TO_TEXT_FILES_KEYS);
    const paths = textFileTargets(pattern, this.npartitions);
    const token = tokenize(this.name, paths, encoding);
    const { keys, layer } = writeLayer(this.__keys__(), paths, encoding, token);
    return new Bag<string>(`to-textfiles-${token}`, keys, [...this.own(), layer]).compute(computeOpts);
  }

  // ---- display ----

  toString(): string {
    return `shoal.Bag<${keyPrefix(this.name)}, npartitions=${this.npartitions}>`;
  }

  [INSPECT](): string {
    return this.toString();
  }

  /** A small HTML table (notebooks): name, partitions and tasks. @example tslab.display.html(b.reprHtml()) */
  reprHtml(): string {
    return (
      `<table><caption>shoal.Bag ${escapeHtml(keyPrefix(this.name))}</caption>` +
      `<tr><th>npartitions</th><td>${this.npartitions}</td></tr>` +
      `<tr><th>tasks</th><td>${this.__graph__().size}</td></tr></table>`
    );
  }
}

registerTokenizer(
  (v) => v instanceof Bag,
  (v) => (v as Bag).name,
);

const NAMED_BY_FUNCTION = new Set(['map', 'starmap', 'mapPartitions']);

function dedupe(layers: readonly Graph[]): Graph[] {
  return [...new Set(layers)];
}

function badZip(i: number): never {
  throw new OptionError(messages.badOption(`zip argument ${i + 1}`, '(not a Bag)', 'zip takes Bags'));
}

/** Turn an extra argument into a graph reference or a value, adding the layers it needs. */
function toExtra(x: unknown, npartitions: number, method: string, position: number, layers: Graph[]): Extra {
  if (x instanceof Bag) {
    if (x.npartitions !== npartitions) throw new OptionError(messages.bagPartitionsMismatch(method, position, x.npartitions, npartitions));
    layers.push(...x.graphLayers().layers);
    return { kind: 'bag', keys: x.__keys__() };
  }
  if (x instanceof Item) {
    layers.push(...x.layers);
    return { kind: 'ref', key: x.key };
  }
  if (x instanceof Delayed) {
    layers.push(x.__graph__());
    return { kind: 'ref', key: x.key };
  }
  if (typeof x === 'function') return { kind: 'value', value: fnArg(specOf(x as AnyFn)) };
  return { kind: 'value', value: x };
}
