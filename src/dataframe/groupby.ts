/**
 * Group-by: `df.groupby(keys)` then an aggregation. Per partition, one fused task reads only the
 * key and value columns and reduces them to partial aggregates by key; partials merge in a tree of
 * `splitEvery`. With `splitOut > 1` each partial is cut into hash buckets of the key first and each
 * bucket has its own tree (Dask's `split_out`, a hash shuffle of the partials), so no single task
 * holds every group. The result is a DataFrame whose computed Table has the key columns first and
 * is sorted by key.
 */
import { blockKey } from '../graph/keys.ts';
import { tokenize } from '../graph/tokenize.ts';
import { fnArg, ref, task, type Arg, type Key } from '../graph/types.ts';
import type { AnyFn } from '../schedulers/registry.ts';
import { specOf } from '../schedulers/specs.ts';
import type { Dtype } from '../io/csv-columns.ts';
import { OptionError, messages } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { DataFrame, op } from './frame.ts';
import { checkSplitEvery, chunkTasks } from './frame-reduce.ts';
import { AGG_FNS, aggDtype, type AggFn, type AggSpec, type GroupSpec } from './groupby-agg.ts';

/** What `new Aggregation(spec)` takes. */
export interface AggregationSpec<S> {
  name: string;
  chunk: (values: Array<number | string | boolean>) => S;
  combine: (states: S[]) => S;
  finalize: (state: S) => number | null;
}
const AGGREGATION_KEYS = optionKeys<AggregationSpec<unknown>>({ name: true, chunk: true, combine: true, finalize: true });

/**
 * A custom group aggregation (Dask's `dd.Aggregation`): `chunk` turns one group's values in one
 * partition into a state, `combine` merges states, `finalize` makes the result. The functions are
 * shipped to workers, so they must be self-contained.
 * @example
 * const range = new Aggregation({ name: 'range', chunk: (v) => [Math.min(...v), Math.max(...v)],
 *   combine: (s) => [Math.min(...s.map((x) => x[0])), Math.max(...s.map((x) => x[1]))], finalize: (s) => s[1] - s[0] });
 * df.groupby('name').agg({ x: range });
 */
export class Aggregation<S = unknown> {
  readonly name: string;
  readonly chunk: (values: Array<number | string | boolean>) => S;
  readonly combine: (states: S[]) => S;
  readonly finalize: (state: S) => number | null;
  constructor(spec: AggregationSpec<S>) {
    checkOptions('Aggregation', spec, AGGREGATION_KEYS, true);
    this.name = spec.name;
    this.chunk = spec.chunk;
    this.combine = spec.combine;
    this.finalize = spec.finalize;
  }
}

/** Options of `df.groupby(keys, opts)`. */
export interface GroupByOptions {
  /** Output partitions: a number, or 'auto' (the default: one, or more for many groups). */
  splitOut?: number | 'auto';
  /** Partial aggregates merged per task of the tree (default 8). */
  splitEvery?: number;
}
const GROUP_BY_KEYS = optionKeys<GroupByOptions>({ splitOut: true, splitEvery: true });

export type AggName = AggFn;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAggregation = Aggregation<any>;
export type AggRequest = AggName | AnyAggregation | Array<AggName | AnyAggregation>;

const NUMERIC_ONLY = new Set<AggFn>(['sum', 'mean', 'std', 'var']);

/**
 * The rows of a DataFrame grouped by key columns. Aggregations return DataFrames.
 * @example
 * await df.groupby('name').sum().compute();
 * await df.groupby('name').col('x').mean().compute();
 */
export class GroupBy {
  /** @internal */ readonly df: DataFrame;
  readonly keys: string[];
  /** @internal */ readonly splitOut: number | 'auto';
  /** @internal */ readonly splitEvery: number;
  /** @internal */ readonly only: string | undefined;

  /** @internal */
  constructor(df: DataFrame, keys: string[], opts: GroupByOptions, only?: string) {
    checkOptions('DataFrame.groupby', opts, GROUP_BY_KEYS);
    this.df = df;
    this.keys = keys;
    this.splitOut = opts.splitOut ?? 'auto';
    this.only = only;
    if (this.splitOut !== 'auto' && (!Number.isInteger(this.splitOut) || this.splitOut < 1)) throw new OptionError(messages.badOption('splitOut', this.splitOut, "a whole number >= 1 or 'auto'"));
    this.splitEvery = checkSplitEvery(opts.splitEvery);
  }

  /** Only column `name` (Dask's `df.groupby('k')['x']`). @example df.groupby('name').col('x').sum() */
  col(name: string): GroupBy {
    if (!this.df.meta.names.includes(name)) throw new OptionError(messages.unknownColumn(name, this.df.meta.names, 'groupby().col'));
    return new GroupBy(this.df, this.keys, { splitOut: this.splitOut, splitEvery: this.splitEvery }, name);
  }

  private dtype(col: string): Dtype {
    return this.df.meta.dtypes[this.df.meta.names.indexOf(col)]!;
  }

  private valueColumns(fn: AggFn): string[] {
    const cols = this.only ? [this.only] : this.df.meta.names.filter((n) => !this.keys.includes(n));
    if (!NUMERIC_ONLY.has(fn)) return cols;
    const numeric = cols.filter((n) => ['float64', 'int32', 'bool'].includes(this.dtype(n)));
    if (this.only && numeric.length === 0) throw new OptionError(messages.opDtype(fn, this.dtype(this.only), 'numeric'));
    return numeric;
  }

