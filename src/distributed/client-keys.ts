/**
 * What a Client knows about each key it has Futures for (status, failure, live Futures, whether the
 * scheduler holds a reference for it), and the Future protocol on top of it: results, errors,
 * waiting, reference counting and release. `Client` (client.ts) adds the user-facing API.
 */
import { CancelledError, ClosedError, distributedMessages, KilledWorkerError, ShoalError, TaskError, TimeoutError } from '../errors.ts';
import type { Key } from '../graph/types.ts';
import { secondsOption } from '../schedulers/deadline.ts';
import { Future, type FutureBase, type FutureOwner, type FutureStatus } from './future.ts';
import { fetchValues } from './gather.ts';
import type { WorkerInfo } from './local-cluster.ts';
import type { Failure } from './scheduler-state.ts';
import type { SchedulerServer } from './server.ts';

/**
 * What a Client needs from a cluster: a LocalCluster, or a RedisCluster (workers joined through
 * Redis). The scheduler runs in the client's process either way; only its transport differs.
 */
export interface ClusterLike {
  readonly name: string;
  /** @internal */
  readonly server: SchedulerServer;
  readonly workers: WorkerInfo[];
  readonly totals: { workers: number; threads: number; memory: number | undefined };
  readonly dashboardLink: string | undefined;
  readonly closed: boolean;
  /** Where the cluster is (shown by String(client)), for clusters reached by address. */
  readonly address?: string;
  close(): Promise<void>;
}

/** A key whose `timeout` passed: this client gave it up (its task was cancelled unless others want it). */
interface TimedOut {
  kind: 'timeout';
  key: Key;
  seconds: number;
}

/** One key as this client knows it. */
export interface KeyState {
  status: FutureStatus;
  failure?: Failure | TimedOut;
  /** The timer of its `timeout`, while pending. */
  deadline?: NodeJS.Timeout;
  /** Live Futures for this key. */
  refs: number;
  /** The scheduler holds one reference for this client. */
  wanted: boolean;
  done: Promise<void>;
  markDone: () => void;
  /** Releases this key's hold on the program while it is pending. */
  unhold?: () => void;
}

/** Key bookkeeping shared by every Client method; one reference per key on the scheduler. */
export abstract class ClientKeys<C extends ClusterLike = ClusterLike> implements FutureOwner {
  readonly id: string;
  readonly cluster: C;
  protected readonly keys = new Map<Key, KeyState>();
  protected readonly registry = new FinalizationRegistry<Key>((key) => this.unref(key));
  protected closedFlag = false;

  protected constructor(cluster: C, id: string) {
    this.cluster = cluster;
    this.id = id;
  }

  protected get server() {
    if (this.closedFlag) throw new ClosedError(distributedMessages.clientClosed(this.id));
    if (this.cluster.server.closed) throw new ClosedError(`the cluster ${this.cluster.name}`);
    return this.cluster.server;
  }

