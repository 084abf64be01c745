/**
 * The scheduler's transport: it feeds the state machine (`scheduler-state.ts`) with events from
 * workers and clients, and carries its instructions out as batched messages, one per worker per
 * tick. It also relays data between workers (a peer's gather becomes a `get` to the holder) and
 * answers clients' gathers. A network transport would replace this file, not the state machine.
 */
import { messages, quote, type RemoteErrorInfo } from '../errors.ts';
import type { FnSpec, Key } from '../graph/types.ts';
import type { Channel } from '../schedulers/channel.ts';
import { FnTable } from '../schedulers/fn-table.ts';
import { type FromWorker, type RunSpec, type ToWorker, type ToWorkerBatch, DONE_STRIDE } from './protocol.ts';
import { SchedulerState, type Failure, type Instruction, type NewTask, type SchedulerEvent } from './scheduler-state.ts';

export interface WorkerConn {
  readonly id: string;
  readonly kind: 'process' | 'thread';
  readonly channel: Channel;
  readonly nthreads: number;
  readonly memoryLimit: number | undefined;
  readonly pid: number;
  readonly knownFns: Set<number>;
  outbox: ToWorkerBatch | undefined;
  /** Bytes held in memory and spilled to disk, as last reported. */
  memory: number;
  spilled: number;
  paused: boolean;
  booted: boolean;
  ready: Promise<void>;
  /** Cancelled tasks sent a `stop`, each with the timer that terminates the worker unless it reports them `stopped`. */
  stopping: Map<Key, NodeJS.Timeout>;
}

export interface ServerOptions {
  /** Worker deaths a task may witness before it fails with KilledWorkerError (default 3). */
  allowedFailures?: number;
  /**
   * Terminate a worker that still runs a cancelled task `cancelGrace` ms after its stop (the
   * cluster then replaces it, as Dask's nanny restarts a worker). Without it this server watches
   * no stop: Redis-joined workers enforce the grace period themselves, next to the runtime thread
   * (redis/worker-session.ts), and report a runtime they replaced as a blameless `removeWorker`.
   */
  terminate?: (worker: WorkerConn) => void;
  /** Milliseconds (default 3000). */
  cancelGrace?: number;
}

/** What a client (or dashboard) hears about. */
export interface ServerListener {
  keyInMemory?(key: Key, nbytes: number): void;
  keyErred?(key: Key, failure: Failure): void;
  taskStarted?(key: Key, worker: string): void;
  taskFinished?(key: Key, worker: string, start: number, end: number, nbytes: number): void;
  taskErred?(key: Key, worker: string, start: number, end: number): void;
  workersChanged?(): void;
  /** The cluster is shutting down: nothing pending will finish. */
  clusterClosed?(): void;
}

interface Pending {
  resolve(values: unknown[]): void;
  reject(e: unknown): void;
  keys: Key[];
  worker: string;
}

export class GetError extends Error {
  constructor(
    readonly missing: Key[] | undefined,
    readonly failure: [Key, RemoteErrorInfo] | undefined,
    readonly worker: string,
  ) {
    super(missing ? `keys ${missing.join(', ')} are not on ${worker}` : failure![1].message);
  }
}

export class SchedulerServer {
  readonly state: SchedulerState<RunSpec>;
  readonly workers = new Map<string, WorkerConn>();
  readonly listeners = new Set<ServerListener>();
  private readonly fns = new FnTable();
  private flushQueued = false;
  private nextReq = 1;
  private readonly relays = new Map<number, { to: WorkerConn; req: number; holder: string }>();
  private readonly gets = new Map<number, Pending>();
  /** While positive, worker channels keep the program alive (work or a start-up is pending). */
  private holds = 0;
  /** Values moved between workers, and messages sent. */
  transfers = 0;
  messages = 0;
  closed = false;
  /** Why each worker this server terminated was (its removal then blames none of its tasks). */
  private readonly terminated = new Map<string, string>();
  private readonly terminate: ((worker: WorkerConn) => void) | undefined;
  private readonly cancelGrace: number;

  constructor(opts: ServerOptions = {}) {
    this.state = new SchedulerState<RunSpec>(opts);
    this.terminate = opts.terminate;
    this.cancelGrace = opts.cancelGrace ?? 3000;
  }

  // ---- functions ----

  /** A cluster-wide id for a function spec; its definition is sent to each worker once. */
  fnId(spec: FnSpec): number {
    return this.fns.id(spec);
  }

  // ---- workers ----

