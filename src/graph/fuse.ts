/**
 * Linear-chain fusion (Dask's `fuse_linear`): a task whose only dependent is a task that depends
 * on nothing else is merged into that dependent, so `map().filter().sum()` on one partition is one
 * task. The fused task keeps the last key of the chain (dependents need no renaming) and runs its
 * steps in order inside one worker call; inner results never leave that call.
 */
import { dependencies, type Arg, type FnSpec, type Graph, type GraphNode, type Key, type Task } from './types.ts';

/** The op name of a fused chain; the worker runtime executes it step by step. */
export const FUSED_OP = 'shoal.fused';

/** One step of a fused chain. `args` may reference the previous step's key. */
export interface FusedStep {
  key: Key;
  fn: FnSpec;
  args: Arg[];
  fns?: FnSpec[];
}

export function isFused(t: Task): boolean {
  return t.fn.kind === 'op' && t.fn.name === FUSED_OP;
}

/** The steps of a task: itself, or the chain it is made of. */
export function stepsOf(t: Task): FusedStep[] {
  if (isFused(t)) return t.args[0] as FusedStep[];
  return [t.fns ? { key: t.key, fn: t.fn, args: t.args, fns: t.fns } : { key: t.key, fn: t.fn, args: t.args }];
}

/** Fuse linear chains of tasks; keys in `keep` (requested outputs) are never fused away. */
export function fuse(graph: Graph, keep: Iterable<Key> = []): Map<Key, GraphNode> {
  const protect = new Set(keep);
  const dependents = new Map<Key, Key[]>();
  for (const [k, node] of graph) {
    for (const d of dependencies(node)) {
      const list = dependents.get(d);
      if (list) list.push(k);
      else dependents.set(d, [k]);
    }
  }
  // parent → child link when the pair can be merged.
  const child = new Map<Key, Key>();
  const hasParent = new Set<Key>();
  for (const [k, node] of graph) {
    if (node.kind !== 'task' || protect.has(k)) continue;
    const ds = dependents.get(k);
    if (!ds || ds.length !== 1) continue;
    const c = graph.get(ds[0]!);
    if (!c || c.kind !== 'task' || c.deps.length !== 1) continue;
    child.set(k, ds[0]!);
    hasParent.add(ds[0]!);
  }
  if (child.size === 0) return new Map(graph);
  const out = new Map<Key, GraphNode>();
  for (const [k, node] of graph) {
    if (child.has(k) || hasParent.has(k)) continue; // handled from the chain's top
    out.set(k, node);
  }
  for (const top of child.keys()) {
    if (hasParent.has(top)) continue; // not the top of its chain
    const steps: FusedStep[] = [];
    let k: Key | undefined = top;
    let last!: Task;
    while (k !== undefined) {
      last = graph.get(k) as Task;
      steps.push(...stepsOf(last));
      k = child.get(k);
    }
    const first = graph.get(top) as Task;
    const fns = steps.flatMap((s) => s.fns ?? []);
    const fused: Task = { kind: 'task', key: last.key, fn: { kind: 'op', name: FUSED_OP }, args: [steps], deps: first.deps };
    out.set(last.key, fns.length ? { ...fused, fns } : fused);
  }
  return out;
}
