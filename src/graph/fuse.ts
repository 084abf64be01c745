/**
 * Linear-chain fusion (Dask's `fuse_linear`): a task whose only dependent is a task that depends
 * on nothing else is merged into that dependent, so `map().filter().sum()` on one partition is one
 * task. The fused task keeps the last key of the chain (dependents need no renaming) and runs its
 * steps in order inside one worker call; inner results never leave that call.
 */
import { orderIndexed, type Ordering } from './order.ts';
import type { Arg, FnSpec, Graph, GraphNode, Key, Task } from './types.ts';

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

/**
 * Fuse linear chains of tasks; keys in `keep` (requested outputs) are never fused away.
 * @example
 * fuse(graph, ['total']);   // a → b → c (each the other's only link) becomes one task keyed 'c'
 */
export function fuse(graph: Graph, keep: Iterable<Key> = []): Map<Key, GraphNode> {
  const fused = fuseIndexed(orderIndexed(graph), keep);
  return new Map(fused.keys.map((k, i) => [k, fused.nodes[i]!]));
}

/**
 * Fusion on the scheduler's indexed form (see order.ts): no maps of keys are built, so it costs
 * little even when nothing fuses. The result is still topologically numbered; a fused task takes
 * the place and priority of its chain's last key.
 */
export function fuseIndexed(ord: Ordering, keep: Iterable<Key> = []): Ordering {
  const { keys, nodes, deps, priority } = ord;
  const n = keys.length;
  const protect = new Uint8Array(n);
  for (const k of keep) {
    const i = ord.index.get(k);
    if (i !== undefined) protect[i] = 1;
  }
  const count = new Int32Array(n);
  const lastDependent = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (const d of deps[i]!) {
      count[d]!++;
      lastDependent[d] = i;
    }
  }
  // parentOf[c] = p when p's only dependent is c, c's only dependency is p, and both are tasks.
  const parentOf = new Int32Array(n).fill(-1);
  const absorbed = new Uint8Array(n);
  let any = false;
  for (let p = 0; p < n; p++) {
    if (count[p] !== 1 || protect[p] || nodes[p]!.kind !== 'task') continue;
    const c = lastDependent[p]!;
    if (nodes[c]!.kind !== 'task' || deps[c]!.length !== 1) continue;
    parentOf[c] = p;
    absorbed[p] = 1;
    any = true;
  }
  if (!any) return ord;
  const newIndex = new Int32Array(n).fill(-1);
  const out: Ordering = { keys: [], nodes: [], index: new Map(), deps: [], priority: new Int32Array(0) };
  const prio: number[] = [];
  for (let i = 0; i < n; i++) {
    if (absorbed[i]) continue;
    let node = nodes[i]!;
    let top = i;
    if (parentOf[i] >= 0) {
      // The end of a chain: walk up to its top, then emit the steps top-down.
      const chain: number[] = [i];
      while (parentOf[top]! >= 0) chain.push((top = parentOf[top]!));
      const steps: FusedStep[] = [];
      for (let j = chain.length - 1; j >= 0; j--) steps.push(...stepsOf(nodes[chain[j]!] as Task));
      const fns = steps.flatMap((st) => st.fns ?? []);
      const t: Task = { kind: 'task', key: keys[i]!, fn: { kind: 'op', name: FUSED_OP }, args: [steps], deps: (nodes[top] as Task).deps };
      node = fns.length ? { ...t, fns } : t;
    }
    newIndex[i] = out.keys.length;
    out.index.set(keys[i]!, out.keys.length);
    out.keys.push(keys[i]!);
    out.nodes.push(node);
    out.deps.push(deps[top]!.map((d) => newIndex[d]!));
    prio.push(priority[i]!);
  }
  out.priority = Int32Array.from(prio);
  return out;
}
