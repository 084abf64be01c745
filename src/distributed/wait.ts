/**
 * Waiting on several Futures: `asCompleted` (an async iterator in completion order, Dask's
 * `as_completed`) and `wait` (all or the first, with a timeout, Dask's `wait`).
 */
import { distributedMessages, OptionError, TimeoutError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { isFuture, type AnyFuture, type DoneFuture, type Future } from './future.ts';

function check<F>(futures: Iterable<F>): F[] {
  const list = [...futures];
  for (const f of list) if (!isFuture(f)) throw new OptionError(distributedMessages.notAFuture(f));
  return list;
}

/**
 * Yield each Future as soon as it is done (finished, failed or cancelled), in completion order
 * (Dask's `as_completed`). The Futures yielded are `DoneFuture`s: the same keys, not awaitable, so
 * `for await` types them as what they are (call `result()`). With `withResults` (Dask's
 * `with_results=True`) it yields `[future, result]` pairs, and a failed task rejects the iteration
 * with its error.
 * @example
 * for await (const f of asCompleted(client.map(slow, [3, 1, 2]))) console.log(f.key, await f.result());
 * for await (const [f, value] of asCompleted(futures, { withResults: true })) console.log(f.key, value);
 */
/** Options of `asCompleted`. */
export interface AsCompletedOptions {
  /** Yield `[future, result]` pairs (a failed task rejects the iteration). */
  withResults?: boolean;
}
const AS_COMPLETED_KEYS = optionKeys<AsCompletedOptions>({ withResults: true });

export function asCompleted<T>(futures: Iterable<AnyFuture<T>>, opts?: { withResults?: false }): AsyncIterableIterator<DoneFuture<T>>;
export function asCompleted<T>(futures: Iterable<AnyFuture<T>>, opts: { withResults: true }): AsyncIterableIterator<[DoneFuture<T>, T]>;
export function asCompleted<T>(futures: Iterable<AnyFuture<T>>, opts: AsCompletedOptions = {}): AsyncIterableIterator<DoneFuture<T> | [DoneFuture<T>, T]> {
  checkOptions('asCompleted', opts, AS_COMPLETED_KEYS);
  const list = check(futures).map(toDone);
  const ready: DoneFuture<T>[] = [];
  let wake: (() => void) | undefined;
  for (const f of list) {
    void f.whenDone().then(() => {
      ready.push(f);
      wake?.();
    });
  }
  let yielded = 0;
  const it: AsyncIterableIterator<DoneFuture<T> | [DoneFuture<T>, T]> = {
    async next() {
      if (yielded >= list.length) return { value: undefined, done: true };
      while (ready.length === 0) await new Promise<void>((r) => (wake = r));
      yielded++;
      const f = ready.shift()!;
      return { value: opts.withResults ? [f, await f.result()] : f, done: false };
    },
    async return() {
      yielded = list.length;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

function toDone<T>(f: AnyFuture<T>): DoneFuture<T> {
  return 'toDone' in f ? (f as Future<T>).toDone() : f;
}

export interface WaitOptions {
  /** 'ALL_COMPLETED' (default) or 'FIRST_COMPLETED'. */
  returnWhen?: 'ALL_COMPLETED' | 'FIRST_COMPLETED';
  /** Seconds; rejects with a `TimeoutError` naming the futures still pending when passed (they go on running). */
  timeout?: number;
}
const WAIT_KEYS = optionKeys<WaitOptions>({ returnWhen: true, timeout: true });

/**
 * Wait until all (or the first of) the Futures are done; never rejects for a failed task (look at
 * each one's `status`).
 * @example
 * const { done, notDone } = await wait(futures, { returnWhen: 'FIRST_COMPLETED' });
 */
export async function wait<F extends AnyFuture>(futures: Iterable<F>, opts: WaitOptions = {}): Promise<{ done: Set<F>; notDone: Set<F> }> {
  checkOptions('wait', opts, WAIT_KEYS);
  const list = check(futures);
  const mode = opts.returnWhen ?? 'ALL_COMPLETED';
  if (mode !== 'ALL_COMPLETED' && mode !== 'FIRST_COMPLETED') throw new OptionError(distributedMessages.returnWhen(mode));
  const all = mode === 'ALL_COMPLETED' ? Promise.all(list.map((f) => f.whenDone())) : Promise.race(list.map((f) => f.whenDone()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (opts.timeout === undefined) await all;
    else {
      const seconds = opts.timeout;
      await Promise.race([
        all,
        new Promise((_, reject) => {
          const pending = () => list.filter((f) => !f.done).map((f) => f.key);
          timer = setTimeout(() => reject(new TimeoutError('wait', pending(), seconds)), seconds * 1000);
        }),
      ]);
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
  const done = new Set(list.filter((f) => f.done));
  return { done, notDone: new Set(list.filter((f) => !done.has(f))) };
}
