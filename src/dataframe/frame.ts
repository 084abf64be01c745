/**
 * DataFrame: a lazy sequence of partitions (see README.md). It holds a *source* (how partitions
 * are produced: read a CSV block, generate, or take the results of earlier tasks), blockwise
 * *steps*, and its *meta* (column names and dtypes). Graphs are built on demand: one fused task per
 * partition after column pruning, plus whatever a reduction, shuffle or join adds on top.
 */
import type { Schema, Table } from 'apache-arrow';
import { checkComputeOptions, compute, type Collection, type ComputeOptions } from '../base.ts';
import type { SchedulerName } from '../config.ts';
import { DTYPES, type Dtype } from '../io/csv-columns.ts';
import { blockKey } from '../graph/keys.ts';
import { registerTokenizer, tokenize } from '../graph/tokenize.ts';
import { fnArg, ref, task, type Arg, type FnSpec, type Graph, type GraphNode, type Key } from '../graph/types.ts';
import { specOf } from '../schedulers/specs.ts';
import type { AnyFn } from '../schedulers/registry.ts';
import { OptionError, messages } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import type { Expr } from './expr.ts';
import './kernels.ts';
import type { Input } from './kernels.ts';
import { arrowSchema, concatParts, emptyPart, partToTable, tableToPart, type Meta, type Part } from './part.ts';
import { emptyTable, metaAfter, pruneSteps, type Step } from './steps.ts';
import { sortPart } from './shuffle-kernels.ts';
import { Scalar } from './scalar.ts';
import { Series } from './series.ts';
import { GroupBy, type GroupByOptions } from './groupby.ts';
import { describeFrame, frameReduction, lengthOf, splitEveryOf, treeReduce, type FrameReduceOptions } from './frame-reduce.ts';
import { mergeFrames, sortFrame, type MergeOptions } from './merge.ts';
import { toArrowFile, toCsvFiles, type ToCsvOptions } from './write.ts';
import { reprHtml, reprText } from './repr.ts';
import { repartitionBySize, repartitionTo } from './repartition.ts';
import { MAP_PARTITIONS_KEYS, REPARTITION_KEYS, SAMPLE_KEYS, SORT_VALUES_KEYS, type MapPartitionsOptions, type RepartitionOptions, type SampleOptions, type SortValuesOptions } from './frame-options.ts';

const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** Kernel specs by name (the kernels module registers them; workers import it by URL). */
export function op(name: string): FnSpec {
  return { kind: 'op', name };
}

/** How a DataFrame's partitions are produced. */
export type Source =
  | { kind: 'gen'; gen: 'csv' | 'timeseries' | 'ipc' | 'json'; args: unknown[]; meta: Meta; token: string }
  | { kind: 'graph'; graph: Graph; keys: Key[]; meta: Meta; token: string };

/** The per-partition inputs of a DataFrame for a result needing `needed` columns. */
export interface Layer {
  graph: Map<Key, GraphNode>;
  inputs: Arg[];
  steps: Step[];
  token: string;
}

export type DtypeName = Dtype;

/**
 * A lazy, partitioned table. Build one with `readCsv`, `fromArrow`, `fromRecords`,
 * `fromDelayed`, `readJson`, `readArrow` or `datasets.timeseries`; `compute()` gives an Arrow Table.
 * @example
 * const df = readCsv('datasets/weather.csv', { parseDates: ['date'] });
 * const wet = df.filter(df.col('precipitation').gt(0));
 * await wet.col('temp_max').mean().compute();
 */
export class DataFrame implements Collection<Table> {
  readonly __scheduler__: SchedulerName = 'threads';
  /** @internal */ readonly source: Source;
  /** @internal */ readonly steps: readonly Step[];
  /** @internal */ readonly meta: Meta;
  /** @internal Columns the computed table is sorted by (group-by results over several buckets). */
  readonly sortedBy: readonly string[] | undefined;
  /** @internal */ readonly token: string;
  private cached: { graph: Graph; keys: Key[] } | undefined;

  /** @internal */
  constructor(source: Source, steps: readonly Step[], meta?: Meta, sortedBy?: readonly string[]) {
    this.source = source;
    this.steps = steps;
    this.meta = meta ?? metaAfter(source.meta, steps);
    this.sortedBy = sortedBy?.every((k) => this.meta.names.includes(k)) ? sortedBy : undefined;
    this.token = tokenize(source.token, steps);
  }

