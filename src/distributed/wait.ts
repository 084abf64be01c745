/**
 * Waiting on several Futures: `asCompleted` (an async iterator in completion order, Dask's
 * `as_completed`) and `wait` (all or the first, with a timeout, Dask's `wait`).
 */
import { distributedMessages, OptionError, ShoalError } from '../errors.ts';
import { isFuture, type Future } from './future.ts';

function check(futures: Iterable<Future>): Future[] {
  const list = [...futures];
  for (const f of list) if (!isFuture(f)) throw new OptionError(distributedMessages.notAFuture(f));
  return list;
}

/**
 * Yield each Future as soon as it is done (finished, failed or cancelled), in completion order.
 * With `withResults`, yields `[future, result]` pairs (a failed task rejects the iteration).
 * @example
 * for await (const f of asCompleted(client.map(slow, [3, 1, 2]))) console.log(await f.result());
 */
export function asCompleted<T>(futures: Iterable<Future<T>>): AsyncIterableIterator<Future<T>>;
export function asCompleted<T>(futures: Iterable<Future<T>>, opts: { withResults: true }): AsyncIterableIterator<[Future<T>, T]>;
export function asCompleted<T>(futures: Iterable<Future<T>>, opts: { withResults?: boolean } = {}): AsyncIterableIterator<Future<T> | [Future<T>, T]> {
  // Written out by hand: an async generator would `await` each yielded Future (they are thenable)
  // and hand out results instead of Futures.
  const list = check(futures) as Future<T>[];
  const ready: Future<T>[] = [];
  let wake: (() => void) | undefined;
  for (const f of list) {
    void f.whenDone().then(() => {
      ready.push(f);
      wake?.();
    });
  }
  let yielded = 0;
  const it: AsyncIterableIterator<Future<T> | [Future<T>, T]> = {
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

export interface WaitOptions {
  /** 'ALL_COMPLETED' (default) or 'FIRST_COMPLETED'. */
  returnWhen?: 'ALL_COMPLETED' | 'FIRST_COMPLETED';
  /** Seconds; rejects with a timeout error when passed. */
  timeout?: number;
}

/**
 * Wait until all (or the first of) the Futures are done; never rejects for a failed task (look at
 * each one's `status`).
 * @example
 * const { done, notDone } = await wait(futures, { returnWhen: 'FIRST_COMPLETED' });
 */
export async function wait<T>(futures: Iterable<Future<T>>, opts: WaitOptions = {}): Promise<{ done: Set<Future<T>>; notDone: Set<Future<T>> }> {
  const list = check(futures) as Future<T>[];
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
          timer = setTimeout(() => reject(new ShoalError('ERR_SHOAL_OPTION', distributedMessages.waitTimeout(seconds, list.filter((f) => !f.done).length))), seconds * 1000);
        }),
      ]);
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
  const done = new Set(list.filter((f) => f.done));
  return { done, notDone: new Set(list.filter((f) => !done.has(f))) };
}
