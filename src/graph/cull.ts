/** Cull: keep only the nodes the requested keys need (Dask's `cull`). */
import { GraphError, messages } from '../errors.ts';
import { dependencies, type Graph, type GraphNode, type Key } from './types.ts';

export function cull(graph: Graph, keys: Iterable<Key>): Map<Key, GraphNode> {
  const out = new Map<Key, GraphNode>();
  const stack: Key[] = [];
  for (const k of keys) {
    if (!graph.has(k)) throw new GraphError(messages.missingKey(k));
    stack.push(k);
  }
  while (stack.length > 0) {
    const k = stack.pop()!;
    if (out.has(k)) continue;
    const node = graph.get(k);
    if (node === undefined) continue; // reported by validate / the scheduler with the dependent's name
    out.set(k, node);
    for (const d of dependencies(node)) if (!out.has(d)) stack.push(d);
  }
  return out;
}