  /** Column names. @example df.columns  // ['timestamp', 'id', 'name', 'x', 'y'] */
  get columns(): string[] {
    return this.meta.names.slice();
  }

  /** The Arrow schema of the result. @example df.dtypes.fields.map((f) => String(f.type)) */
  get dtypes(): Schema {
    return arrowSchema(this.meta);
  }

  /** Column name → shoal dtype ('float64', 'int32', 'bool', 'string', 'date'). @example df.dtypeOf  // { x: 'float64' } */
  get dtypeOf(): Record<string, Dtype> {
    return Object.fromEntries(this.meta.names.map((n, i) => [n, this.meta.dtypes[i]!]));
  }

  /** Number of partitions. @example readCsv('data/*.csv').npartitions */
  get npartitions(): number {
    return this.source.kind === 'gen' ? this.source.args.length : this.source.keys.length;
  }

  /** @internal A DataFrame with more steps. */
  withSteps(...more: Step[]): DataFrame {
    return new DataFrame(this.source, [...this.steps, ...more], undefined, this.sortedBy);
  }

  /** @internal The inputs of each partition, pruned to the columns `needed` (null: all). */
  layer(needed: ReadonlySet<string> | null): Layer {
    const pruned = pruneSteps(this.steps, needed);
    const src = this.source;
    const graph = new Map<Key, GraphNode>();
    let inputs: Arg[];
    let steps = pruned.steps;
    if (src.kind === 'gen') {
      const columns = pruned.columns ? src.meta.names.filter((n) => pruned.columns!.has(n)) : src.meta.names.slice();
      inputs = src.args.map((arg) => ({ kind: 'gen', gen: src.gen, arg, columns }) as Input as Arg);
    } else {
      for (const [k, v] of src.graph) graph.set(k, v);
      inputs = src.keys.map((k) => ({ kind: 'part', part: ref(k) }) as unknown as Arg);
      if (pruned.columns && pruned.columns.size < src.meta.names.length) {
        const keep = src.meta.names.filter((n) => pruned.columns!.has(n));
        steps = [{ op: 'project', cols: keep.map((n) => [n, { op: 'col', name: n }]) }, ...steps];
      }
    }
    return { graph, inputs, steps, token: tokenize(this.token, pruned.columns ? [...pruned.columns].sort() : null) };
  }

  /** @internal Partition tasks over a layer. */
  partitionKeys(): { graph: Graph; keys: Key[] } {
    if (this.cached) return this.cached;
    const l = this.layer(null);
    const name = `${this.source.kind === 'gen' ? `read-${this.source.gen}` : 'df'}-${l.token}`;
    const keys = l.inputs.map((input, i) => {
      const k = blockKey(name, [i]);
      l.graph.set(k, task(k, op('df.part'), [input, l.steps as unknown as Arg, i]));
      return k;
    });
    return (this.cached = { graph: l.graph, keys });
  }

  __graph__(): Graph {
    return this.partitionKeys().graph;
  }
  __keys__(): Key[] {
    return this.partitionKeys().keys;
  }
  __postcompute__(values: unknown[]): Table {
    let part = concatParts(values as Part[], this.meta);
    if (part.names.length === 0 && this.meta.names.length) part = emptyPart(this.meta);
    if (this.sortedBy && values.length > 1) part = sortPart(part, [...this.sortedBy], this.sortedBy.map(() => true));
    return partToTable(part);
  }
  __postpersist__(graph: Graph): DataFrame {
    const keys = this.partitionKeys().keys;
    return new DataFrame({ kind: 'graph', graph, keys, meta: this.meta, token: tokenize('persisted', keys) }, [], this.meta, this.sortedBy);
  }

  /** Compute every partition and concatenate them into an Arrow Table. @example await df.compute() */
  async compute(opts: ComputeOptions = {}): Promise<Table> {
    const [t] = await compute(this, checkComputeOptions('DataFrame.compute', opts));
    return t as Table;
  }

  /** @internal A DataFrame over already built partition keys. */
  static fromKeys(graph: Graph, keys: Key[], meta: Meta, sortedBy?: readonly string[]): DataFrame {
    return new DataFrame({ kind: 'graph', graph, keys, meta, token: tokenize('keys', keys) }, [], meta, sortedBy);
  }

  private checkColumns(names: readonly string[], what: string): void {
    for (const n of names) if (!this.meta.names.includes(n)) throw new OptionError(messages.unknownColumn(n, this.meta.names, what));
  }

  // ---- columns ----