  /** Connect a started worker; it takes tasks once it says it is ready. */
  addWorker(id: string, kind: 'process' | 'thread', channel: Channel, nthreads: number, memoryLimit: number | undefined): WorkerConn {
    let markReady!: () => void;
    const conn: WorkerConn = {
      id,
      kind,
      channel,
      nthreads,
      memoryLimit,
      pid: channel.pid,
      knownFns: new Set(),
      outbox: undefined,
      memory: 0,
      spilled: 0,
      paused: false,
      booted: false,
      ready: new Promise((r) => (markReady = r)),
      stopping: new Map(),
    };
    this.workers.set(id, conn);
    if (this.holds === 0) channel.unref();
    channel.onMessage((m) => {
      const msg = m as unknown as FromWorker;
      if (msg.t === 'ready') {
        conn.booted = true;
        markReady();
        this.handle({ type: 'add-worker', worker: id, nthreads });
        for (const l of this.listeners) l.workersChanged?.();
        return;
      }
      this.onWorkerMessage(conn, msg);
    });
    return conn;
  }

  /**
   * A worker is gone (died or retired): its tasks and data are rescheduled. `blameless`: it was
   * terminated to stop a cancelled task (by this server, or by a remote worker process enforcing
   * the grace period itself), so its tasks count no death.
   */
  removeWorker(id: string, detail: string, blameless = false): void {
    const conn = this.workers.get(id);
    if (!conn) return;
    this.workers.delete(id);
    for (const t of conn.stopping.values()) clearTimeout(t);
    conn.stopping.clear();
    const why = this.terminated.get(id);
    this.terminated.delete(id);
    for (const [req, r] of this.relays) {
      if (r.holder === id) {
        this.relays.delete(req);
        this.post(r.to, { t: 'gathered', req: r.req, holder: id });
      } else if (r.to === conn) this.relays.delete(req);
    }
    for (const [req, p] of this.gets) {
      if (p.worker === id) {
        this.gets.delete(req);
        p.reject(new GetError(p.keys, undefined, id));
      }
    }
    this.handle(why === undefined && !blameless ? { type: 'remove-worker', worker: id, detail } : { type: 'remove-worker', worker: id, detail: why ?? detail, blameless: true });
    for (const l of this.listeners) l.workersChanged?.();
  }

  private post(conn: WorkerConn, msg: ToWorker): void {
    if (!this.workers.has(conn.id)) return;
    conn.channel.post(msg as never);
    this.messages++;
  }

