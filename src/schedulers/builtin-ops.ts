/**
 * The engine's own kernels: identity, item access, arithmetic/comparison for Delayed, and a few
 * helpers used by collections and benchmarks. Every worker imports this module at boot.
 */
import { defineOps } from './registry.ts';

const num = (x: unknown) => x as number;

export const builtins = defineOps(import.meta.url, {
  identity: (x: unknown) => x,
  getitem: (obj: unknown, key: string | number) => (obj as Record<string | number, unknown>)[key],
  add: (a: unknown, b: unknown) => (num(a) + num(b)) as number,
  sub: (a: unknown, b: unknown) => num(a) - num(b),
  mul: (a: unknown, b: unknown) => num(a) * num(b),
  div: (a: unknown, b: unknown) => num(a) / num(b),
  mod: (a: unknown, b: unknown) => num(a) % num(b),
  pow: (a: unknown, b: unknown) => num(a) ** num(b),
  neg: (a: unknown) => -num(a),
  eq: (a: unknown, b: unknown) => a === b,
  ne: (a: unknown, b: unknown) => a !== b,
  lt: (a: unknown, b: unknown) => num(a) < num(b),
  le: (a: unknown, b: unknown) => num(a) <= num(b),
  gt: (a: unknown, b: unknown) => num(a) > num(b),
  ge: (a: unknown, b: unknown) => num(a) >= num(b),
  /** `inc(x) = x + 1`: the task-overhead benchmark's kernel. */
  inc: (x: unknown) => num(x) + 1,
  /** Sum of an array of numbers. */
  sum: (xs: unknown) => {
    let s = 0;
    for (const x of xs as number[]) s += x;
    return s;
  },
  /** Collect arguments into an array (a task whose result is a list of other results). */
  list: (...xs: unknown[]) => xs,
});
