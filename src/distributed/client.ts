/**
 * Client: the user's handle on a cluster (Dask's `distributed.Client`). While open it is the
 * default scheduler of every `compute()`; it submits graphs and functions, hands out Futures,
 * gathers and scatters data, and keeps one reference per key on the scheduler for as long as a
 * Future for that key is alive.
 */
import { isCollection, type Collection } from '../base.ts';
import { CancelledError, distributedMessages, OptionError, TimeoutError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { tokenize, uniqueToken } from '../graph/tokenize.ts';
import { ref, rewrite, task, type Graph, type GraphNode, type Key } from '../graph/types.ts';
import type { Callback, RunStats } from '../schedulers/callbacks.ts';
import { secondsOption } from '../schedulers/deadline.ts';
import { getDefaultScheduler, registerScheduler, setDefaultScheduler, unregisterScheduler, type GetOptions, type Scheduler } from '../schedulers/index.ts';
import type { AnyFn } from '../schedulers/registry.ts';
import { assertShippable } from '../schedulers/ship.ts';
import { specOf } from '../schedulers/specs.ts';
import { ClientKeys, type ClusterLike } from './client-keys.ts';
import { isFuture, type AnyFuture, type Future } from './future.ts';
import { LOCAL_CLUSTER_KEYS, LocalCluster, type LocalClusterOptions } from './local-cluster.ts';
import type { ConnectOptions, RedisCluster } from './redis/redis-cluster.ts';
import type { ServerListener } from './server.ts';
import { formatBytes, sizeOf } from './sizeof.ts';
import { checkScatterOptions, futureToRef, SUBMIT_KEYS, takeSubmitOptions, typeNameOf, type ScatterOptions, type SubmitOptions } from './submit-args.ts';
import { prepareGraph, runSpecOf, SCHEDULER_NAME } from './tasks.ts';

export type { ScatterOptions, SubmitOptions } from './submit-args.ts';

/** Options of `new Client(cluster, opts)`. */
export interface ClientOptions {
  /** Become the default scheduler of every `compute()` while open (default true). */
  setAsDefault?: boolean;
  /** Closing the client also closes the cluster (default false; `Client.start` sets it). */
  ownsCluster?: boolean;
}
const CLIENT_KEYS = optionKeys<ClientOptions>({ setAsDefault: true, ownsCluster: true });

/** Options of `Client.connect`: the cluster's (ConnectOptions) and the client's own. */
export interface ClientConnectOptions extends ConnectOptions {
  /** Wait until this many workers joined. */
  nWorkers?: number;
  /** Seconds to wait for `nWorkers` (default 60). */
  timeout?: number;
  /** Become the default scheduler of every `compute()` while open (default true). */
  setAsDefault?: boolean;
}
const CONNECT_KEYS = optionKeys<ClientConnectOptions>({
  token: true, tls: true, insecure: true, allowedFailures: true, cancelGracePeriod: true, dashboardAddress: true, listen: true, nWorkers: true, timeout: true, setAsDefault: true,
});

/** Options of `client.compute`. */
export interface ClientComputeOptions {
  /** Fuse linear chains first (default true). */
  fuse?: boolean;
  /** Higher runs first. */
  priority?: number;
  /** Re-run a task this many times when it throws. */
  retries?: number;
  /**
   * Seconds: the Future fails with a TimeoutError if not done by then, and its work is cancelled
   * (a worker still running it after the cluster's `cancelGracePeriod` is replaced).
   * @example
   * const f = client.compute(df.groupby('k').sum(), { timeout: 120 });
   */
  timeout?: number;
}
const CLIENT_COMPUTE_KEYS = optionKeys<ClientComputeOptions>({ fuse: true, priority: true, retries: true, timeout: true });
const MAP_KEYS = SUBMIT_KEYS.filter((k) => k !== 'key');

const clients: Client<ClusterLike>[] = [];
let nextClient = 1;

export class Client<C extends ClusterLike = LocalCluster> extends ClientKeys<C> implements Scheduler {
  readonly name = SCHEDULER_NAME;
  private readonly ownsCluster: boolean;
  private readonly observers = new Set<ServerListener>();
  private readonly persisted = new WeakMap<object, Future[]>();
  private readonly listener: ServerListener;

  /**
   * Connect to a cluster; the client becomes the default scheduler of `compute()` until closed.
   * @example
   * const cluster = await LocalCluster.start({ nWorkers: 2 });
   * const client = new Client(cluster);
   * await delayed((x: number) => x + 1)(1).compute();   // runs on the cluster
   */
  constructor(cluster: C, opts: ClientOptions = {}) {
    checkOptions('new Client', opts, CLIENT_KEYS);
    super(cluster, `client-${nextClient++}`);
    this.ownsCluster = opts.ownsCluster ?? false;
    this.listener = {
      keyInMemory: (key) => this.settle(key, 'finished'),
      keyErred: (key, failure) => this.settle(key, 'error', failure),
      clusterClosed: () => {
        // Nothing pending will finish: its futures are cancelled (as Dask's are when the cluster goes).
        for (const [key, st] of this.keys) if (st.status === 'pending') this.settleCancelled(key);
        // A cluster that shut itself down (a RedisCluster that lost Redis) takes this client with
        // it: `closed` says so, and it stops being the default scheduler.
        this.detach();
      },
      taskStarted: (key, w) => {
        for (const o of this.observers) o.taskStarted?.(key, w);
      },
      taskFinished: (key, w, s, e, n) => {
        for (const o of this.observers) o.taskFinished?.(key, w, s, e, n);
      },
    };
    cluster.server.listeners.add(this.listener);
    if (opts.setAsDefault ?? true) {
      clients.push(this);
      registerScheduler(this);
      setDefaultScheduler(this);
    }
  }

  /**
   * Start a LocalCluster and connect to it; closing the client closes the cluster.
   * @example
   * const client = await Client.start({ nWorkers: 2, threadsPerWorker: 1 });
   * await client.close();
   */
  static async start(opts: LocalClusterOptions = {}): Promise<Client> {
    const cluster = await LocalCluster.start(checkOptions('Client.start', opts, LOCAL_CLUSTER_KEYS));
    return new Client(cluster, { ownsCluster: true });
  }

  /**
   * Connect to a cluster of `shoal worker` processes through Redis (Dask's `Client(address)`).
   * The token defaults to the SHOAL_TOKEN environment variable; a non-loopback `redis://` URL is
   * refused unless it is `rediss://` (TLS) or `insecure` is set. With `nWorkers`, waits until that
   * many workers joined (`timeout` seconds, default 60). Closing the client leaves the workers running.
   * @example
   * const client = await Client.connect('redis://10.0.0.5:6379', { token: process.env.SHOAL_TOKEN, nWorkers: 3 });
   * await readCsv('/shared/data/*.csv').groupby('name').sum().compute();
   * await client.close();
   */
  static async connect(url: string, opts: ClientConnectOptions = {}): Promise<Client<RedisCluster>> {
    checkOptions('Client.connect', opts, CONNECT_KEYS);
    const { RedisCluster } = await import('./redis/redis-cluster.ts');
    const cluster = await RedisCluster.connect(url, opts);
    try {
      if (opts.nWorkers) await cluster.waitForWorkers(opts.nWorkers, opts.timeout);
    } catch (e) {
      await cluster.close();
      throw e;
    }
    return new Client(cluster, { ownsCluster: true, setAsDefault: opts.setAsDefault });
  }

  /** Keys the cluster has or is making (persisted, scattered, running): never fused into others. */
  private readonly held = (key: Key) => {
    const st = this.cluster.server.state.stateOf(key);
    return st === 'memory' || st === 'processing' || st === 'waiting';
  };

  // ---- the Scheduler interface: compute() everywhere while this client is open ----

  /**
   * Run `keys` of `graph` on the cluster and bring their values here (what `compute()` calls).
   * With `timeout`, rejects with a TimeoutError at the deadline and lets go of the keys (their
   * tasks are cancelled unless something else wants them; the cluster's `cancelGracePeriod` applies).
   */
  async get(graph: Graph, keys: readonly Key[], opts: GetOptions = {}): Promise<unknown[]> {
    const unique = [...new Set(keys)];
    const ms = secondsOption('timeout', opts.timeout);
    const prep = prepareGraph(graph, unique, opts.fuse ?? true, (s) => this.server.fnId(s), this.held);
    const cbs: readonly Callback[] = opts.callbacks ?? [];
    const t0 = performance.now();
    const before = { transfers: this.server.transfers, messages: this.server.messages };
    let tasksRun = 0;
    let observer: ServerListener | undefined;
    if (cbs.length) {
      const ntasks = prep.tasks.filter((t) => prep.nodes.get(t.key)!.kind !== 'data').length;
      for (const cb of cbs) cb.start?.({ scheduler: this.name, graph: prep.nodes, tasks: ntasks, keys: unique });
      observer = {
        taskStarted: (key) => {
          if (prep.nodes.has(key)) for (const cb of cbs) cb.pretask?.(key);
        },
        taskFinished: (key, worker, start, end) => {
          if (!prep.nodes.has(key) || prep.nodes.get(key)!.kind === 'data') return;
          tasksRun++;
          for (const cb of cbs) cb.posttask?.(key, { key, worker, start, end });
        },
      };
      this.observers.add(observer);
    }
    const futures = unique.map((k) => this.futureOf(k));
    let error: unknown;
    let timer: NodeJS.Timeout | undefined;
    try {
      this.want(prep.tasks, unique);
      const gathering = this.gatherKeys(unique);
      let values: unknown[];
      if (ms === undefined) values = await gathering;
      else {
        gathering.catch(() => {}); // given up at the deadline: its later outcome is nobody's
        const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimeoutError('compute', unique, opts.timeout!)), ms)));
        // Releasing the futures (finally) cancels what nobody else wants.
        values = await Promise.race([gathering, deadline]);
      }
      const byKey = new Map(unique.map((k, i) => [k, values[i]]));
      return keys.map((k) => byKey.get(k));
    } catch (e) {
      error = e;
      throw e;
    } finally {
      clearTimeout(timer);
      for (const f of futures) f.release();
      if (observer) this.observers.delete(observer);
      if (cbs.length) {
        const stats: RunStats = {
          scheduler: this.name,
          tasks: tasksRun,
          peakHeld: 0,
          heldAtEnd: 0,
          peakWorkerHeld: 0,
          transfers: this.cluster.server.transfers - before.transfers,
          messages: this.cluster.server.messages - before.messages,
          wallSeconds: (performance.now() - t0) / 1000,
        };
        for (const cb of cbs) cb.finish?.(stats, error);
      }
    }
  }

  // ---- futures API ----

  /**
   * Start computing collections on the cluster; returns a Future per collection (its result is
   * the collection's computed value), without waiting. With `timeout` (seconds) the Future fails
   * with a TimeoutError if it is not done by then, and its work is cancelled.
   * @example
   * const f = client.compute(delayed(inc)(1));
   * await f;   // 2
   * const g = client.compute(slow, { timeout: 60 });   // TimeoutError after 60 s
   */
  compute<R>(x: Collection<R>, opts?: ClientComputeOptions): Future<R>;
  compute(xs: readonly Collection[], opts?: ClientComputeOptions): Future[];
  compute(x: Collection | readonly Collection[], opts: ClientComputeOptions = {}): Future | Future[] {
    checkOptions('Client.compute', opts, CLIENT_COMPUTE_KEYS);
    if (Array.isArray(x)) return x.map((c) => this.compute(c as Collection, opts));
    const c = x as Collection;
    if (!isCollection(c)) throw new OptionError(distributedMessages.notAFuture(c));
    secondsOption('timeout', opts.timeout);
    const keys = c.__keys__();
    // One key to wait for: the collection's own (single key) or a final task listing them all.
    let graph = c.__graph__();
    let key = keys[0]!;
    let post: (v: unknown) => unknown = (v) => c.__postcompute__([v]);
    if (keys.length !== 1) {
      key = `finalize-${tokenize(keys)}`;
      const g = new Map(graph);
      g.set(key, task(key, { kind: 'op', name: 'list' }, keys.map((k) => ref(k))));
      graph = g;
      post = (v) => c.__postcompute__(v as unknown[]);
    }
    const prep = prepareGraph(graph, [key], opts.fuse ?? true, (s) => this.server.fnId(s), this.held);
    for (const t of prep.tasks) {
      if (opts.priority !== undefined) t.priority = opts.priority;
      if (opts.retries !== undefined) t.retries = opts.retries;
    }
    const f = this.futureOf(key, post);
    this.want(prep.tasks, [key]);
    this.deadline(key, opts.timeout);
    return f;
  }

  /**
   * Compute collections on the cluster and keep their results there: the returned collections
   * start from those results (Dask's `client.persist`). The results stay while the returned
   * collection is referenced.
   * @example
   * const [y] = client.persist([x.add(1)]);
   * await y.mul(2).compute();   // x.add(1) is not recomputed
   */
  persist<C extends Collection>(x: C): C;
  persist<C extends Collection>(xs: readonly C[]): C[];
  persist<C extends Collection>(x: C | readonly C[]): C | C[] {
    if (Array.isArray(x)) return x.map((c) => this.persist(c as C));
    const c = x as C;
    const keys = c.__keys__();
    const prep = prepareGraph(c.__graph__(), keys, false, (s) => this.server.fnId(s));
    const futures = keys.map((k) => this.futureOf(k));
    this.want(prep.tasks, keys);
    const graph = new Map<Key, GraphNode>(prep.nodes);
    const out = c.__postpersist__(graph) as C;
    this.persisted.set(out, futures);
    return out;
  }

  /**
   * Run `fn(...args)` on the cluster. Futures among the arguments (also inside arrays and plain
   * objects) are replaced by their values on the worker. A trailing plain object whose keys are
   * all option names (`key`, `pure`, `retries`, `priority`, `timeout`), or near misses of them (`retires`:
   * an OptionError naming the typo), is the options; any other object is an argument of `fn`.
   * With `timeout` (seconds) the Future fails with a TimeoutError if the task has not finished by
   * then, and the task is cancelled.
   * @example
   * const a = client.submit((x: number) => x + 1, 10);
   * const b = client.submit((x: number, y: number) => x * y, a, 2, { retries: 2 });
   * await b;   // 22
   * await client.submit(() => { for (;;) {} }, { timeout: 5 });   // TimeoutError after 5 s; the worker is replaced
   */
  submit<R>(fn: (...args: never[]) => R | Promise<R>, ...args: unknown[]): Future<R> {
    const opts = takeSubmitOptions(args);
    const spec = specOf(fn as AnyFn);
    assertShippable(spec, SCHEDULER_NAME);
    const inputs: AnyFuture[] = [];
    const wired = args.map((a) => rewrite(a, futureToRef, inputs));
    for (const f of inputs) {
      if (f.status === 'cancelled') throw new CancelledError(f.key);
      const timedOut = this.keys.get(f.key)?.failure?.kind === 'timeout' ? this.errorOf(f.key, this.keys.get(f.key)) : undefined;
      if (timedOut) throw timedOut; // this client let go of it: nothing will compute it
    }
    secondsOption('timeout', opts.timeout);
    const prefix = (fn.name || 'lambda').replace(/[^\w.-]/g, '_');
    const key = opts.key ?? `${prefix}-${opts.pure === false ? uniqueToken() : tokenize([spec.kind === 'source' ? spec.hash : spec, wired])}`;
    const node = task(key, spec, wired as never[]);
    const run = runSpecOf(node, (s) => this.server.fnId(s));
    const f = this.futureOf<R>(key);
    this.want([{ key, deps: node.deps, run, priority: opts.priority, retries: opts.retries }], [key]);
    this.deadline(key, opts.timeout);
    return f;
  }

  /**
   * `submit(fn, x)` for each x (Dask's `client.map`).
   * @example
   * const fs = client.map((x: number) => x * x, [1, 2, 3]);
   * await client.gather(fs);   // [1, 4, 9]
   */
  map<T, R>(fn: (x: T) => R | Promise<R>, xs: Iterable<T | AnyFuture<T>>, opts: Omit<SubmitOptions, 'key'> = {}): Future<R>[] {
    checkOptions('Client.map', opts, MAP_KEYS);
    return [...xs].map((x) => (Object.keys(opts).length ? this.submit(fn as never, x, opts) : this.submit(fn as never, x)) as Future<R>);
  }

  /**
   * The values of Futures (in the same shape: a Future, an array of them), gathered from the
   * workers that hold them; rejects with the first failed task's error.
   * @example
   * const [a, b] = await client.gather([fa, fb]);
   */
  gather<T>(f: AnyFuture<T>): Promise<T>;
  gather<T>(fs: readonly AnyFuture<T>[]): Promise<T[]>;
  async gather(x: AnyFuture | readonly AnyFuture[]): Promise<unknown> {
    const list = Array.isArray(x) ? (x as AnyFuture[]) : [x as AnyFuture];
    for (const f of list) if (!isFuture(f)) throw new OptionError(distributedMessages.notAFuture(f));
    const values = await this.gatherKeys(list.map((f) => f.key));
    const out = list.map((f, i) => (f.post ? f.post(values[i]) : values[i]));
    return Array.isArray(x) ? out : out[0];
  }

  /**
   * Send data to workers ahead of time; returns Futures to pass to `submit`. With `broadcast`
   * every worker gets a copy.
   * @example
   * const [big] = client.scatter([new Float64Array(1e6)]);
   * await client.submit((a: Float64Array) => a.length, big);   // 1000000
   */
  scatter<T>(data: readonly T[], opts?: ScatterOptions): Future<T>[];
  scatter<T>(data: T, opts?: ScatterOptions): Future<T>;
  scatter(data: unknown, opts: ScatterOptions = {}): Future | Future[] {
    checkScatterOptions(opts);
    const items = Array.isArray(data) ? data : [data];
    const workers = [...this.server.workers.values()].filter((w) => w.booted && (!opts.workers || opts.workers.includes(w.id)));
    if (workers.length === 0) throw new OptionError(distributedMessages.noWorkers());
    const futures = items.map((value) => {
      const key = `${typeNameOf(value)}-${tokenize(value)}`;
      const f = this.futureOf(key);
      const nbytes = sizeOf(value);
      // Least loaded first; counted now so the next item goes elsewhere (workers report later).
      const targets = opts.broadcast ? workers : [workers.reduce((a, b) => (a.memory <= b.memory ? a : b))];
      for (const w of targets) {
        this.server.put(this.id, w.id, [[key, value, nbytes]]);
        w.memory += nbytes;
      }
      return f;
    });
    return Array.isArray(data) ? futures : futures[0]!;
  }

  /**
   * Stop computing these keys (unless other clients need them); their Futures become cancelled.
   * @example
   * await client.cancel([f]);   // f.status === 'cancelled'
   */
  async cancel(futures: AnyFuture | readonly AnyFuture[]): Promise<void> {
    const list = Array.isArray(futures) ? (futures as AnyFuture[]) : [futures as AnyFuture];
    await this.cancelKeys(list.map((f) => f.key));
  }

  /** Workers and their totals, like Dask's `Client.__repr__`. */
  override toString(): string {
    const t = this.cluster.totals;
    const at = this.cluster.address ? `'${this.cluster.address}' ` : '';
    return `<Client: ${at}processes=${t.workers} threads=${t.threads}, memory=${t.memory === undefined ? 'unlimited' : formatBytes(t.memory)}>`;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /**
   * The live dashboard's address (Dask's `client.dashboard_link`).
   * @example
   * console.log(client.dashboardLink);   // http://127.0.0.1:8787/status
   */
  get dashboardLink(): string | undefined {
    return this.cluster.dashboardLink;
  }

  /**
   * Release every key this client holds and stop being the default scheduler; a client made by
   * `Client.start` also closes its cluster.
   * @example
   * await client.close();
   */
  async close(): Promise<void> {
    if (!this.closedFlag) {
      const held = [...this.keys].filter(([, s]) => s.wanted).map(([k]) => k);
      // Its futures still pending will never finish: they are cancelled.
      for (const [key, s] of this.keys) if (s.status === 'pending') this.settleCancelled(key);
      this.cluster.server.release(this.id, held);
      this.detach();
    }
    // Also after the cluster closed itself: its closing may still be under way.
    if (this.ownsCluster) await this.cluster.close();
  }

  /** Closed: no longer listening to the cluster, nor the default scheduler. */
  private detach(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.cluster.server.listeners.delete(this.listener);
    const i = clients.indexOf(this);
    if (i >= 0) {
      clients.splice(i, 1);
      if (getDefaultScheduler() === this) {
        const prev = clients[clients.length - 1];
        setDefaultScheduler(prev);
        if (prev) registerScheduler(prev);
        else unregisterScheduler(SCHEDULER_NAME);
      }
    }
  }
}