  /**
   * Keep the program alive while something waits on the cluster (a Future, a gather, a start-up);
   * an idle cluster never does, like the engine's pools. Returns the matching release.
   */
  hold(): () => void {
    if (this.holds++ === 0) for (const w of this.workers.values()) w.channel.ref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0) for (const w of this.workers.values()) w.channel.unref();
    };
  }

  // ---- events and instructions ----

  handle(ev: SchedulerEvent): void {
    this.route(this.state.handle(ev));
  }

  submit(client: string, tasks: NewTask<RunSpec>[], wants: Key[]): void {
    this.handle({ type: 'update-graph', client, tasks, wants });
  }

  release(client: string, keys: Key[]): void {
    if (this.closed || keys.length === 0) return;
    this.handle({ type: 'release-keys', client, keys });
  }

  private box(conn: WorkerConn): ToWorkerBatch {
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    return (conn.outbox ??= { t: 'batch' });
  }

  private route(ins: Instruction<RunSpec>[]): void {
    for (const i of ins) {
      switch (i.op) {
        case 'compute': {
          const conn = this.workers.get(i.worker)!;
          const b = this.box(conn);
          const run = i.run;
          for (const id of run.fnIds) {
            if (!conn.knownFns.has(id)) {
              conn.knownFns.add(id);
              (b.defs ??= []).push([id, this.fns.spec(id)]);
            }
          }
          (b.compute ??= []).push([i.key, run.fnId, run.args, run.flags, i.priority, i.deps]);
          // Sent again after a stop: it is wanted after all (the worker resumes a run it still
          // has), and a stop still in this tick's batch is void (the worker would apply it after).
          this.stopDone(conn, i.key);
          if (b.stop?.includes(i.key)) b.stop = b.stop.filter((k) => k !== i.key);
          for (const l of this.listeners) l.taskStarted?.(i.key, i.worker);
          break;
        }
        case 'free': {
          const conn = this.workers.get(i.worker);
          if (conn) (this.box(conn).free ??= []).push(...i.keys);
          break;
        }
        case 'stop': {
          const conn = this.workers.get(i.worker);
          if (!conn) break;
          (this.box(conn).stop ??= []).push(...i.keys);
          if (this.terminate) for (const k of i.keys) this.watchStop(conn, k);
          break;
        }
        case 'key-in-memory':
          for (const l of this.listeners) l.keyInMemory?.(i.key, i.nbytes);
          break;
        case 'key-erred':
          for (const l of this.listeners) l.keyErred?.(i.key, i.failure);
          break;
      }
    }
  }

  flush(): void {
    this.flushQueued = false;
    for (const conn of this.workers.values()) {
      const b = conn.outbox;
      if (!b) continue;
      conn.outbox = undefined;
      this.post(conn, b);
    }
  }

  private onWorkerMessage(conn: WorkerConn, msg: FromWorker): void {
    if (!this.workers.has(conn.id)) return;
    switch (msg.t) {
      case 'report': {
        conn.memory = msg.memory;
        conn.spilled = msg.spilled;
        if (msg.paused !== undefined && msg.paused !== conn.paused) {
          // A paused worker gets no new tasks until it resumes (Dask's worker status).
          conn.paused = msg.paused;
          this.handle({ type: 'worker-paused', worker: conn.id, paused: msg.paused });
        }
        const d = msg.done;
        for (let j = 0; j < d.length; j += DONE_STRIDE) {
          const key = d[j] as Key;
          const nbytes = d[j + 1] as number;
          const start = d[j + 2] as number;
          const end = d[j + 3] as number;
          this.handle({ type: 'task-finished', worker: conn.id, key, nbytes, start, end });
          for (const l of this.listeners) l.taskFinished?.(key, conn.id, start, end, nbytes);
        }
        if (msg.erred) {
          for (const [key, info, start, end] of msg.erred) {
            for (const l of this.listeners) l.taskErred?.(key, conn.id, start, end);
            this.handle({ type: 'task-erred', worker: conn.id, key, info });
          }
        }
        if (msg.missing) for (const [key, holder] of msg.missing) this.handle({ type: 'missing-data', worker: conn.id, key, holder });
        if (msg.stopped) for (const key of msg.stopped) this.stopDone(conn, key);
        this.flush();
        return;
      }
      case 'gather': {
        const holder = this.workers.get(msg.holder);
        if (!holder || !holder.booted) {
          this.post(conn, { t: 'gathered', req: msg.req, holder: msg.holder, missing: msg.keys });
          return;
        }
        const req = this.nextReq++;
        this.relays.set(req, { to: conn, req: msg.req, holder: msg.holder });
        this.post(holder, { t: 'get', req, keys: msg.keys, raw: holder.kind === 'process' });
        return;
      }
      case 'data': {
        const relay = this.relays.get(msg.req);
        if (relay) {
          this.relays.delete(msg.req);
          if (msg.values) this.transfers += msg.values.length - (msg.missing?.length ?? 0);
          this.post(relay.to, { t: 'gathered', req: relay.req, holder: relay.holder, values: msg.values, missing: msg.missing, error: msg.error });
          return;
        }
        const p = this.gets.get(msg.req);
        if (!p) return;
        this.gets.delete(msg.req);
        if (msg.values && !msg.missing && !msg.error) p.resolve(msg.values);
        else p.reject(new GetError(msg.missing, msg.error, conn.id));
        return;
      }
    }
  }

  /**
   * A cancelled task was sent a stop: unless the worker reports it stopped within the grace
   * period, the worker is terminated (a task cannot be interrupted from outside: shoal has no
   * cancellation signal inside tasks yet) and the cluster replaces it. Its other tasks are
   * rescheduled without blame, its results recomputed from lineage.
   */
  private watchStop(conn: WorkerConn, key: Key): void {
    clearTimeout(conn.stopping.get(key));
    const timer = setTimeout(() => {
      conn.stopping.delete(key);
      if (!this.workers.has(conn.id) || this.terminated.has(conn.id)) return;
      this.terminated.set(conn.id, messages.stoppedWorker(conn.id, `task ${quote(key)}`, this.cancelGrace / 1000));
      this.terminate!(conn);
    }, this.cancelGrace);
    timer.unref(); // a program that is done anyway needs no replacement
    conn.stopping.set(key, timer);
  }

  /** `key` no longer runs on `conn` (or is wanted there again). */
  private stopDone(conn: WorkerConn, key: Key): void {
    const timer = conn.stopping.get(key);
    if (timer === undefined) return;
    clearTimeout(timer);
    conn.stopping.delete(key);
  }

  /** Shut down: pending gathers fail and listeners hear that nothing pending will finish. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers.values()) for (const t of w.stopping.values()) clearTimeout(t);
    for (const p of this.gets.values()) p.reject(new GetError(p.keys, undefined, p.worker));
    this.gets.clear();
    for (const l of [...this.listeners]) l.clusterClosed?.();
  }

  /** Values of keys from one worker that holds them all. */
  getFrom(worker: string, keys: Key[]): Promise<unknown[]> {
    const conn = this.workers.get(worker);
    if (!conn) return Promise.reject(new GetError(keys, undefined, worker));
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      this.gets.set(req, { resolve, reject, keys, worker });
      this.post(conn, { t: 'get', req, keys, raw: false });
    });
  }

  /** Put values on a worker (scatter); they are in memory there for the given client. */
  put(client: string, worker: string, items: Array<[Key, unknown, number]>): void {
    const conn = this.workers.get(worker)!;
    const b = this.box(conn);
    for (const [key, value] of items) (b.puts ??= []).push([key, value]);
    this.handle({ type: 'add-data', client, worker, data: items.map(([key, , nbytes]) => ({ key, nbytes })) });
  }
}
