/** The options and arguments of `submit`, `map` and `scatter`. */
import { KEEP, ref } from '../graph/types.ts';
import { isFuture, type AnyFuture } from './future.ts';

/** Options of `submit` / `map`, given as a trailing object. */
export interface SubmitOptions {
  /** The task's key (default: the function's name and a hash of the call, or a random token). */
  key?: string;
  /** Same function and arguments → same key, computed once (default true, as Dask). */
  pure?: boolean;
  /** Re-run the task this many times when it throws. */
  retries?: number;
  /** Higher runs first. */
  priority?: number;
  /**
   * Seconds: if the task has not finished by then, its Future fails with a TimeoutError naming
   * the key and the timeout, and the task is cancelled; a worker still running it after the
   * cluster's `cancelGracePeriod` is terminated and replaced.
   * @example
   * const f = client.submit(crunch, data, { timeout: 30 });
   */
  timeout?: number;
}
/** Options of `scatter`. */
export interface ScatterOptions {
  /** Put a copy on every worker. */
  broadcast?: boolean;
  /** Only on these workers (ids as in `cluster.workers`). */
  workers?: string[];
}

const SUBMIT_KEYS = new Set(['key', 'pure', 'retries', 'priority', 'timeout']);

/** A trailing argument of `submit` that is its options (a plain object of option names only). */
export function isSubmitOptions(x: unknown): x is SubmitOptions {
  if (typeof x !== 'object' || x === null || Object.getPrototypeOf(x) !== Object.prototype) return false;
  const ks = Object.keys(x);
  return ks.length > 0 && ks.every((k) => SUBMIT_KEYS.has(k));
}

/** `rewrite` visitor: a Future among the arguments becomes a reference to its key. */
export function futureToRef(v: object, found: AnyFuture[]): unknown {
  if (!isFuture(v)) return KEEP;
  found.push(v);
  return ref(v.key);
}

/** The prefix of a scattered value's key (Dask names them by type). */
export function typeNameOf(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v.constructor?.name ?? 'object').toLowerCase();
}
