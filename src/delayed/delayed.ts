/**
 * Delayed: lazy calls of ordinary functions (Dask's `dask.delayed`). Each Delayed holds one graph
 * node and links to the Delayeds it depends on; the graph is materialized only when it is needed
 * (compute, visualize), by walking those links once, so building a 10,000-call chain is linear.
 */
import { checkComputeOptions, compute, visualize, type Collection, type ComputeOptions, type VisualizeOptions } from '../base.ts';
import type { SchedulerName } from '../config.ts';
import { escapeHtml } from '../diagnostics/notebook.ts';
import { messages, OptionError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { registerTokenizer, tokenize, uniqueToken } from '../graph/tokenize.ts';
import { data, fnArg, KEEP, ref, rewrite, type FnSpec, type Graph, type GraphNode, type Key, type Task } from '../graph/types.ts';
import { builtins } from '../schedulers/builtin-ops.ts';
import type { AnyFn } from '../schedulers/registry.ts';
import { isSelfContained } from '../schedulers/ship.ts';
import { specOf } from '../schedulers/specs.ts';

/** Node's `util.inspect.custom` (by its registered name, so the public types need no node typings). */
const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** A value or a Delayed that will produce it. */
export type MaybeDelayed<T> = T | Delayed<T>;
/** Parameters of a function, each of which may be given as a Delayed. */
export type DelayedArgs<P extends readonly unknown[]> = { [K in keyof P]: MaybeDelayed<P[K]> | DeepDelayed<P[K]> };
type DeepDelayed<T> = T extends readonly (infer E)[]
  ? (MaybeDelayed<E> | DeepDelayed<E>)[]
  : T extends (...args: never[]) => unknown
    ? T
    : T extends object
      ? { [K in keyof T]: MaybeDelayed<T[K]> | DeepDelayed<T[K]> }
      : T;

export interface DelayedOptions {
  /** Name used as the key prefix (default: the function's name). */
  name?: string;
  /**
   * Pure calls get a key from their function and arguments, so equal calls are computed once
   * (default false, like Dask: every call is a new task).
   */
  pure?: boolean;
  /** The number of outputs of a function returning a tuple: the Delayed becomes iterable. */
  nout?: number;
  /** Use exactly this key (Dask's `dask_key_name`). */
  key?: string;
}
const DELAYED_KEYS = optionKeys<DelayedOptions>({ name: true, pure: true, nout: true, key: true });

/**
 * A lazy value: a call (or a literal) that runs when computed. Made by `delayed`.
 * @example
 * const x = delayed((a: number, b: number) => a + b)(1, 2);   // Delayed<number>
 * x.key;                        // 'lambda-…'
 * await x.mul(10).compute();    // 30
 */
export class Delayed<T = unknown> implements Collection<T> {
  readonly __scheduler__: SchedulerName = 'threads';
  /** @internal */ readonly node: GraphNode;
  /** @internal */ readonly parents: readonly Delayed[];
  /** @internal */ readonly nout: number | undefined;
  private cached: Graph | undefined;

  /** @internal Use `delayed(...)` to make one. */
  constructor(node: GraphNode, parents: readonly Delayed[], nout?: number, graph?: Graph) {
    this.node = node;
    this.parents = parents;
    this.nout = nout;
    this.cached = graph;
  }

  /** The key of this value in the task graph. */
  get key(): Key {
    return this.node.key;
  }

  __graph__(): Graph {
    if (this.cached) return this.cached;
    const g = new Map<Key, GraphNode>();
    const stack: Delayed[] = [this];
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (g.has(d.node.key)) continue;
      if (d.cached && d !== this) {
        for (const [k, v] of d.cached) if (!g.has(k)) g.set(k, v);
        continue;
      }
      g.set(d.node.key, d.node);
      for (const p of d.parents) if (!g.has(p.node.key)) stack.push(p);
    }
    return (this.cached = g);
  }

  __keys__(): Key[] {
    return [this.node.key];
  }

  __postcompute__(values: unknown[]): T {
    return values[0] as T;
  }

  __postpersist__(graph: Graph): Delayed<T> {
    const node = graph.get(this.key)!;
    return new Delayed<T>(node, [], this.nout, graph);
  }

  /** Compute this value. @example await delayed(inc)(1).compute()  // 2 */
  async compute(opts: ComputeOptions = {}): Promise<T> {
    const [v] = await compute(this, checkComputeOptions('Delayed.compute', opts));
    return v as T;
  }

  /** Draw this value's task graph; returns SVG (or DOT) text. @example await x.visualize({ filename: 'x.svg' }) */
  visualize(opts: VisualizeOptions = {}): Promise<string> {
    return visualize(this, opts);
  }

  /** Item `i` of an array result, or property `key` of an object result. @example delayed(f, { nout: 2 })(x).get(0) */
  get<K extends keyof T & (string | number)>(key: K): Delayed<T[K]>;
  get(key: string | number): Delayed<unknown>;
  get(key: string | number): Delayed<unknown> {
    return call(builtins.getitem, [this, key], { name: 'getitem', pure: true });
  }

  /** `this + other` @example delayed(inc)(1).add(10) */
  add(other: MaybeDelayed<number>): Delayed<number> {
    return binop('add', this, other);
  }
  /** `this - other` */
  sub(other: MaybeDelayed<number>): Delayed<number> {
    return binop('sub', this, other);
  }
  /** `this * other` */
  mul(other: MaybeDelayed<number>): Delayed<number> {
    return binop('mul', this, other);
  }
  /** `this / other` */
  div(other: MaybeDelayed<number>): Delayed<number> {
    return binop('div', this, other);
  }
  /** `this % other` */
  mod(other: MaybeDelayed<number>): Delayed<number> {
    return binop('mod', this, other);
  }
  /** `this ** other` */
  pow(other: MaybeDelayed<number>): Delayed<number> {
    return binop('pow', this, other);
  }
  /** `-this` */
  neg(): Delayed<number> {
    return call(builtins.neg, [this], { name: 'neg', pure: true });
  }
  /** `this === other` */
  eq(other: unknown): Delayed<boolean> {
    return binop('eq', this, other);
  }
  /** `this !== other` */
  ne(other: unknown): Delayed<boolean> {
    return binop('ne', this, other);
  }
  /** `this < other` */
  lt(other: MaybeDelayed<number>): Delayed<boolean> {
    return binop('lt', this, other);
  }
  /** `this <= other` */
  le(other: MaybeDelayed<number>): Delayed<boolean> {
    return binop('le', this, other);
  }
  /** `this > other` */
  gt(other: MaybeDelayed<number>): Delayed<boolean> {
    return binop('gt', this, other);
  }
  /** `this >= other` */
  ge(other: MaybeDelayed<number>): Delayed<boolean> {
    return binop('ge', this, other);
  }

  /** With `nout`, a Delayed unpacks: `const [q, r] = delayed(divmod, { nout: 2 })(7, 2)`. */
  *[Symbol.iterator](): Iterator<Delayed<unknown>> {
    if (this.nout === undefined)
      throw new TypeError(messages.notIterable(this.key));
    for (let i = 0; i < this.nout; i++) yield this.get(i);
  }

  /** Dask's one-line form. @example String(delayed(inc)(1))  // "Delayed('inc-…')" */
  toString(): string {
    return `Delayed('${this.key}')`;
  }

  /**
   * A small HTML table for notebooks (`display(x)`): key, tasks in its graph, direct inputs.
   * @example display(delayed(inc)(1))
   */
  reprHtml(): string {
    const g = this.__graph__();
    let tasks = 0;
    for (const n of g.values()) if (n.kind !== 'data') tasks++;
    const row = (k: string, v: string | number) => `<tr><th style="text-align:left">${k}</th><td style="text-align:left">${escapeHtml(String(v))}</td></tr>`;
    return (
      `<table><caption style="text-align:left"><b>shoal.Delayed</b></caption>` +
      row('key', this.key) +
      row('graph', `${tasks} task${tasks === 1 ? '' : 's'}, ${g.size} node${g.size === 1 ? '' : 's'}`) +
      row('inputs', this.parents.length) +
      `</table>`
    );
  }

  [INSPECT](): string {
    return this.toString();
  }
}

