/** The options and arguments of `submit`, `map` and `scatter`. */
import { KEEP, ref } from '../graph/types.ts';
import { checkOptions, isPlainObject, nearestName, optionKeys } from '../options.ts';
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
   * cluster's `cancelGracePeriod` is terminated and replaced (on Redis-joined workers, the
   * runtime thread running it).
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

/** The option names of `SubmitOptions`. */
export const SUBMIT_KEYS = optionKeys<SubmitOptions>({ key: true, pure: true, retries: true, priority: true, timeout: true });
const SCATTER_KEYS = optionKeys<ScatterOptions>({ broadcast: true, workers: true });

/**
 * Take the options off the end of `submit`'s arguments. A trailing plain object is the options
 * when each of its keys is an option name or a near miss of one (`{ retires: 2 }`: then the
 * OptionError names the typo); any other object (`{ xs, k }`) is an argument of the function.
 * @example
 * const args = [1, { retries: 2 }];
 * takeSubmitOptions(args);   // { retries: 2 }; args is now [1]
 */
export function takeSubmitOptions(args: unknown[]): SubmitOptions {
  const last = args[args.length - 1];
  if (!isPlainObject(last)) return {};
  const keys = Object.keys(last);
  if (keys.length === 0 || !keys.every((k) => SUBMIT_KEYS.includes(k) || nearestName(k, SUBMIT_KEYS) !== undefined)) return {};
  args.pop();
  return checkOptions('Client.submit', last as SubmitOptions, SUBMIT_KEYS);
}

/**
 * Check the options of `scatter`.
 * @example
 * checkScatterOptions({ broadcast: true });
 */
export function checkScatterOptions(opts: ScatterOptions): ScatterOptions {
  return checkOptions('Client.scatter', opts, SCATTER_KEYS);
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
