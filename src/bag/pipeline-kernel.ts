/**
 * The worker side of a Bag's fused transforms: one call runs every pending step of one partition.
 * Consecutive element-wise steps (map, filter, pluck, flatten, ...) are chained into a push
 * pipeline, so each element goes through all of them in one loop and no intermediate array is
 * built; partition-wise steps (mapPartitions) take and return whole arrays; `head` (take) stops the source
 * once it has its elements. The elements come
 * from an array or, for `readText`, straight from a file block's lines; they end in an array or,
 * for a reduction, in a streaming reducer.
 * Loaded in workers: imports nothing heavy.
 */
import { messages } from '../errors.ts';
import type { Block } from '../io/blocks.ts';
import type { AnyFn } from '../schedulers/registry.ts';
import { reducers, type Reducer } from './reducers.ts';
import { lineSource } from './text-kernel.ts';
import { asArray } from './partition.ts';

export { asArray };

/** `[perElement, value]`: a Bag partition zipped with the elements (1), or a value passed as is (0). */
export type ExtraArg = [perElement: 0 | 1, value: unknown];

/**
 * One pending transform as it travels in a task: op name, the user's function (resolved from its
 * spec before the kernel runs), an op-specific argument, and extra arguments.
 */
export type StepArgs = [op: string, fn: AnyFn | null, arg: unknown, extras: ExtraArg[]];

/** Ops that take and return a whole partition (they end a push pipeline). */
const PARTITION_OPS = new Set(['mapPartitions']);

/**
 * Feeds elements to a sink. `at.j` is the position of the element being fed (for error messages);
 * a stage sets `at.done` when it needs nothing more (`take`), and the source stops.
 */
export interface Cursor {
  j: number;
  done: boolean;
}
type Source = (sink: Push, at: Cursor) => void;

function arraySource(items: ArrayLike<unknown>): Source {
  return (sink, at) => {
    for (let j = 0, n = items.length; j < n && !at.done; j++) {
      at.j = j;
      sink(items[j]);
    }
  };
}

/**
 * Run `steps` over one partition. `index` is the partition number (for error messages). A first
 * step `readText` makes the partition a file block whose lines are fed one by one; a last step
 * `reduce` feeds the elements to a streaming reducer (reducers.ts) instead of collecting them.
 * @example
 * runPipeline([1, 2, 3], [['map', (x) => x * 2, null, []], ['filter', (x) => x > 2, null, []]], 0); // [4, 6]
 */
export function runPipeline(part: unknown, steps: StepArgs[], index: number): unknown {
  let s = 0;
  let source: Source;
  if (steps[0]?.[0] === 'readText') {
    source = lineSource(part as Block, steps[0][2] as string);
    s = 1;
  } else source = arraySource(part instanceof Float64Array ? part : asArray(part)); // packed numbers are read by index
  let reducer: Reducer | null = null;
  let end = steps.length;
  if (steps[end - 1]?.[0] === 'reduce') {
    const [name, ...params] = steps[end - 1]![2] as [string, ...never[]];
    reducer = reducers[name]!(...params);
    end--;
  }
  for (;;) {
    let e = s;
    while (e < end && !PARTITION_OPS.has(steps[e]![0])) e++;
    const last = e === end;
    const out: unknown[] = [];
    const sink: Push = last && reducer ? reducer.add : (x) => void out.push(x);
    elementSteps(source, steps.slice(s, e), index, sink);
    if (last) {
      if (reducer) return reducer.done();
      // A Promise cannot be an element (nor cross to another process): say so instead of failing later.
      if (out.length > 0 && isThenable(out[0])) throw new TypeError(messages.bagAsync(index));
      return out;
    }
    source = arraySource(partitionStep(out, steps[e]!, index));
    s = e + 1;
  }
}

function partitionStep(items: unknown[], [, fn, , extras]: StepArgs, index: number): unknown[] {
  // mapPartitions: a Bag passed as an extra argument gives its whole partition.
  let r: unknown;
  try {
    r = fn!(items, ...extras.map((e) => (e[0] === 1 ? asArray(e[1]) : e[1])));
  } catch (e) {
    throw annotate(e, messages.bagWhere(index));
  }
  if (isThenable(r)) throw new TypeError(messages.bagAsync(index));
  return asArray(r);
}

type Push = (x: unknown) => void;

function isThenable(x: unknown): boolean {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function';
}

