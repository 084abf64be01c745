/**
 * Joins and sorting: the graphs that move rows between partitions.
 *
 * merge: when one side has a single partition (and the join keeps the other side's rows), that
 * side is *broadcast*: every partition of the other side is joined with it, no shuffle. Otherwise
 * both sides are hash-partitioned on the keys into the same number of buckets (`df.split`, then
 * one `getitem` per piece and a `df.gather` per bucket), and bucket j of the left joins bucket j
 * of the right.
 *
 * sortValues: a tree reduction samples the first sort column (the quantile sketch), a task turns it
 * into `npartitions - 1` cut points, every partition is split into ranges by those points, and each
 * range is gathered and sorted. The cut points are a task result, so building the graph computes
 * nothing.
 */
import { blockKey } from '../graph/keys.ts';
import { tokenize } from '../graph/tokenize.ts';
import { ref, task, type Arg, type GraphNode, type Key } from '../graph/types.ts';
import { OptionError, messages } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { DataFrame, op } from './frame.ts';
import { treeReduce } from './frame-reduce.ts';
import type { Meta } from './part.ts';
import { joinNames, type JoinSpec, type ShuffleSpec } from './shuffle-kernels.ts';

export interface MergeOptions {
  /** Key column(s) present on both sides. */
  on?: string | string[];
  leftOn?: string | string[];
  rightOn?: string | string[];
  /** Default 'inner'. */
  how?: 'inner' | 'left' | 'right' | 'outer';
  /** Added to clashing non-key column names; default ['_x', '_y'] like pandas. */
  suffixes?: [string, string];
  /** Buckets of the hash shuffle (default: the larger partition count). */
  npartitions?: number;
}
const MERGE_KEYS = optionKeys<MergeOptions>({ on: true, leftOn: true, rightOn: true, how: true, suffixes: true, npartitions: true });

const list = (x: string | string[] | undefined): string[] => (x === undefined ? [] : typeof x === 'string' ? [x] : x);
const NUM = new Set(['float64', 'int32']);

/** Split `df` into `n` buckets: returns bucket keys per bucket, `pieces[j][i]` = bucket j of partition i. */
function splitInto(df: DataFrame, spec: ShuffleSpec, n: number, name: string, graph: Map<Key, GraphNode>): Key[][] {
  const l = df.layer(null);
  for (const [k, v] of l.graph) graph.set(k, v);
  const prefix = `${name}-${tokenize(l.token, spec, n)}`;
  const pieces: Key[][] = Array.from({ length: n }, () => []);
  l.inputs.forEach((input, i) => {
    const k = blockKey(`${prefix}-split`, [i]);
    graph.set(k, task(k, op('df.split'), [input, l.steps as unknown as Arg, i, spec as unknown as Arg]));
    for (let j = 0; j < n; j++) {
      const g = blockKey(`${prefix}-piece`, [i, j]);
      graph.set(g, task(g, op('getitem'), [ref(k), j]));
      pieces[j]!.push(g);
    }
  });
  return pieces;
}

function gather(graph: Map<Key, GraphNode>, pieces: Key[][], meta: Meta, sortBy: { by: string[]; ascending: boolean[] } | null, name: string): Key[] {
  return pieces.map((ps, j) => {
    const k = blockKey(name, [j]);
    graph.set(k, task(k, op('df.gather'), [meta as unknown as Arg, sortBy as unknown as Arg, ...ps.map(ref)]));
    return k;
  });
}

