/** Structural checks of a graph: keys match, every dependency present, declared deps match args. */
import { GraphError, messages } from '../errors.ts';
import { tokenize } from './tokenize.ts';
import { findRefs, type Graph, type GraphNode, type Key } from './types.ts';
import { toposort } from './toposort.ts';

export function validate(graph: Graph): void {
  for (const [k, node] of graph) {
    if (node.key !== k) throw new GraphError(messages.keyMismatch(k, node.key));
    if (node.kind === 'task') {
      const found = findRefs(node.args);
      const declared = new Set(node.deps);
      if (found.length !== declared.size || found.some((d) => !declared.has(d)))
        throw new GraphError(messages.depsMismatch(k, node.deps, found));
      for (const d of node.deps) if (!graph.has(d)) throw new GraphError(messages.missingDependency(k, d));
    } else if (node.kind === 'alias') {
      if (!graph.has(node.target)) throw new GraphError(messages.missingDependency(k, node.target));
    }
  }
  toposort(graph); // throws on a cycle
}

/** Merge graphs, failing when one key is defined twice with different contents. */
export function mergeChecked(graphs: Iterable<Graph>): Map<Key, GraphNode> {
  const out = new Map<Key, GraphNode>();
  for (const g of graphs) {
    for (const [k, v] of g) {
      const prev = out.get(k);
      if (prev === undefined) out.set(k, v);
      else if (prev !== v && tokenize(prev) !== tokenize(v)) throw new GraphError(messages.collision(k));
    }
  }
  return out;
}