  /** One column as a Series (Dask's `df['x']`). @example df.col('x').mul(2) */
  col(name: string): Series {
    this.checkColumns([name], 'col');
    return new Series(this, { op: 'col', name }, name);
  }

  /** Keep only these columns, in this order. @example df.select(['name', 'x']) */
  select(names: string[]): DataFrame {
    this.checkColumns(names, 'select');
    return this.withSteps({ op: 'project', cols: names.map((n) => [n, { op: 'col', name: n }]) });
  }

  /** All columns but these. @example df.drop(['id']) */
  drop(names: string | string[]): DataFrame {
    const list = typeof names === 'string' ? [names] : names;
    this.checkColumns(list, 'drop');
    return this.select(this.meta.names.filter((n) => !list.includes(n)));
  }

  /** Rename columns. @example df.rename({ x: 'x1' }) */
  rename(map: Record<string, string>): DataFrame {
    this.checkColumns(Object.keys(map), 'rename');
    return this.withSteps({ op: 'project', cols: this.meta.names.map((n) => [map[n] ?? n, { op: 'col', name: n }]) });
  }

  /**
   * Add or replace columns (Series of this DataFrame, or constants).
   * @example df.assign({ z: df.col('x').mul(2), one: 1 })
   */
  assign(cols: Record<string, Series | number | string | boolean>): DataFrame {
    const exprs = new Map<string, Expr>(this.meta.names.map((n) => [n, { op: 'col', name: n }]));
    for (const [name, v] of Object.entries(cols)) {
      if (v instanceof Series) {
        if (v.frame.token !== this.token) throw new OptionError(messages.foreignSeries('assign'));
        exprs.set(name, v.expr);
      } else exprs.set(name, { op: 'lit', value: v, dtype: typeof v === 'number' ? 'float64' : typeof v === 'boolean' ? 'bool' : 'string' });
    }
    return this.withSteps({ op: 'project', cols: [...exprs] });
  }

  /** Convert columns to other dtypes. @example df.astype({ id: 'float64' }) */
  astype(dtypes: Record<string, Dtype>): DataFrame {
    this.checkColumns(Object.keys(dtypes), 'astype');
    for (const [n, d] of Object.entries(dtypes)) if (!DTYPES.includes(d)) throw new OptionError(messages.badDtype(n, d));
    return this.withSteps({
      op: 'project',
      cols: this.meta.names.map((n) => [n, dtypes[n] ? { op: 'cast', a: { op: 'col', name: n }, dtype: dtypes[n]! } : { op: 'col', name: n }]),
    });
  }

  // ---- rows ----

  /** Rows where `mask` is true (Dask's `df[df.x > 0]`). @example df.filter(df.col('x').gt(0)) */
  filter(mask: Series): DataFrame {
    if (mask.frame.token !== this.token) throw new OptionError(messages.foreignSeries('filter'));
    return this.withSteps({ op: 'filter', mask: mask.expr });
  }

  /** Rows without nulls (NaN counts as null) in `subset` (default: every column). @example df.dropNulls(['x']) */
  dropNulls(subset?: string[]): DataFrame {
    if (subset) this.checkColumns(subset, 'dropNulls');
    return this.withSteps({ op: 'dropNulls', subset: subset ?? null });
  }

  /** A random fraction of the rows, reproducible with `seed`. @example df.sample({ frac: 0.1, seed: 1 }) */
  sample(opts: SampleOptions): DataFrame {
    checkOptions('DataFrame.sample', opts, SAMPLE_KEYS, true);
    if (!(opts.frac >= 0 && opts.frac <= 1)) throw new OptionError(messages.badOption('frac', opts.frac, 'a fraction between 0 and 1'));
    return this.withSteps({ op: 'sample', frac: opts.frac, seed: opts.seed ?? 0 });
  }

  /**
   * Rows with distinct values of `subset` (default: all columns); the first occurrence is kept.
   * The result has one partition (a tree reduction, like Dask's default `split_out=1`).
   * @example df.dropDuplicates(['name'])
   */
  dropDuplicates(subset?: string[], opts: FrameReduceOptions = {}): DataFrame {
    const splitEvery = splitEveryOf('DataFrame.dropDuplicates', opts);
    if (subset) this.checkColumns(subset, 'dropDuplicates');
    const step: Step = { op: 'dedupe', subset: subset ?? null };
    const local = this.withSteps(step);
    const { graph, key } = treeReduce(local, { kind: 'collect' }, splitEvery, 'drop-duplicates', null);
    const out = DataFrame.fromKeys(graph, [key], this.meta);
    return out.withSteps(step);
  }

