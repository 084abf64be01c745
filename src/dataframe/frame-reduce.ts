/**
 * Reduction graphs: a fused chunk task per partition (`df.chunk`: read, steps, reduce), then a tree
 * of `df.combine` tasks, `splitEvery` inputs each (Dask's default 8), ending in one key whose
 * value the calling thread turns into the result.
 */
import { tableFromArrays, type Table } from 'apache-arrow';
import { blockKey } from '../graph/keys.ts';
import { tokenize } from '../graph/tokenize.ts';
import { ref, task, type Arg, type Graph, type GraphNode, type Key } from '../graph/types.ts';
import { OptionError, messages } from '../errors.ts';
import type { DataFrame, Layer } from './frame.ts';
import { op } from './frame.ts';
import type { Reducer } from './kernels.ts';
import { finishMoments, sketchQuantile, type MomentFn, type Moments, type Sketch } from './reductions.ts';
import { Scalar } from './scalar.ts';

export const DEFAULT_SPLIT_EVERY = 8;

/**
 * `splitEvery` as given (or the default), checked: a whole number >= 2.
 * @example
 * checkSplitEvery(undefined); // 8
 */
export function checkSplitEvery(v: number | undefined): number {
  const s = v ?? DEFAULT_SPLIT_EVERY;
  if (!Number.isInteger(s) || s < 2) throw new OptionError(messages.badOption('splitEvery', v, 'a whole number >= 2'));
  return s;
}

/** Combine `keys` in a tree of `df.combine` tasks; returns the root key. */
export function combineTree(graph: Map<Key, GraphNode>, keys: Key[], reducer: Reducer, splitEvery: number, name: string): Key {
  let level = keys;
  let depth = 0;
  while (level.length > 1) {
    const next: Key[] = [];
    for (let i = 0; i < level.length; i += splitEvery) {
      const group = level.slice(i, i + splitEvery);
      const k = blockKey(`${name}-combine${depth}`, [next.length]);
      graph.set(k, task(k, op('df.combine'), [reducer as unknown as Arg, ...group.map(ref)]));
      next.push(k);
    }
    level = next;
    depth++;
  }
  return level[0]!;
}

/**
 * One fused `df.chunk` task per partition of `l` (read, steps, reduce to a partial), keyed
 * `${prefix}-chunk[i]`, added to `l.graph`; returns their keys.
 * @example
 * chunkTasks(df.layer(null), { kind: 'len' }, 'len-abc');
 */
export function chunkTasks(l: Layer, reducer: Reducer, prefix: string): Key[] {
  return l.inputs.map((input, i) => {
    const k = blockKey(`${prefix}-chunk`, [i]);
    l.graph.set(k, task(k, op('df.chunk'), [input, l.steps as unknown as Arg, i, reducer as unknown as Arg]));
    return k;
  });
}

/**
 * The chunk tasks of a reduction over `df` (reading only `needed` columns), combined in a tree.
 * @example
 * treeReduce(df, { kind: 'len' }, 8, 'len', new Set());
 */
export function treeReduce(df: DataFrame, reducer: Reducer, splitEvery: number | undefined, name: string, needed: ReadonlySet<string> | null): { graph: Graph; key: Key } {
  const se = checkSplitEvery(splitEvery);
  const l = df.layer(needed);
  const prefix = `${name}-${tokenize(l.token, reducer, se)}`;
  const chunks = chunkTasks(l, reducer, prefix);
  if (chunks.length === 0) {
    const k = `${prefix}-empty`;
    l.graph.set(k, task(k, op('df.combine'), [reducer as unknown as Arg]));
    return { graph: l.graph, key: k };
  }
  return { graph: l.graph, key: combineTree(l.graph, chunks, reducer, se, prefix) };
}

const NUMERIC = new Set(['float64', 'int32', 'bool']);

export function lengthOf(df: DataFrame): Scalar<number> {
  const { graph, key } = treeReduce(df, { kind: 'len' }, undefined, 'len', new Set());
  return new Scalar(graph, key, (v) => (v as number) ?? 0);
}

/** A per-column reduction of a DataFrame, as a record column → value. */
export function frameReduction<T>(df: DataFrame, fn: MomentFn | 'nunique', splitEvery?: number): Scalar<Record<string, T>> {
  const numericOnly = fn !== 'min' && fn !== 'max' && fn !== 'count' && fn !== 'nunique';
  const names = df.meta.names.filter((_, i) => !numericOnly || NUMERIC.has(df.meta.dtypes[i]!));
  const input = df.select(names);
  if (fn === 'nunique') {
    const { graph, key } = treeReduce(input, { kind: 'distinct' }, splitEvery, 'nunique', null);
    return new Scalar(graph, key, (v) => Object.fromEntries(names.map((n, i) => [n, ((v as unknown[][] | undefined)?.[i]?.length ?? 0) as T])));
  }
  const { graph, key } = treeReduce(input, { kind: 'moments' }, splitEvery, fn, null);
  return new Scalar(graph, key, (v) => Object.fromEntries(names.map((n, i) => [n, finishMoments((v as Moments[])[i] ?? empty(), fn) as T])));
}

export function empty(): Moments {
  return { n: 0, sum: 0, mean: 0, m2: 0, min: null, max: null };
}

/** describe(): count, mean, std, min, quartiles, max of the numeric columns. */
export function describeFrame(df: DataFrame, splitEvery?: number): Scalar<Table> {
  const names = df.meta.names.filter((_, i) => NUMERIC.has(df.meta.dtypes[i]!) );
  const { graph, key } = treeReduce(df.select(names), { kind: 'describe' }, splitEvery, 'describe', null);
  const stats = ['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max'];
  return new Scalar(graph, key, (v) => {
    const st = (v as Array<[Moments, Sketch]>) ?? [];
    const cols: Record<string, unknown> = { stat: stats };
    names.forEach((n, i) => {
      const [m, s] = st[i] ?? [empty(), { v: [], w: [] }];
      cols[n] = Float64Array.from([
        m.n,
        finishMoments(m, 'mean') as number,
        finishMoments(m, 'std') as number,
        finishMoments(m, 'min') as number,
        sketchQuantile(s, 0.25),
        sketchQuantile(s, 0.5),
        sketchQuantile(s, 0.75),
        finishMoments(m, 'max') as number,
      ]);
    });
    return tableFromArrays(cols as never) as unknown as Table;
  });
}