/** See the module comment. */
export function mergeFrames(left: DataFrame, right: DataFrame, opts: MergeOptions): DataFrame {
  checkOptions('DataFrame.merge', opts, MERGE_KEYS, true);
  const how = opts.how ?? 'inner';
  if (!['inner', 'left', 'right', 'outer'].includes(how)) throw new OptionError(messages.badOption('how', how, "'inner', 'left', 'right' or 'outer'"));
  const leftOn = opts.on !== undefined ? list(opts.on) : list(opts.leftOn);
  const rightOn = opts.on !== undefined ? list(opts.on) : list(opts.rightOn);
  if (leftOn.length === 0 || leftOn.length !== rightOn.length) throw new OptionError(messages.badOption('on', opts.on ?? [opts.leftOn, opts.rightOn], 'key column(s): on, or leftOn and rightOn of the same length'));
  for (const k of leftOn) if (!left.meta.names.includes(k)) throw new OptionError(messages.unknownColumn(k, left.meta.names, 'merge (left)'));
  for (const k of rightOn) if (!right.meta.names.includes(k)) throw new OptionError(messages.unknownColumn(k, right.meta.names, 'merge (right)'));
  leftOn.forEach((k, i) => {
    const a = left.meta.dtypes[left.meta.names.indexOf(k)]!;
    const b = right.meta.dtypes[right.meta.names.indexOf(rightOn[i]!)]!;
    if (a !== b && !(NUM.has(a) && NUM.has(b))) throw new OptionError(messages.dtypeMix(`${k}/${rightOn[i]}`, a, b));
  });
  const spec: JoinSpec = { leftOn, rightOn, how, suffixes: opts.suffixes ?? ['_x', '_y'] };
  const { names, rightKeep } = joinNames(left.meta.names, right.meta.names, spec);
  const meta: Meta = { names, dtypes: [...left.meta.dtypes, ...rightKeep.map((i) => right.meta.dtypes[i]!)] };
  const graph = new Map<Key, GraphNode>();
  const name = `merge-${tokenize(left.token, right.token, spec)}`;
  const outs: Key[] = [];
  const broadcastRight = right.npartitions === 1 && (how === 'inner' || how === 'left');
  const broadcastLeft = !broadcastRight && left.npartitions === 1 && (how === 'inner' || how === 'right');
  if (broadcastRight || broadcastLeft) {
    const big = broadcastRight ? left : right;
    const small = broadcastRight ? right : left;
    const b = big.partitionKeys();
    const s = small.partitionKeys();
    for (const g of [b.graph, s.graph]) for (const [k, v] of g) graph.set(k, v);
    b.keys.forEach((bk, i) => {
      const k = blockKey(name, [i]);
      const args = broadcastRight ? [ref(bk), ref(s.keys[0]!)] : [ref(s.keys[0]!), ref(bk)];
      graph.set(k, task(k, op('df.join'), [...args, spec as unknown as Arg]));
      outs.push(k);
    });
    return DataFrame.fromKeys(graph, outs, meta);
  }
  const n = opts.npartitions ?? Math.max(left.npartitions, right.npartitions);
  const lp = splitInto(left, { kind: 'hash', on: leftOn, n }, n, 'shuffle', graph);
  const rp = splitInto(right, { kind: 'hash', on: rightOn, n }, n, 'shuffle', graph);
  const lg = gather(graph, lp, left.meta, null, `${name}-left`);
  const rg = gather(graph, rp, right.meta, null, `${name}-right`);
  for (let j = 0; j < n; j++) {
    const k = blockKey(name, [j]);
    graph.set(k, task(k, op('df.join'), [ref(lg[j]!), ref(rg[j]!), spec as unknown as Arg]));
    outs.push(k);
  }
  return DataFrame.fromKeys(graph, outs, meta);
}

/** See the module comment. */
export function sortFrame(df: DataFrame, by: string[], opts: { ascending?: boolean | boolean[]; npartitions?: number }): DataFrame {
  for (const b of by) if (!df.meta.names.includes(b)) throw new OptionError(messages.unknownColumn(b, df.meta.names, 'sortValues'));
  const asc = by.map((_, i) => (Array.isArray(opts.ascending) ? (opts.ascending[i] ?? true) : (opts.ascending ?? true)));
  const n = opts.npartitions ?? df.npartitions;
  const first = by[0]!;
  const dtype = df.meta.dtypes[df.meta.names.indexOf(first)]!;
  const sample = treeReduce(df.select([first]), dtype === 'string' || dtype === 'bool' ? { kind: 'distinct' } : { kind: 'sketch' }, undefined, 'sort-sample', null);
  const graph = new Map<Key, GraphNode>(sample.graph);
  const boundsKey = `sort-bounds-${tokenize(df.token, by, n)}`;
  graph.set(boundsKey, task(boundsKey, op('df.bounds'), [ref(sample.key), n]));
  const spec = { kind: 'range', by: first, bounds: ref(boundsKey), ascending: asc[0]!, n } as unknown as ShuffleSpec;
  const pieces = splitInto(df, spec, n, 'sort', graph);
  const outs = gather(graph, pieces, df.meta, { by, ascending: asc }, `sort-${tokenize(df.token, by, asc, n)}`);
  return DataFrame.fromKeys(graph, outs, df.meta);
}