  /**
   * Apply a function to every partition as an Arrow Table; it must return a Table. Without
   * `meta`, the function is probed once with an empty table to learn the output columns.
   * @example df.mapPartitions((t) => t.select(['x']), { meta: { x: 'float64' } })
   */
  mapPartitions(fn: (table: Table, ...args: never[]) => Table, opts: MapPartitionsOptions = {}): DataFrame {
    checkOptions('DataFrame.mapPartitions', opts, MAP_PARTITIONS_KEYS);
    let meta: Meta;
    if (opts.meta) meta = { names: Object.keys(opts.meta), dtypes: Object.values(opts.meta) };
    else {
      const probe = tableToPart((fn as AnyFn)(emptyTable(this.meta), ...(opts.args ?? [])) as Table);
      meta = { names: probe.names, dtypes: probe.columns.map((c) => c.dtype) };
    }
    return this.withSteps({ op: 'map', fn: fnArg(specOf(fn as AnyFn)), meta, args: opts.args ?? [] });
  }

  /** The `i`-th partition(s) as a DataFrame. @example df.partitions(0) */
  partitions(i: number | number[]): DataFrame {
    const idx = typeof i === 'number' ? [i] : i;
    for (const k of idx) if (!Number.isInteger(k) || k < 0 || k >= this.npartitions) throw new OptionError(messages.badOption('partitions', k, `an index between 0 and ${this.npartitions - 1}`));
    const src = this.source;
    const sub: Source =
      src.kind === 'gen'
        ? { ...src, args: idx.map((k) => src.args[k]), token: tokenize(src.token, idx) }
        : { ...src, keys: idx.map((k) => src.keys[k]!), token: tokenize(src.token, idx) };
    return new DataFrame(sub, this.steps, this.meta, this.sortedBy);
  }

  /**
   * The first `n` rows as an Arrow Table, computing only as many partitions as needed.
   * @example await df.head(5)
   */
  async head(n = 5, opts: ComputeOptions = {}): Promise<Table> {
    checkComputeOptions('DataFrame.head', opts);
    const parts: Part[] = [];
    let got = 0;
    for (let i = 0; i < this.npartitions && got < n; i++) {
      const t = await this.partitions(i).withSteps({ op: 'head', n: n - got }).compute(opts);
      const p = tableToPart(t);
      parts.push(p);
      got += p.length;
    }
    return partToTable(parts.length ? concatParts(parts, this.meta) : emptyPart(this.meta));
  }

  /** The last `n` rows as an Arrow Table (computes partitions from the end). @example await df.tail(5) */
  async tail(n = 5, opts: ComputeOptions = {}): Promise<Table> {
    checkComputeOptions('DataFrame.tail', opts);
    const parts: Part[] = [];
    let got = 0;
    for (let i = this.npartitions - 1; i >= 0 && got < n; i--) {
      const p = tableToPart(await this.partitions(i).withSteps({ op: 'tail', n: n - got }).compute(opts));
      parts.unshift(p);
      got += p.length;
    }
    return partToTable(parts.length ? concatParts(parts, this.meta) : emptyPart(this.meta));
  }

  /** The number of rows (lazy). @example await df.length().compute() */
  length(): Scalar<number> {
    return lengthOf(this);
  }

  // ---- reductions per column ----

  /** Sum of every numeric column. @example await df.sum().compute()  // { x: 1.5, y: 2 } */
  sum(opts: FrameReduceOptions = {}): Scalar<Record<string, number>> {
    return frameReduction(this, 'sum', splitEveryOf('DataFrame.sum', opts));
  }
  /** Mean of every numeric column. */
  mean(opts: FrameReduceOptions = {}): Scalar<Record<string, number>> {
    return frameReduction(this, 'mean', splitEveryOf('DataFrame.mean', opts));
  }
  /** Minimum of every column. */
  min(opts: FrameReduceOptions = {}): Scalar<Record<string, number | string>> {
    return frameReduction(this, 'min', splitEveryOf('DataFrame.min', opts));
  }
  /** Maximum of every column. */
  max(opts: FrameReduceOptions = {}): Scalar<Record<string, number | string>> {
    return frameReduction(this, 'max', splitEveryOf('DataFrame.max', opts));
  }
  /** Non-null count of every column. */
  count(opts: FrameReduceOptions = {}): Scalar<Record<string, number>> {
    return frameReduction(this, 'count', splitEveryOf('DataFrame.count', opts));
  }
  /** Sample standard deviation (ddof 1) of every numeric column. */
  std(opts: FrameReduceOptions = {}): Scalar<Record<string, number>> {
    return frameReduction(this, 'std', splitEveryOf('DataFrame.std', opts));
  }
  /** Sample variance (ddof 1) of every numeric column. */
  var(opts: FrameReduceOptions = {}): Scalar<Record<string, number>> {
    return frameReduction(this, 'var', splitEveryOf('DataFrame.var', opts));
  }
  /** Distinct non-null values per column. */
  nunique(opts: FrameReduceOptions = {}): Scalar<Record<string, number>> {
    return frameReduction(this, 'nunique', splitEveryOf('DataFrame.nunique', opts));
  }

