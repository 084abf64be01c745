/**
 * Series: one column of a DataFrame as an expression over that DataFrame's partitions. Operations
 * build bigger expressions (they run fused inside the partition tasks); reductions return Scalars;
 * `compute()` gives an Arrow Vector.
 */
import { tableFromArrays, vectorFromArray, type Table, type Vector } from 'apache-arrow';
import { compute, type Collection, type ComputeOptions } from '../base.ts';
import type { SchedulerName } from '../config.ts';
import type { Dtype } from '../io/csv-columns.ts';
import { textToDate } from '../io/csv-convert.ts';
import type { Graph, Key } from '../graph/types.ts';
import { OptionError, messages } from '../errors.ts';
import { exprDtype, type BinOp, type Expr, type Scalar as Lit, type UnOp } from './expr.ts';
import type { DataFrame } from './frame.ts';
import { empty, treeReduce } from './frame-reduce.ts';
import { finishMoments, sketchQuantile, type Counts, type MomentFn, type Moments, type Sketch } from './reductions.ts';
import { Scalar } from './scalar.ts';

const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** A value a Series can be combined with: another Series of the same DataFrame, or a constant. */
export type Operand = Series | number | string | boolean | Date | null;

/**
 * A lazy column. Made by `df.col(name)`; combine with `add`, `gt`, `and`, … (JS has no operator
 * overloading), reduce with `sum`, `mean`, …, or compute to an Arrow Vector.
 * @example
 * const s = df.col('x').mul(2).add(1);
 * await s.max().compute();
 */
export class Series implements Collection<Vector> {
  readonly __scheduler__: SchedulerName = 'threads';
  /** @internal */ readonly frame: DataFrame;
  /** @internal */ readonly expr: Expr;
  /** The Series' name (its column name when computed or assigned). */
  readonly name: string;
  /** The dtype of the values. */
  readonly dtype: Dtype;

  /** @internal */
  constructor(frame: DataFrame, expr: Expr, name: string) {
    this.frame = frame;
    this.expr = expr;
    this.name = name;
    this.dtype = exprDtype(expr, frame.meta);
  }

  /** This Series as a one-column DataFrame. @example df.col('x').toFrame() */
  toFrame(): DataFrame {
    return this.frame.withSteps({ op: 'project', cols: [[this.name, this.expr]] });
  }

  /** The same values under another name. @example s.rename('x2') */
  rename(name: string): Series {
    return new Series(this.frame, this.expr, name);
  }

  __graph__(): Graph {
    return this.toFrame().__graph__();
  }
  __keys__(): Key[] {
    return this.toFrame().__keys__();
  }
  __postcompute__(values: unknown[]): Vector {
    return this.toFrame().__postcompute__(values).getChildAt(0)!;
  }
  __postpersist__(graph: Graph): Series {
    return this.toFrame().__postpersist__(graph).col(this.name);
  }

  /** Compute the values as an Arrow Vector. @example await df.col('x').compute() */
  compute(opts: ComputeOptions = {}): Promise<Vector> {
    return compute(this, opts).then(([v]) => v as Vector);
  }

  /** @internal */
  operand(x: Operand, op: string): Expr {
    if (x instanceof Series) {
      if (x.frame.token !== this.frame.token) throw new OptionError(messages.foreignSeries(op));
      return x.expr;
    }
    if (x instanceof Date) return { op: 'lit', value: x.getTime(), dtype: 'date' };
    if (x === null) return { op: 'lit', value: null, dtype: this.dtype };
    if (typeof x === 'string') {
      if (this.dtype === 'date') {
        const t = textToDate(x);
        if (t === undefined) throw new OptionError(messages.badOption(op, x, 'a date such as 2012-01-31'));
        return { op: 'lit', value: t, dtype: 'date' };
      }
      return { op: 'lit', value: x, dtype: 'string' };
    }
    if (typeof x === 'boolean') return { op: 'lit', value: x, dtype: 'bool' };
    return { op: 'lit', value: x, dtype: 'float64' };
  }

  private bin(fn: BinOp, other: Operand): Series {
    return new Series(this.frame, { op: 'bin', fn, a: this.expr, b: this.operand(other, fn) }, this.name);
  }
  private un(fn: UnOp): Series {
    return new Series(this.frame, { op: 'un', fn, a: this.expr }, this.name);
  }

