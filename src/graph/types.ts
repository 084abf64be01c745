/**
 * The task-graph node types (DESIGN.md §2). Plain tagged objects, never classes: the same graph
 * passes `structuredClone`, so it crosses threads, processes and machines unchanged.
 */

export type Key = string;

/** A reference to another node's result, used inside task arguments. */
export interface TaskRef {
  kind: 'ref';
  key: Key;
}

/** Task arguments: literals, references, and arrays/objects of them (nested refs are substituted). */
export type Arg =
  | TaskRef
  | null
  | undefined
  | boolean
  | number
  | string
  | bigint
  | Arg[]
  | { [k: string]: Arg }
  | ArrayBufferView
  | unknown;

/** How a worker finds the function of a task. */
export type FnSpec =
  | { kind: 'op'; name: string } // a built-in kernel from the op registry
  | { kind: 'source'; code: string; hash: string; name?: string } // a user's inline function, shipped as text
  | { kind: 'module'; url: string; name: string }; // an export of a user's module

/**
 * A function passed as an argument (`bag.map(f)` runs a kernel with `f` as an argument). It
 * travels as its spec and is resolved to a callable in the worker, like a task's own function.
 */
export interface FnArg {
  kind: 'fn';
  spec: FnSpec;
}

/**
 * Run `fn(...args)` once every key in `deps` has a result. `deps` is computed once, at creation;
 * `fns` lists the specs of functions passed inside `args` (absent when there are none), so
 * schedulers can check and ship them without rescanning arguments.
 */
export interface Task {
  kind: 'task';
  key: Key;
  fn: FnSpec;
  args: Arg[];
  deps: Key[];
  fns?: FnSpec[];
}

/** A literal value placed in the graph. */
export interface Data {
  kind: 'data';
  key: Key;
  value: unknown;
}

/** Another name for a key's result. */
export interface Alias {
  kind: 'alias';
  key: Key;
  target: Key;
}

export type GraphNode = Task | Data | Alias;
export type Graph = ReadonlyMap<Key, GraphNode>;

export function ref(key: Key): TaskRef {
  return { kind: 'ref', key };
}

export function fnArg(spec: FnSpec): FnArg {
  return { kind: 'fn', spec };
}

export function isFnArg(x: unknown): x is FnArg {
  return typeof x === 'object' && x !== null && (x as FnArg).kind === 'fn' && typeof (x as FnArg).spec === 'object' && Object.keys(x).length === 2;
}

export function isRef(x: unknown): x is TaskRef {
  return (
    typeof x === 'object' && x !== null && (x as TaskRef).kind === 'ref' && typeof (x as TaskRef).key === 'string' &&
    Object.keys(x).length === 2
  );
}

/**
 * Build a task; its deps are the refs found anywhere in `args` (deduplicated, in order), and its
 * `fns` the function arguments (`fnArg(spec)`) found there.
 */
export function task(key: Key, fn: FnSpec, args: Arg[]): Task {
  const fns: FnSpec[] = [];
  const deps: Key[] = [];
  for (const a of args) collectRefs(a, deps, fns);
  return fns.length ? { kind: 'task', key, fn, args, deps, fns } : { kind: 'task', key, fn, args, deps };
}

export function data(key: Key, value: unknown): Data {
  return { kind: 'data', key, value };
}

export function alias(key: Key, target: Key): Alias {
  return { kind: 'alias', key, target };
}

/** The keys referenced anywhere inside `args`, each once, in first-seen order. */
export function findRefs(args: readonly unknown[]): Key[] {
  const out: Key[] = [];
  for (const a of args) collectRefs(a, out);
  return out;
}

function collectRefs(a: unknown, out: Key[], fns?: FnSpec[]): void {
  rewrite(a, collectSwap, { out, fns });
}

// Module-level (not a closure per call): this runs once per task built. Returning the value itself
// stops the walk there without changing anything.
function collectSwap(v: object, ctx: { out: Key[]; fns?: FnSpec[] }): unknown {
  if (isRef(v)) {
    if (!ctx.out.includes(v.key)) ctx.out.push(v.key);
    return v;
  }
  if (isFnArg(v)) {
    ctx.fns?.push(v.spec);
    return v;
  }
  return KEEP;
}

/** Returned by a `rewrite` callback to leave a value as it is (and look inside it). */
export const KEEP: unique symbol = Symbol('keep');

/**
 * Rebuild `x` through nested arrays and plain objects, replacing each object for which `swap`
 * (or function) returns something other than KEEP. Unchanged parts are shared, not copied; typed
 * arrays and class instances are leaves.
 */
export function rewrite<C>(x: unknown, swap: (v: object, ctx: C) => unknown, ctx: C): unknown {
  // `swap` takes a context argument so hot callers pass a module-level function, not a new closure.
  if (typeof x === 'function') {
    const f = swap(x, ctx);
    return f === KEEP ? x : f;
  }
  if (x === null || typeof x !== 'object' || ArrayBuffer.isView(x)) return x;
  const s = swap(x, ctx);
  if (s !== KEEP) return s;
  if (Array.isArray(x)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < x.length; i++) {
      const v = rewrite(x[i], swap, ctx);
      if (v !== x[i]) (out ??= x.slice())[i] = v;
    }
    return out ?? x;
  }
  if (Object.getPrototypeOf(x) !== Object.prototype) return x;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(x)) {
    const v0 = (x as Record<string, unknown>)[k];
    const v = rewrite(v0, swap, ctx);
    if (v !== v0) (out ??= { ...(x as Record<string, unknown>) })[k] = v;
  }
  return out ?? x;
}

/** The keys a node needs before it can run. */
export function dependencies(node: GraphNode): readonly Key[] {
  if (node.kind === 'task') return node.deps;
  if (node.kind === 'alias') return [node.target];
  return [];
}

/** For every key, the keys that depend on it. */
export function dependents(graph: Graph): Map<Key, Key[]> {
  const out = new Map<Key, Key[]>();
  for (const key of graph.keys()) out.set(key, []);
  for (const [key, node] of graph) {
    for (const d of dependencies(node)) {
      let list = out.get(d);
      if (!list) out.set(d, (list = []));
      list.push(key);
    }
  }
  return out;
}

/** Union of graphs; the first definition of a key wins (keys are content-addressed). */
export function mergeGraphs(graphs: Iterable<Graph>): Map<Key, GraphNode> {
  const out = new Map<Key, GraphNode>();
  for (const g of graphs) for (const [k, v] of g) if (!out.has(k)) out.set(k, v);
  return out;
}
