/**
 * Topological sort (dependencies before dependents). The scheduler's ordering pass already walks
 * the graph depth-first, numbering keys in post-order and naming any cycle or missing dependency;
 * a topological sort is that numbering.
 */
import { orderIndexed } from './order.ts';
import type { Graph, Key } from './types.ts';

/** Keys of `graph` (or only those needed by `keys`) with every dependency before its dependents. */
export function toposort(graph: Graph, keys?: Iterable<Key>): Key[] {
  return orderIndexed(graph, keys).keys;
}