/** Feed `source` through element-wise `steps` into `out`. */
function elementSteps(source: Source, steps: StepArgs[], index: number, out: Push): void {
  const checks: Array<() => void> = [];
  const at: Cursor = { j: 0, done: false };
  let sink = out;
  for (let k = steps.length - 1; k >= 0; k--) sink = stage(steps[k]!, sink, checks, index, at);
  try {
    source(sink, at);
  } catch (e) {
    throw annotate(e, messages.bagWhere(index, at.j));
  }
  // A source stopped early (take) has not fed every element: lengths cannot be compared.
  if (!at.done) for (const c of checks) c();
}

/** Add where it happened to a user's error (the key and remote stack come with the TaskError). */
function annotate(e: unknown, where: string): unknown {
  if (e instanceof Error && !(e as { shoalBagNoted?: boolean }).shoalBagNoted) {
    try {
      e.message = `${e.message} ${where}`;
      Object.defineProperty(e, 'shoalBagNoted', { value: true });
    } catch {
      // a frozen error keeps its message
    }
  }
  return e;
}

/** One element-wise step as a push stage in front of `next`. */
function stage([op, fn, arg, extras]: StepArgs, next: Push, checks: Array<() => void>, index: number, at: Cursor): Push {
  switch (op) {
    case 'head': {
      // take(n): pass the first n elements, then tell the source to stop reading.
      const n = arg as number;
      let c = 0;
      if (n === 0) at.done = true;
      return (x) => {
        if (c >= n) return;
        c++;
        next(x);
        if (c >= n) at.done = true;
      };
    }
    case 'map':
      return callStage(fn!, extras, next, checks, index, 'map', false);
    case 'starmap':
      return callStage(fn!, extras, next, checks, index, 'starmap', true);
    case 'zip':
      return callStage(null, extras, next, checks, index, 'zip', false);
    case 'filter': {
      const pred = fn;
      if (!pred) return (x) => {
        if (x) next(x);
      };
      if (extras.length === 0) return (x) => {
        if (pred(x)) next(x);
      };
      const args = extras.map((e) => e[1]);
      return (x) => {
        if (pred(x, ...args)) next(x);
      };
    }
    case 'remove': {
      const pred = fn!;
      return (x) => {
        if (!pred(x)) next(x);
      };
    }
    case 'flatten':
      return (x) => {
        if (Array.isArray(x)) for (let i = 0; i < x.length; i++) next(x[i]);
        else for (const y of x as Iterable<unknown>) next(y);
      };
    case 'pluck': {
      const [key, hasDefault, dflt] = arg as [unknown, boolean, unknown];
      const one = (x: unknown, k: unknown) => {
        const obj = x as Record<string | number, unknown>;
        if (obj !== null && obj !== undefined && (typeof obj === 'object' || typeof obj === 'string') && (k as string) in Object(obj)) return obj[k as string];
        if (hasDefault) return dflt;
        throw new RangeError(messages.bagPluckMissing(k, x));
      };
      if (Array.isArray(key)) return (x) => next(key.map((k) => one(x, k)));
      return (x) => next(one(x, key));
    }
    default:
      throw new Error(`internal: unknown bag step ${op}`);
  }
}

/**
 * map / starmap / zip. Bag extras (perElement) advance with the elements this stage sees, so
 * `filter(p).map(f, other)` pairs the filtered elements with `other`'s, as in Dask.
 */
function callStage(fn: AnyFn | null, extras: ExtraArg[], next: Push, checks: Array<() => void>, index: number, op: string, spread: boolean): Push {
  const f = fn ?? ((...xs: unknown[]) => xs);
  if (extras.length === 0) {
    if (spread) return (x) => next(f(...(x as unknown[])));
    return (x) => next(f(x));
  }
  const perElement = extras.some((e) => e[0] === 1);
  if (!perElement) {
    const args = extras.map((e) => e[1]);
    if (spread) return (x) => next(f(...(x as unknown[]), ...args));
    if (args.length === 1) {
      const a = args[0];
      return (x) => next(f(x, a));
    }
    return (x) => next(f(x, ...args));
  }
  const parts = extras.map((e) => (e[0] === 1 ? asArray(e[1]) : null));
  const args = extras.map((e) => e[1]);
  let k = 0;
  checks.push(() => {
    for (const p of parts) if (p && p.length !== k) throw new RangeError(messages.bagLengthMismatch(op, index, [k, p.length]));
  });
  return (x) => {
    const call = spread ? [...(x as unknown[])] : [x];
    for (let e = 0; e < parts.length; e++) {
      const p = parts[e];
      if (p) {
        if (k >= p.length) throw new RangeError(messages.bagLengthMismatch(op, index, [k + 1, p.length]));
        call.push(p[k]);
      } else call.push(args[e]);
    }
    k++;
    next(f(...call));
  };
}