  private simple(fn: AggFn): DataFrame {
    return this.build(this.valueColumns(fn).map((c) => this.spec(c, fn, c)));
  }

  private spec(col: string, fn: AggFn | AnyAggregation, out: string): AggSpec {
    const dtype = this.dtype(col);
    if (fn instanceof Aggregation) {
      const custom = { chunk: fnArg(specOf(fn.chunk as AnyFn)), combine: fnArg(specOf(fn.combine as AnyFn)), finalize: fnArg(specOf(fn.finalize as AnyFn)) };
      return { col, fn: 'custom', out, dtype, custom };
    }
    if (!AGG_FNS.includes(fn)) throw new OptionError(messages.badAggregation(fn, AGG_FNS));
    if (NUMERIC_ONLY.has(fn) && (dtype === 'string' || dtype === 'date')) throw new OptionError(messages.opDtype(`groupby ${fn} of column '${col}'`, dtype, 'numeric'));
    return { col, fn, out, dtype };
  }

  /** Sum per group. */
  sum(): DataFrame {
    return this.simple('sum');
  }
  /** Mean per group. */
  mean(): DataFrame {
    return this.simple('mean');
  }
  /** Minimum per group. */
  min(): DataFrame {
    return this.simple('min');
  }
  /** Maximum per group. */
  max(): DataFrame {
    return this.simple('max');
  }
  /** Non-null count per group. */
  count(): DataFrame {
    return this.simple('count');
  }
  /** Sample standard deviation per group (ddof 1). */
  std(): DataFrame {
    return this.simple('std');
  }
  /** Sample variance per group (ddof 1). */
  var(): DataFrame {
    return this.simple('var');
  }
  /** First non-null value per group (partition order). */
  first(): DataFrame {
    return this.simple('first');
  }
  /** Last non-null value per group. */
  last(): DataFrame {
    return this.simple('last');
  }
  /** Distinct non-null values per group. */
  nunique(): DataFrame {
    return this.simple('nunique');
  }
  /** Rows per group (a `size` column). @example await df.groupby('name').size().compute() */
  size(): DataFrame {
    return this.build([{ col: null, fn: 'size', out: 'size', dtype: 'int32' }]);
  }

  /**
   * Several aggregations: `{ column: fn | [fn, ...] }`. One function keeps the column's name;
   * several name the outputs `column_fn`.
   * @example df.groupby('name').agg({ x: 'mean', y: ['min', 'max'] })  // name, x, y_min, y_max
   */
  agg(spec: Record<string, AggRequest>): DataFrame {
    const aggs: AggSpec[] = [];
    for (const [col, req] of Object.entries(spec)) {
      if (!this.df.meta.names.includes(col)) throw new OptionError(messages.unknownColumn(col, this.df.meta.names, 'agg'));
      const list = Array.isArray(req) ? req : [req];
      for (const fn of list) {
        const fname = fn instanceof Aggregation ? fn.name : fn;
        aggs.push(this.spec(col, fn, list.length === 1 ? col : `${col}_${fname}`));
      }
    }
    return this.build(aggs);
  }

  /** The number of hash buckets: given, or 1 for string/bool keys (few groups), else one per `splitEvery` partitions. */
  private buckets(keyDtypes: readonly Dtype[]): number {
    if (this.splitOut !== 'auto') return this.splitOut;
    if (keyDtypes.every((d) => d === 'string' || d === 'bool')) return 1;
    return Math.max(1, Math.ceil(this.df.npartitions / this.splitEvery));
  }

  private build(aggs: AggSpec[]): DataFrame {
    const keyDtypes = this.keys.map((k) => this.dtype(k));
    const splitOut = this.buckets(keyDtypes);
    const spec: GroupSpec = { keys: this.keys, keyDtypes, aggs, splitOut };
    const needed = new Set<string>(this.keys);
    for (const a of aggs) if (a.col !== null) needed.add(a.col);
    const l = this.df.layer(needed);
    const prefix = `groupby-${tokenize(l.token, spec, this.splitEvery)}`;
    const chunks = chunkTasks(l, { kind: 'group', spec }, prefix);
    const outs: Key[] = [];
    for (let j = 0; j < splitOut; j++) {
      let level = chunks;
      let depth = 0;
      while (level.length > this.splitEvery) {
        const next: Key[] = [];
        for (let i = 0; i < level.length; i += this.splitEvery) {
          const k = blockKey(`${prefix}-merge${depth}`, [j, next.length]);
          l.graph.set(k, task(k, op('df.groupMerge'), [spec as unknown as Arg, j, ...level.slice(i, i + this.splitEvery).map(ref)]));
          next.push(k);
        }
        level = next;
        depth++;
      }
      const k = blockKey(`${prefix}-agg`, [j]);
      l.graph.set(k, task(k, op('df.groupFinalize'), [spec as unknown as Arg, j, ...level.map(ref)]));
      outs.push(k);
    }
    const meta = { names: [...this.keys, ...aggs.map((a) => a.out)], dtypes: [...keyDtypes, ...aggs.map((a) => aggDtype(a.fn, a.dtype))] };
    return DataFrame.fromKeys(l.graph, outs, meta, this.keys);
  }
}
