/**
 * From a shoal graph to the scheduler's tasks: cull, fuse linear chains and order (the engine's
 * `orderIndexed` / `fuseIndexed`, so every scheduler runs the same plan), check that every
 * function can travel, and give each task the form workers run (function ids, flags).
 */
import { FUSED_OP, fuseIndexed, stepsOf } from '../graph/fuse.ts';
import { orderIndexed } from '../graph/order.ts';
import type { FnSpec, Graph, GraphNode, Key } from '../graph/types.ts';
import { specsOf } from '../schedulers/loop.ts';
import { FNS, RESOLVE } from '../schedulers/protocol.ts';
import type { ExecStep } from '../schedulers/runtime.ts';
import { assertAllShippable } from '../schedulers/ship.ts';
import { LITERAL, type RunSpec } from './protocol.ts';
import type { NewTask } from './scheduler-state.ts';

export const SCHEDULER_NAME = 'distributed';

/** The run spec of one graph node, with function ids from `fnId`. */
export function runSpecOf(node: GraphNode, fnId: (spec: FnSpec) => number): RunSpec {
  if (node.kind === 'data') return { fnId: LITERAL, args: [node.value], flags: 0, fnIds: [] };
  if (node.kind === 'alias') {
    const id = fnId({ kind: 'op', name: 'identity' });
    return { fnId: id, args: [{ kind: 'ref', key: node.target }], flags: RESOLVE, fnIds: [id] };
  }
  const extra = node.fns ? node.fns.map(fnId) : [];
  if (node.fn.kind === 'op' && node.fn.name === FUSED_OP) {
    const steps: ExecStep[] = stepsOf(node).map((s) => [s.key, fnId(s.fn), s.args]);
    return { fnId: -1, args: [steps], flags: 0, fnIds: [...steps.map((s) => s[1]), ...extra] };
  }
  const id = fnId(node.fn);
  const flags = (node.deps.length > 0 ? RESOLVE : 0) | (node.fns ? FNS : 0);
  return { fnId: id, args: node.args, flags, fnIds: [id, ...extra] };
}

export interface Prepared {
  tasks: NewTask<RunSpec>[];
  /** The graph as it will run (for callbacks and the dashboard). */
  nodes: Map<Key, GraphNode>;
}

/** Cull, fuse and order `graph` for `keys`; refuse unshippable functions before anything runs. */
export function prepareGraph(graph: Graph, keys: readonly Key[], fuse: boolean, fnId: (spec: FnSpec) => number, held?: (key: Key) => boolean): Prepared {
  let ord = orderIndexed(graph, keys);
  // Keys the cluster already holds (persisted, scattered) are never fused away: they are not rerun.
  if (fuse) ord = fuseIndexed(ord, held ? [...keys, ...ord.keys.filter(held)] : keys);
  const specs: FnSpec[] = [];
  for (const n of ord.nodes) if (n.kind === 'task') specs.push(...specsOf(n));
  assertAllShippable(specs, SCHEDULER_NAME);
  const tasks: NewTask<RunSpec>[] = new Array(ord.keys.length);
  const nodes = new Map<Key, GraphNode>();
  for (let i = 0; i < ord.keys.length; i++) {
    const key = ord.keys[i]!;
    nodes.set(key, ord.nodes[i]!);
    tasks[i] = { key, deps: ord.deps[i]!.map((d) => ord.keys[d]!), run: runSpecOf(ord.nodes[i]!, fnId), order: ord.priority[i]! };
  }
  return { tasks, nodes };
}