registerTokenizer(
  (v) => v instanceof Delayed,
  (v) => (v as Delayed).key,
);

function binop(name: 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'pow' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: Delayed, b: unknown): Delayed<never> {
  return call(builtins[name], [a, b], { name, pure: true }) as Delayed<never>;
}

interface Unpacked {
  parents: Delayed[];
  /** Specs of functions passed as arguments. */
  fns: FnSpec[];
  /** Identity tokens of argument functions whose source does not determine them (closures). */
  closures: string[];
}

/**
 * Replace Delayeds inside `x` by references (collecting them as parents) and functions by
 * function arguments (so they travel to workers as specs, like a task's own function).
 */
function unpack(x: unknown, into: Unpacked): unknown {
  return rewrite(x, swapDelayed, into);
}

function swapDelayed(v: object, into: Unpacked): unknown {
  if (v instanceof Delayed) {
    into.parents.push(v);
    return ref(v.key);
  }
  if (typeof v === 'function') {
    const spec = specOf(v as AnyFn);
    into.fns.push(spec);
    if (spec.kind === 'source' && !isSelfContained(spec)) into.closures.push(identityToken(v));
    return fnArg(spec);
  }
  return KEEP;
}

/** Object identity for closures, whose source text does not determine what they compute. */
const identities = new WeakMap<object, string>();
function identityToken(fn: object): string {
  let t = identities.get(fn);
  if (!t) identities.set(fn, (t = uniqueToken()));
  return t;
}

