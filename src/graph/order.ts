/**
 * Memory-friendly static ordering (the idea of `dask.order`): a depth-first walk from the
 * requested keys, so one branch is finished (and its intermediates released) before the next one
 * starts. Among a node's dependencies the deepest is visited first (Sethi–Ullman: the subtree that
 * needs the most live results goes first, so fewer results wait while it runs).
 * The scheduler loop runs ready tasks by these priorities: lower runs first.
 */
import { toposort } from './toposort.ts';
import { dependencies, type Graph, type Key } from './types.ts';

export function order(graph: Graph, outputs?: Iterable<Key>): Map<Key, number> {
  const topo = toposort(graph);
  const height = new Map<Key, number>();
  for (const k of topo) {
    let h = 0;
    for (const d of dependencies(graph.get(k)!)) h = Math.max(h, height.get(d)! + 1);
    height.set(k, h);
  }
  const priority = new Map<Key, number>();
  const visit = (root: Key): void => {
    if (priority.has(root)) return;
    const stack: Array<[Key, Key[], number]> = [[root, sortedDeps(root), 0]];
    const onStack = new Set<Key>([root]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top[2] < top[1].length) {
        const d = top[1][top[2]++]!;
        if (priority.has(d) || onStack.has(d)) continue;
        onStack.add(d);
        stack.push([d, sortedDeps(d), 0]);
      } else {
        stack.pop();
        priority.set(top[0], priority.size);
      }
    }
  };
  const sortedDeps = (k: Key): Key[] => {
    const ds = [...dependencies(graph.get(k)!)];
    if (ds.length > 1) {
      const idx = new Map(ds.map((d, i) => [d, i]));
      ds.sort((a, b) => height.get(b)! - height.get(a)! || idx.get(a)! - idx.get(b)!);
    }
    return ds;
  };
  for (const k of outputs ?? []) if (graph.has(k)) visit(k);
  // Anything not needed by the outputs still gets a priority (in topological order).
  for (let i = topo.length - 1; i >= 0; i--) visit(topo[i]!);
  return priority;
}
