/**
 * Memory-friendly static ordering (the idea of `dask.order`): a depth-first walk from the
 * requested keys, so one branch is finished (and its intermediates released) before the next one
 * starts. Among a node's dependencies the deepest is visited first (Sethi–Ullman: the subtree that
 * needs the most live results goes first, so fewer results wait while it runs).
 * The scheduler loop runs ready tasks by these priorities: lower runs first.
 *
 * `orderIndexed` is the working form used by the scheduler: it culls (only what the outputs need),
 * numbers keys in topological order, and returns integer dependency lists and priorities.
 */
import { GraphError, messages } from '../errors.ts';
import { dependencies, type Graph, type GraphNode, type Key } from './types.ts';

export interface Ordering {
  /** Keys needed by the outputs, in a topological order (dependencies first). */
  keys: Key[];
  /** The node of each key. */
  nodes: GraphNode[];
  index: Map<Key, number>;
  /** Dependencies of each key, as indices. */
  deps: number[][];
  /** Run order: lower first. */
  priority: Int32Array;
}

const ON_STACK = -1;

export function orderIndexed(graph: Graph, outputs?: Iterable<Key>): Ordering {
  const roots = outputs ? [...outputs] : [...graph.keys()].reverse();
  // 1. Depth-first post-order from the outputs: culls, numbers keys topologically, finds cycles.
  //    A key's dependencies are numbered before it, so its index list and height are set then.
  const index = new Map<Key, number>();
  const keys: Key[] = [];
  const nodes: GraphNode[] = [];
  const deps: number[][] = [];
  const heights: number[] = [];
  const stackK: Key[] = [];
  const stackN: GraphNode[] = [];
  const stackI: number[] = [];
  const push = (k: Key, node: GraphNode) => {
    index.set(k, ON_STACK);
    stackK.push(k);
    stackN.push(node);
    stackI.push(0);
  };
  for (const root of roots) {
    if (index.has(root)) continue;
    const node = graph.get(root);
    if (!node) throw new GraphError(messages.missingKey(root));
    push(root, node);
    while (stackK.length > 0) {
      const top = stackK.length - 1;
      const ds = dependencies(stackN[top]!);
      const j = stackI[top]!;
      if (j < ds.length) {
        stackI[top] = j + 1;
        const d = ds[j]!;
        const s = index.get(d);
        if (s === undefined) {
          const dn = graph.get(d);
          if (!dn) throw new GraphError(messages.missingDependency(stackK[top]!, d));
          push(d, dn);
        } else if (s === ON_STACK) {
          const from = stackK.indexOf(d);
          throw new GraphError(messages.cycle([...stackK.slice(from), d]), 'ERR_SHOAL_CYCLE');
        }
      } else {
        const k = stackK.pop()!;
        const n = stackN.pop()!;
        stackI.pop();
        const ix = new Array<number>(ds.length);
        let h = 0;
        for (let m = 0; m < ds.length; m++) {
          const d = index.get(ds[m]!)!;
          ix[m] = d;
          if (heights[d]! + 1 > h) h = heights[d]! + 1;
        }
        index.set(k, keys.length);
        keys.push(k);
        nodes.push(n);
        deps.push(ix);
        heights.push(h);
      }
    }
  }
  const n = keys.length;
  const height = heights;
  // 2. Priorities: depth-first again, deepest dependency first.
  const priority = new Int32Array(n).fill(-1);
  let next = 0;
  const seen = new Uint8Array(n);
  const sIdx: number[] = [];
  const sDeps: number[][] = [];
  const sPos: number[] = [];
  const sorted = (i: number): number[] => {
    const ds = deps[i]!;
    if (ds.length < 2) return ds;
    return ds.map((d, j) => [d, j] as const).sort((a, b) => height[b[0]]! - height[a[0]]! || a[1] - b[1]).map((x) => x[0]);
  };
  for (const root of roots) {
    const r = index.get(root)!;
    if (seen[r]) continue;
    seen[r] = 1;
    sIdx.push(r);
    sDeps.push(sorted(r));
    sPos.push(0);
    while (sIdx.length > 0) {
      const top = sIdx.length - 1;
      const ds = sDeps[top]!;
      const j = sPos[top]!;
      if (j < ds.length) {
        sPos[top] = j + 1;
        const d = ds[j]!;
        if (seen[d]) continue;
        seen[d] = 1;
        sIdx.push(d);
        sDeps.push(sorted(d));
        sPos.push(0);
      } else {
        priority[sIdx.pop()!] = next++;
        sDeps.pop();
        sPos.pop();
      }
    }
  }
  return { keys, nodes, index, deps, priority };
}

/** Priorities for every key of `graph` (or only those the `outputs` need): lower runs first. */
export function order(graph: Graph, outputs?: Iterable<Key>): Map<Key, number> {
  const { keys, priority } = orderIndexed(graph, outputs);
  return new Map(keys.map((k, i) => [k, priority[i]!]));
}