  /** `this + other` @example df.col('x').add(df.col('y')) */
  add(other: Operand): Series {
    return this.bin('add', other);
  }
  /** `this - other` */
  sub(other: Operand): Series {
    return this.bin('sub', other);
  }
  /** `this * other` */
  mul(other: Operand): Series {
    return this.bin('mul', other);
  }
  /** `this / other` */
  div(other: Operand): Series {
    return this.bin('div', other);
  }
  /** `this % other` (sign of the divisor, like pandas) */
  mod(other: Operand): Series {
    return this.bin('mod', other);
  }
  /** `this ** other` */
  pow(other: Operand): Series {
    return this.bin('pow', other);
  }
  /** `-this` */
  neg(): Series {
    return this.un('neg');
  }
  /** `|this|` */
  abs(): Series {
    return this.un('abs');
  }
  /** `this == other` (null compares false) @example df.col('name').eq('Alice') */
  eq(other: Operand): Series {
    return this.bin('eq', other);
  }
  /** `this != other` */
  ne(other: Operand): Series {
    return this.bin('ne', other);
  }
  /** `this < other` */
  lt(other: Operand): Series {
    return this.bin('lt', other);
  }
  /** `this <= other` */
  le(other: Operand): Series {
    return this.bin('le', other);
  }
  /** `this > other` @example df.filter(df.col('x').gt(0)) */
  gt(other: Operand): Series {
    return this.bin('gt', other);
  }
  /** `this >= other` */
  ge(other: Operand): Series {
    return this.bin('ge', other);
  }
  /** Logical and of two boolean Series. */
  and(other: Operand): Series {
    return this.bin('and', other);
  }
  /** Logical or of two boolean Series. */
  or(other: Operand): Series {
    return this.bin('or', other);
  }
  /** Logical not. */
  not(): Series {
    return this.un('not');
  }
  /** True where the value is null. */
  isNull(): Series {
    return this.un('isNull');
  }
  /** True where the value is not null. */
  notNull(): Series {
    return this.un('notNull');
  }
  /** Nulls replaced by `value`. @example df.col('x').fillNull(0) */
  fillNull(value: Operand): Series {
    return new Series(this.frame, { op: 'fillNull', a: this.expr, b: this.operand(value, 'fillNull') }, this.name);
  }
  /** `lo <= this <= hi` (inclusive, like pandas). @example df.col('x').between(0, 1) */
  between(lo: Operand, hi: Operand): Series {
    return this.ge(lo).and(this.le(hi));
  }
  /** True where the value is one of `values`. @example df.col('name').isin(['Alice', 'Bob']) */
  isin(values: Array<number | string | boolean>): Series {
    return new Series(this.frame, { op: 'isin', a: this.expr, values: values as Lit[] }, this.name);
  }
  /** Convert to another dtype. @example df.col('id').astype('float64') */
  astype(dtype: Dtype): Series {
    return new Series(this.frame, { op: 'cast', a: this.expr, dtype }, this.name);
  }

  /** String operations (through each partition's dictionary: once per distinct value). */
  get str(): { lower(): Series; upper(): Series; len(): Series; contains(pat: string): Series; startsWith(pat: string): Series; endsWith(pat: string): Series } {
    const s = (fn: 'contains' | 'startsWith' | 'endsWith', pat: string) => new Series(this.frame, { op: 'str', fn, a: this.expr, pat }, this.name);
    return {
      lower: () => this.un('lower'),
      upper: () => this.un('upper'),
      len: () => this.un('len'),
      contains: (pat) => s('contains', pat),
      startsWith: (pat) => s('startsWith', pat),
      endsWith: (pat) => s('endsWith', pat),
    };
  }

  /** Date parts (UTC). @example df.col('date').dt.year() */
  get dt(): { year(): Series; month(): Series; day(): Series; hour(): Series; minute(): Series; second(): Series; dayofweek(): Series } {
    return {
      year: () => this.un('year'),
      month: () => this.un('month'),
      day: () => this.un('day'),
      hour: () => this.un('hour'),
      minute: () => this.un('minute'),
      second: () => this.un('second'),
      dayofweek: () => this.un('dayofweek'),
    };
  }

  // ---- reductions ----

  private moments<T>(fn: MomentFn, splitEvery?: number): Scalar<T> {
    if (fn !== 'count' && fn !== 'min' && fn !== 'max' && (this.dtype === 'string' || this.dtype === 'date')) {
      throw new OptionError(messages.opDtype(fn, this.dtype, 'numeric'));
    }
    const { graph, key } = treeReduce(this.toFrame(), { kind: 'moments' }, splitEvery, `${fn}`, new Set([this.name]));
    return new Scalar(graph, key, (v) => finishMoments((v as Moments[] | null)?.[0] ?? empty(), fn) as T);
  }