function call(fn: AnyFn, args: unknown[], opts: DelayedOptions): Delayed<never> {
  const into: Unpacked = { parents: [], fns: [], closures: [] };
  const wired = new Array<unknown>(args.length);
  for (let i = 0; i < args.length; i++) wired[i] = unpack(args[i], into);
  return callWired(fn, wired, into, opts);
}

/** The Delayed for `fn(...wired)`, whose Delayeds and functions `unpack` has already replaced. */
function callWired(fn: AnyFn, wired: unknown[], into: Unpacked, opts: DelayedOptions): Delayed<never> {
  const spec: FnSpec = specOf(fn);
  const { parents } = into;
  const name = opts.name ?? (spec.kind === 'source' ? fn.name || 'lambda' : spec.name);
  let key: Key;
  if (opts.key !== undefined) key = opts.key;
  else if (opts.pure) {
    const fnToken = spec.kind === 'source' && !isSelfContained(spec) ? identityToken(fn) : spec;
    key = `${name}-${tokenize(fnToken, wired, into.closures)}`;
  } else key = `${name}-${uniqueToken()}`;
  // The references in `wired` are exactly the parents' keys, in order: no need to rescan args.
  let deps: Key[];
  if (parents.length <= 16) {
    deps = [];
    for (const p of parents) if (!deps.includes(p.key)) deps.push(p.key);
  } else deps = [...new Set(parents.map((p) => p.key))];
  const node: Task = into.fns.length ? { kind: 'task', key, fn: spec, args: wired, deps, fns: into.fns } : { kind: 'task', key, fn: spec, args: wired, deps };
  return new Delayed(node, parents, opts.nout);
}

/**
 * Wrap a function so calling it builds a task instead of running, or wrap a value.
 * Arguments may be Delayeds, arrays/objects containing Delayeds, or plain values.
 * @example
 * const square = (x: number) => x * x;
 * const i = delayed(square)(3);
 * const [a, b] = await compute(i.sub(5), i.add(4));   // [4, 13]; square ran once
 * const [q, r] = delayed((a: number, b: number) => [Math.floor(a / b), a % b], { nout: 2 })(7, 2);
 */
export function delayed<A extends unknown[], R>(fn: (...args: A) => R, opts?: DelayedOptions): (...args: DelayedArgs<A>) => Delayed<Awaited<R>>;
export function delayed<T>(value: T, opts?: Omit<DelayedOptions, 'nout'>): Delayed<T extends Delayed<infer U> ? U : T>;
export function delayed(fnOrValue: unknown, opts: DelayedOptions = {}): unknown {
  checkOptions('delayed', opts, DELAYED_KEYS);
  if (opts.nout !== undefined && !(Number.isInteger(opts.nout) && opts.nout >= 0))
    throw new OptionError(messages.badOption('nout', opts.nout, 'must be a whole number >= 0'));
  if (typeof fnOrValue === 'function') {
    const fn = fnOrValue as AnyFn;
    specOf(fn); // fail now, not at compute, if it is not a function we can describe
    return (...args: unknown[]) => call(fn, args, opts);
  }
  if (fnOrValue instanceof Delayed) return fnOrValue;
  const into: Unpacked = { parents: [], fns: [], closures: [] };
  const wired = unpack(fnOrValue, into);
  const name = opts.name ?? (Array.isArray(fnOrValue) ? 'list' : typeof fnOrValue === 'object' && fnOrValue !== null ? (fnOrValue.constructor?.name ?? 'object').toLowerCase() : typeof fnOrValue);
  // A container of Delayeds (or of functions, resolved in the worker) is assembled by a task.
  if (into.parents.length > 0 || into.fns.length > 0) return callWired(builtins.identity, [wired], into, { name, key: opts.key, pure: true });
  const key = opts.key ?? `${name}-${opts.pure === false ? uniqueToken() : tokenize(fnOrValue)}`;
  return new Delayed(data(key, fnOrValue), []);
}