  protected stateOf(key: Key): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      let markDone!: () => void;
      const done = new Promise<void>((r) => (markDone = r));
      s = { status: 'pending', refs: 0, wanted: false, done, markDone };
      this.keys.set(key, s);
    }
    return s;
  }

  protected settle(key: Key, status: 'finished' | 'error', failure?: Failure | TimedOut): void {
    const s = this.keys.get(key);
    if (!s || s.status === 'cancelled') return;
    s.status = status;
    s.failure = failure;
    clearTimeout(s.deadline);
    s.unhold?.();
    s.markDone();
  }

  protected settleCancelled(key: Key): void {
    const s = this.keys.get(key);
    if (!s) return;
    s.status = 'cancelled';
    clearTimeout(s.deadline);
    s.unhold?.();
    s.markDone();
  }

  /**
   * `key` must finish within `seconds` (a `timeout` option): past that its Futures fail with a
   * TimeoutError and this client lets go of it, which cancels its task unless another client
   * wants it (the cluster then replaces a worker that does not stop it within its grace period).
   */
  protected deadline(key: Key, seconds: number | undefined): void {
    const ms = secondsOption('timeout', seconds);
    if (ms === undefined) return;
    const s = this.stateOf(key);
    if (s.status !== 'pending') return;
    clearTimeout(s.deadline);
    s.deadline = setTimeout(() => {
      if (this.keys.get(key) !== s || s.status !== 'pending') return;
      this.settle(key, 'error', { kind: 'timeout', key, seconds: seconds! });
      if (s.wanted && !this.closedFlag) {
        s.wanted = false;
        this.cluster.server.release(this.id, [key]);
      }
    }, ms);
    s.deadline.unref(); // a pending key holds the program already
  }

  /** A Future for `key`, counting one reference. */
  protected futureOf<T>(key: Key, post?: (v: unknown) => T): Future<T> {
    const f = new Future<T>(key, this, post);
    this.stateOf(key).refs++;
    this.registry.register(f, key, f);
    return f;
  }

  /** @internal */
  adopt<F extends FutureBase>(f: F): F {
    this.stateOf(f.key).refs++;
    this.registry.register(f, f.key, f);
    return f;
  }

  /** @internal */
  dropRef(key: Key, future: object): void {
    this.registry.unregister(future);
    this.unref(key);
  }

  protected unref(key: Key): void {
    const s = this.keys.get(key);
    if (!s || --s.refs > 0) return;
    this.keys.delete(key);
    clearTimeout(s.deadline);
    s.unhold?.();
    if (!this.closedFlag && s.wanted) this.cluster.server.release(this.id, [key]);
  }

  /** Send tasks and say which keys this client wants (each key wanted once per client). */
  protected want(tasks: Parameters<SchedulerServer['submit']>[1], keys: Key[]): void {
    const fresh: Key[] = [];
    for (const k of new Set(keys)) {
      const s = this.stateOf(k);
      if (s.status === 'cancelled' || s.failure?.kind === 'timeout') {
        // Submitted again after a cancel or a timeout: a fresh start for this key.
        s.status = 'pending';
        s.failure = undefined;
        s.done = new Promise<void>((r) => (s.markDone = r));
        s.wanted = false;
      }
      if (!s.wanted) {
        s.wanted = true;
        fresh.push(k);
        if (s.status === 'pending') s.unhold = this.server.hold();
      }
    }
    this.server.submit(this.id, tasks, fresh);
  }

  /** @internal */
  statusOf(key: Key): FutureStatus {
    return this.keys.get(key)?.status ?? 'cancelled';
  }

  /** @internal */
  whenDone(key: Key): Promise<void> {
    return this.keys.get(key)?.done ?? Promise.resolve();
  }

  protected errorOf(key: Key, s: KeyState | undefined): Error | undefined {
    if (!s || s.status === 'cancelled') return new CancelledError(key);
    if (s.status !== 'error') return undefined;
    const f = s.failure!;
    if (f.kind === 'exception') return new TaskError(f.key, f.worker, f.info);
    if (f.kind === 'lost') return new ShoalError('ERR_SHOAL_WORKER_DIED', distributedMessages.lostResult(f.key));
    if (f.kind === 'timeout') return new TimeoutError('task', [f.key], f.seconds);
    return new KilledWorkerError(f.key, f.deaths, f.lastWorker, f.detail);
  }

  /** @internal */
  async exceptionOf(key: Key): Promise<Error | undefined> {
    await this.whenDone(key);
    return this.errorOf(key, this.keys.get(key));
  }

  /** @internal */
  async resultOf(key: Key): Promise<unknown> {
    const [v] = await this.gatherKeys([key]);
    return v;
  }

  /** Values of finished keys, from the workers holding them (each holder asked once). */
  protected async gatherKeys(keys: Key[]): Promise<unknown[]> {
    await Promise.all(keys.map((k) => this.whenDone(k)));
    for (const k of keys) {
      const e = this.errorOf(k, this.keys.get(k));
      if (e) throw e;
    }
    const unhold = this.server.hold();
    try {
      return await fetchValues(this.server, keys, (k) => {
        // Lost with its worker and then failed on recomputation: the client hears it here.
        const ts = this.cluster.server.state.tasks.get(k);
        if (ts?.state === 'erred') this.settle(k, 'error', ts.failure);
        return this.errorOf(k, this.keys.get(k));
      });
    } finally {
      unhold();
    }
  }

  /** @internal */
  async cancelKeys(keys: Key[]): Promise<void> {
    const rel: Key[] = [];
    for (const k of new Set(keys)) {
      const s = this.keys.get(k);
      if (!s || s.status === 'cancelled') continue;
      s.status = 'cancelled';
      clearTimeout(s.deadline);
      s.unhold?.();
      s.markDone();
      if (s.wanted) rel.push(k);
      s.wanted = false;
    }
    this.server.release(this.id, rel);
  }

}