  /** Sum (nulls skipped; 0 when empty). @example await df.col('x').sum().compute() */
  sum(opts: { splitEvery?: number } = {}): Scalar<number> {
    return this.moments('sum', opts.splitEvery);
  }
  /** Mean (nulls skipped). */
  mean(opts: { splitEvery?: number } = {}): Scalar<number> {
    return this.moments('mean', opts.splitEvery);
  }
  /** Minimum (numbers, dates as ms, or strings). */
  min(opts: { splitEvery?: number } = {}): Scalar<number | string> {
    return this.moments('min', opts.splitEvery);
  }
  /** Maximum. */
  max(opts: { splitEvery?: number } = {}): Scalar<number | string> {
    return this.moments('max', opts.splitEvery);
  }
  /** Number of non-null values. */
  count(opts: { splitEvery?: number } = {}): Scalar<number> {
    return this.moments('count', opts.splitEvery);
  }
  /** Sample standard deviation (ddof 1). */
  std(opts: { splitEvery?: number } = {}): Scalar<number> {
    return this.moments('std', opts.splitEvery);
  }
  /** Sample variance (ddof 1). */
  var(opts: { splitEvery?: number } = {}): Scalar<number> {
    return this.moments('var', opts.splitEvery);
  }

  /** Number of distinct non-null values. @example await df.col('name').nunique().compute() */
  nunique(opts: { splitEvery?: number } = {}): Scalar<number> {
    const { graph, key } = treeReduce(this.toFrame(), { kind: 'distinct' }, opts.splitEvery, 'nunique', new Set([this.name]));
    return new Scalar(graph, key, (v) => (v as unknown[][] | null)?.[0]?.length ?? 0);
  }

  /** The distinct non-null values, sorted, as an Arrow Vector. @example await df.col('name').unique().compute() */
  unique(opts: { splitEvery?: number } = {}): Scalar<Vector> {
    const { graph, key } = treeReduce(this.toFrame(), { kind: 'distinct' }, opts.splitEvery, 'unique', new Set([this.name]));
    return new Scalar(graph, key, (v) => {
      const vals = ((v as unknown[][] | null)?.[0] ?? []) as Array<number | string | boolean>;
      vals.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return vectorFromArray(this.dtype === 'int32' || this.dtype === 'float64' || this.dtype === 'date' ? Float64Array.from(vals as number[]) : vals);
    });
  }

  /**
   * Count of each distinct value, as a Table (value, count) sorted by count (descending), then value.
   * @example await df.col('weather').valueCounts().compute()
   */
  valueCounts(opts: { splitEvery?: number } = {}): Scalar<Table> {
    const { graph, key } = treeReduce(this.toFrame(), { kind: 'counts' }, opts.splitEvery, 'value-counts', new Set([this.name]));
    return new Scalar(graph, key, (v) => {
      const c = (v as Counts | null) ?? { values: [], counts: [] };
      const order = c.values.map((_, i) => i).sort((a, b) => c.counts[b]! - c.counts[a]! || (c.values[a]! < c.values[b]! ? -1 : c.values[a]! > c.values[b]! ? 1 : 0));
      const vals = order.map((i) => c.values[i]!);
      return tableFromArrays({
        [this.name]: this.dtype === 'string' ? (vals as string[]) : Float64Array.from(vals as number[]),
        count: Int32Array.from(order.map((i) => c.counts[i]!)),
      } as never) as unknown as Table;
    });
  }

  /**
   * Quantile(s) with linear interpolation. Exact while every partition has at most 1,000 values;
   * beyond that each partition is summarised by 1,000 evenly spaced order statistics, so the
   * result is within about 0.1% of the rank (see README).
   * @example await df.col('x').quantile(0.5).compute()
   */
  quantile(q: number, opts?: { splitEvery?: number }): Scalar<number>;
  quantile(q: number[], opts?: { splitEvery?: number }): Scalar<number[]>;
  quantile(q: number | number[], opts: { splitEvery?: number } = {}): Scalar<number | number[]> {
    const qs = typeof q === 'number' ? [q] : q;
    for (const x of qs) if (!(x >= 0 && x <= 1)) throw new OptionError(messages.badOption('q', x, 'a number between 0 and 1'));
    if (this.dtype === 'string') throw new OptionError(messages.opDtype('quantile', this.dtype, 'numeric'));
    const { graph, key } = treeReduce(this.toFrame(), { kind: 'sketch' }, opts.splitEvery, 'quantile', new Set([this.name]));
    return new Scalar(graph, key, (v) => {
      const s = (v as Sketch | null) ?? { v: [], w: [] };
      const out = qs.map((x) => sketchQuantile(s, x));
      return typeof q === 'number' ? out[0]! : out;
    });
  }

  toString(): string {
    return `Series(name=${this.name}, dtype=${this.dtype}, npartitions=${this.frame.npartitions})`;
  }
  [INSPECT](): string {
    return this.toString();
  }
}
