/**
 * Topological sort (dependencies before dependents). Iterative, so 10,000-long chains do not
 * overflow the stack. A cycle is an error that names the cycle.
 */
import { GraphError, messages } from '../errors.ts';
import { dependencies, type Graph, type Key } from './types.ts';

/** Keys of `graph` (or only those needed by `keys`) with every dependency before its dependents. */
export function toposort(graph: Graph, keys?: Iterable<Key>): Key[] {
  const state = new Map<Key, 1 | 2>(); // 1: on the stack, 2: done
  const out: Key[] = [];
  for (const root of keys ?? graph.keys()) {
    if (state.get(root) === 2) continue;
    if (!graph.has(root)) throw new GraphError(messages.missingKey(root));
    // Explicit stack of [key, next dependency index].
    const stack: Array<[Key, number]> = [[root, 0]];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const deps = dependencies(graph.get(top[0])!);
      if (top[1] < deps.length) {
        const d = deps[top[1]++]!;
        const s = state.get(d);
        if (s === 2) continue;
        if (s === 1) {
          const from = stack.findIndex(([k]) => k === d);
          throw new GraphError(messages.cycle([...stack.slice(from).map(([k]) => k), d]), 'ERR_SHOAL_CYCLE');
        }
        if (!graph.has(d)) throw new GraphError(messages.missingDependency(top[0], d));
        state.set(d, 1);
        stack.push([d, 0]);
      } else {
        stack.pop();
        state.set(top[0], 2);
        out.push(top[0]);
      }
    }
  }
  return out;
}