  /**
   * count, mean, std, min, 25%, 50%, 75%, max of the numeric columns, as a Table with a `stat`
   * column first (percentiles are approximate past 1,000 values per partition; see README).
   * @example await df.describe().compute()
   */
  describe(opts: FrameReduceOptions = {}): Scalar<Table> {
    return describeFrame(this, splitEveryOf('DataFrame.describe', opts));
  }

  /** Group rows by key columns. @example df.groupby('name').agg({ x: 'mean', y: ['min', 'max'] }) */
  groupby(keys: string | string[], opts: GroupByOptions = {}): GroupBy {
    const list = typeof keys === 'string' ? [keys] : keys;
    this.checkColumns(list, 'groupby');
    return new GroupBy(this, list, opts);
  }

  /**
   * Join with another DataFrame on key columns (broadcast when one side has one partition, hash
   * shuffle otherwise).
   * @example left.merge(right, { on: 'id', how: 'left' })
   */
  merge(other: DataFrame, opts: MergeOptions): DataFrame {
    return mergeFrames(this, other, opts);
  }

  /**
   * Sort by columns (sample-based range partitioning on the first one; nulls last).
   * @example df.sortValues('x', { ascending: false })
   */
  sortValues(by: string | string[], opts: SortValuesOptions = {}): DataFrame {
    checkOptions('DataFrame.sortValues', opts, SORT_VALUES_KEYS);
    return sortFrame(this, typeof by === 'string' ? [by] : by, opts);
  }

  /**
   * Change the number of partitions: fewer by concatenating neighbours, more by splitting each
   * partition into equal slices. Row order is kept. With `partitionSize` ('100MB' or bytes of
   * column memory), the partitions' sizes are computed first (like Dask), so it returns a Promise.
   * @example
   * df.repartition({ npartitions: 2 });
   * await df.repartition({ partitionSize: '64MB' });
   */
  repartition(opts: { npartitions: number }): DataFrame;
  repartition(opts: { partitionSize: number | string }, computeOpts?: ComputeOptions): Promise<DataFrame>;
  repartition(opts: RepartitionOptions, computeOpts: ComputeOptions = {}): DataFrame | Promise<DataFrame> {
    checkOptions('DataFrame.repartition', opts, REPARTITION_KEYS, true);
    if (opts.partitionSize !== undefined) return repartitionBySize(this, opts.partitionSize, computeOpts);
    return repartitionTo(this, opts.npartitions!);
  }

  // ---- writing ----

  /**
   * Write CSV: one file per partition (`*` in the path is the partition number) or one file with
   * `{ singleFile: true }`. Runs now; returns the paths written.
   * @example await df.toCsv('out/part-*.csv')
   */
  toCsv(path: string, opts: ToCsvOptions = {}): Promise<string[]> {
    return toCsvFiles(this, path, opts);
  }

  /** Write an Arrow IPC file (one record batch per partition). @example await df.toArrow('out.arrow') */
  async toArrow(path: string, opts: ComputeOptions = {}): Promise<string> {
    return toArrowFile(this, path, checkComputeOptions('DataFrame.toArrow', opts));
  }

  /** A one-line description. @example String(df)  // 'DataFrame(npartitions=8, columns=[timestamp: date, …])' */
  toString(): string {
    return reprText(this);
  }
  [INSPECT](): string {
    return this.toString();
  }
  /** An HTML table of the schema and partition count (for notebooks). @example df.reprHtml() */
  reprHtml(): string {
    return reprHtml(this);
  }
}

registerTokenizer(
  (v) => v instanceof DataFrame,
  (v) => (v as DataFrame).token,
);
