/**
 * A Future: a remote result held by the cluster (Dask's `distributed.Future`). Awaitable; while
 * any Future for a key is alive the result stays on its worker. A Future that is garbage collected
 * or `release()`d drops its reference, and the cluster frees the result once none is left.
 */
import type { Key } from '../graph/types.ts';

export type FutureStatus = 'pending' | 'finished' | 'error' | 'cancelled' | 'lost';

/**
 * What a Future needs from its client (kept narrow so futures and client stay separate files).
 * Every member is tagged internal, as are the client methods implementing them: the published
 * declarations keep an empty interface, and the client's `implements` still holds there.
 */
export interface FutureOwner {
  /** @internal */
  statusOf(key: Key): FutureStatus;
  /** @internal */
  resultOf(key: Key): Promise<unknown>;
  /** @internal */
  exceptionOf(key: Key): Promise<Error | undefined>;
  /** @internal */
  cancelKeys(keys: Key[]): Promise<void>;
  /** @internal */
  whenDone(key: Key): Promise<void>;
  /** @internal */
  dropRef(key: Key, future: object): void;
  /** @internal Count `future` as one more reference to its key (released like any Future). */
  adopt<F extends FutureBase>(future: F): F;
}

/**
 * What every Future is: a counted reference to a key on the cluster. `Future` adds `then` (it is
 * awaitable); `DoneFuture`, what `asCompleted` yields, does not.
 */
export abstract class FutureBase<T = unknown> {
  private released = false;

  /** @internal Made by a Client (`submit`, `compute`, `scatter`, ...). */
  constructor(
    readonly key: Key,
    /** @internal */ readonly owner: FutureOwner,
    /** @internal Turns the key's value into the result (a collection's postcompute). */
    readonly post?: (value: unknown) => T,
  ) {}

  /** 'pending', 'finished', 'error', 'cancelled' or 'lost'. */
  get status(): FutureStatus {
    return this.owner.statusOf(this.key);
  }

  /** True once finished, failed or cancelled. */
  get done(): boolean {
    return this.status !== 'pending';
  }

  /**
   * The value, gathered from the worker that holds it; rejects with the task's error.
   * @example
   * const f = client.submit((x: number) => x + 1, 10);
   * await f.result();   // 11
   */
  async result(): Promise<T> {
    const v = await this.owner.resultOf(this.key);
    return this.post ? this.post(v) : (v as T);
  }

  /**
   * The error of a failed task (undefined if it succeeded); waits until it is done.
   * @example
   * const e = await client.submit(() => { throw new Error('x'); }).exception();   // TaskError
   */
  exception(): Promise<Error | undefined> {
    return this.owner.exceptionOf(this.key);
  }

  /**
   * Stop computing this key (if nothing else needs it) and mark this Future cancelled.
   * @example
   * await f.cancel();   // f.status === 'cancelled'
   */
  cancel(): Promise<void> {
    return this.owner.cancelKeys([this.key]);
  }

  /**
   * Let go of this reference now instead of at garbage collection.
   * @example
   * f.release();
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.owner.dropRef(this.key, this);
  }

  /** Wait until finished, failed or cancelled (never rejects). */
  whenDone(): Promise<void> {
    return this.owner.whenDone(this.key);
  }

  toString(): string {
    return `<Future: ${this.status}, key: ${this.key}>`;
  }
}

/** A Future: awaiting it gives the result (or throws the task's error). */
export class Future<T = unknown> extends FutureBase<T> implements PromiseLike<T> {
  // biome-ignore lint/suspicious/noThenProperty: Futures are awaitable, like Dask's.
  then<A = T, B = never>(onfulfilled?: ((value: T) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.result().then(onfulfilled, onrejected);
  }

  /** @internal A reference to the same key that is not awaitable (counted on its own). */
  toDone(): DoneFuture<T> {
    return this.owner.adopt(new DoneFuture<T>(this.key, this.owner, this.post));
  }
}

/**
 * A Future that is done, as `asCompleted` yields it: the same key, status, `result()`,
 * `exception()`, `cancel()` and `release()`, and it can be passed to `gather`, `submit`, `wait`;
 * but it is not awaitable. A thenable cannot come out of `for await` as itself in TypeScript's
 * types (they say it is its result), so the Futures `asCompleted` yields are not thenables, and
 * types and values agree: `for await (const f of asCompleted(fs))` gives DoneFutures.
 * @example
 * for await (const f of asCompleted(futures)) console.log(f.key, await f.result());
 */
export class DoneFuture<T = unknown> extends FutureBase<T> {}

/** Any kind of Future (`Future` or `DoneFuture`). */
export type AnyFuture<T = unknown> = Future<T> | DoneFuture<T>;

/** True for a shoal Future (awaitable or done). */
export function isFuture(x: unknown): x is AnyFuture {
  return x instanceof FutureBase;
}
