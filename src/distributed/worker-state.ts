/**
 * A distributed worker as a pure state machine (Dask's `WorkerState.handle_stimulus`): events
 * from the scheduler (compute this, free that), from its own executor (a task finished or threw)
 * and from data transfers (inputs arrived, or the holder no longer had them) go in; instructions
 * come out: execute a task, gather inputs from a peer, report a result, drop a value. The worker
 * runtime (`worker-main.ts`) holds the values and carries the instructions out.
 *
 * Tasks the scheduler assigned are reported when done. Inputs fetched from peers are private
 * replicas: kept while a local task needs them, then dropped (the scheduler never counts them).
 */
import type { RemoteErrorInfo } from '../errors.ts';
import type { Key } from '../graph/types.ts';
import { TupleHeap, type Priority } from './heap.ts';

export type WorkerTaskStateName = 'waiting' | 'fetch' | 'flight' | 'ready' | 'executing' | 'memory' | 'cancelled';

export interface WorkerTask<R = unknown> {
  key: Key;
  state: WorkerTaskStateName;
  run: R | undefined;
  priority: Priority;
  deps: Key[];
  /** Inputs not yet here. */
  missing: Set<Key>;
  /** Local unfinished tasks that use this value. */
  needers: Set<Key>;
  /** Peers that hold this value (for fetches). */
  whoHas: string[];
  /** True when the scheduler asked this worker to compute (or hold) the key. */
  assigned: boolean;
  nbytes: number;
  /** Stopped while executing: report `stopped` when the run ends. */
  stopping: boolean;
}

export type WorkerEvent<R = unknown> =
  | { type: 'compute'; key: Key; run: R; priority: Priority; deps: ReadonlyArray<readonly [Key, readonly string[]]> }
  | { type: 'free'; keys: readonly Key[] }
  /** Cancelled tasks taken back: freed, and each reported `stopped` once it no longer runs here. */
  | { type: 'stop'; keys: readonly Key[] }
  | { type: 'put'; key: Key; nbytes: number }
  | { type: 'executed'; key: Key; ok: true; nbytes: number; start: number; end: number }
  | { type: 'executed'; key: Key; ok: false; info: RemoteErrorInfo; start: number; end: number }
  | { type: 'gathered'; holder: string; keys: readonly Key[]; nbytes: readonly number[] }
  | { type: 'gather-failed'; holder: string; keys: readonly Key[] }
  /** An input exists but cannot be sent here (it cannot be serialized): the tasks needing it fail. */
  | { type: 'input-unsendable'; key: Key; info: RemoteErrorInfo }
  | { type: 'pause'; paused: boolean };

export type WorkerInstruction<R = unknown> =
  | { op: 'execute'; key: Key; run: R }
  | { op: 'gather'; holder: string; keys: Key[] }
  | { op: 'finished'; key: Key; nbytes: number; start: number; end: number }
  | { op: 'erred'; key: Key; info: RemoteErrorInfo; start: number; end: number }
  | { op: 'missing'; key: Key; holder: string }
  | { op: 'stopped'; key: Key }
  | { op: 'drop'; key: Key };

export class WorkerState<R = unknown> {
  readonly tasks = new Map<Key, WorkerTask<R>>();
  private readonly ready = new TupleHeap<WorkerTask<R>>((t) => t.priority);
  /** Inputs in state 'fetch' (to request at the end of this event). */
  private readonly toFetch = new Set<WorkerTask<R>>();
  executing = 0;
  paused = false;
  /** Bytes of the values held here (results and replicas). */
  memory = 0;
  private out: WorkerInstruction<R>[] = [];

  constructor(
    readonly id: string,
    readonly nthreads: number,
  ) {}

  handle(ev: WorkerEvent<R>): WorkerInstruction<R>[] {
    this.out = [];
    switch (ev.type) {
      case 'compute':
        this.compute(ev.key, ev.run, ev.priority, ev.deps);
        break;
      case 'free':
        for (const k of ev.keys) this.free(k);
        break;
      case 'stop':
        for (const k of ev.keys) this.stop(k);
        break;
      case 'put':
        this.put(ev.key, ev.nbytes);
        break;
      case 'executed':
        this.executed(ev);
        break;
      case 'gathered':
        ev.keys.forEach((k, i) => this.gathered(k, ev.nbytes[i]!));
        break;
      case 'input-unsendable':
        this.inputUnsendable(ev.key, ev.info);
        break;
      case 'gather-failed':
        for (const k of ev.keys) this.gatherFailed(k, ev.holder);
        break;
      case 'pause':
        this.paused = ev.paused;
        break;
    }
    this.ensureCommunicating();
    this.ensureComputing();
    return this.out;
  }

  private newTask(key: Key, assigned: boolean): WorkerTask<R> {
    const t: WorkerTask<R> = { key, state: 'waiting', run: undefined, priority: [], deps: [], missing: new Set(), needers: new Set(), whoHas: [], assigned, nbytes: 0, stopping: false };
    this.tasks.set(key, t);
    return t;
  }

  private compute(key: Key, run: R, priority: Priority, deps: ReadonlyArray<readonly [Key, readonly string[]]>): void {
    const known = this.tasks.get(key);
    if (known && known.state === 'waiting' && known.run === undefined) {
      // It failed here earlier and local tasks wait for it: this is its retry.
      this.tasks.delete(key);
      const t = this.compute0(key, run, priority, deps);
      t.needers = known.needers;
      return;
    }
    if (known) {
      known.assigned = true;
      if (known.state === 'memory') this.out.push({ op: 'finished', key, nbytes: known.nbytes, start: 0, end: 0 });
      else if (known.state === 'cancelled') {
        known.state = 'executing'; // wanted again while still running: its run counts after all
        known.stopping = false;
      }
      else if (known.state === 'fetch' || known.state === 'flight') {
        // We were fetching it as an input; the scheduler now wants it computed here: keep fetching,
        // and report it once it arrives.
      }
      return;
    }
    this.compute0(key, run, priority, deps);
  }

  private compute0(key: Key, run: R, priority: Priority, deps: ReadonlyArray<readonly [Key, readonly string[]]>): WorkerTask<R> {
    const t = this.newTask(key, true);
    t.run = run;
    t.priority = priority;
    for (const [d, holders] of deps) {
      t.deps.push(d);
      let dt = this.tasks.get(d);
      if (!dt) {
        dt = this.newTask(d, false);
        dt.state = 'fetch';
        dt.whoHas = [...holders];
        this.toFetch.add(dt);
      } else if (dt.state === 'fetch' && dt.whoHas.length === 0) dt.whoHas = [...holders];
      dt.needers.add(key);
      if (dt.state !== 'memory') t.missing.add(d);
    }
    if (t.missing.size === 0) this.toReady(t);
    return t;
  }

  private toReady(t: WorkerTask<R>): void {
    t.state = 'ready';
    this.ready.push(t);
  }

  private put(key: Key, nbytes: number): void {
    let t = this.tasks.get(key);
    if (!t) t = this.newTask(key, true);
    t.assigned = true;
    if (t.state !== 'memory') this.inMemory(t, nbytes);
  }

  private inMemory(t: WorkerTask<R>, nbytes: number): void {
    t.state = 'memory';
    t.nbytes = nbytes;
    this.memory += nbytes;
    for (const k of t.needers) {
      const n = this.tasks.get(k);
      if (!n) continue;
      n.missing.delete(t.key);
      if (n.state === 'waiting' && n.missing.size === 0) this.toReady(n);
    }
  }

  private executed(ev: Extract<WorkerEvent<R>, { type: 'executed' }>): void {
    const t = this.tasks.get(ev.key);
    if (!t || (t.state !== 'executing' && t.state !== 'cancelled')) return;
    this.executing--;
    const cancelled = t.state === 'cancelled';
    if (t.stopping) {
      t.stopping = false;
      this.out.push({ op: 'stopped', key: t.key });
    }
    this.releaseInputs(t);
    if (!ev.ok) {
      if (t.needers.size > 0 && !cancelled) {
        // Local tasks queued behind it wait for a retry (or are freed by the scheduler).
        t.state = 'waiting';
        t.run = undefined;
        t.assigned = false;
      } else this.tasks.delete(t.key);
      if (!cancelled) this.out.push({ op: 'erred', key: t.key, info: ev.info, start: ev.start, end: ev.end });
      return;
    }
    this.inMemory(t, ev.nbytes);
    if (cancelled && t.needers.size === 0) {
      this.forget(t);
      return;
    }
    if (cancelled) t.assigned = false;
    else this.out.push({ op: 'finished', key: t.key, nbytes: ev.nbytes, start: ev.start, end: ev.end });
  }

  /** A task is done with its inputs: replicas no local task needs any more are dropped. */
  private releaseInputs(t: WorkerTask<R>): void {
    for (const d of t.deps) {
      const dt = this.tasks.get(d);
      if (!dt) continue;
      dt.needers.delete(t.key);
      if (!dt.assigned && dt.needers.size === 0) this.forget(dt);
    }
  }

  private forget(t: WorkerTask<R>): void {
    if (t.state === 'memory') {
      this.memory -= t.nbytes;
      this.out.push({ op: 'drop', key: t.key });
    }
    if (t.state === 'executing') {
      t.state = 'cancelled';
      t.assigned = false;
      return;
    }
    this.tasks.delete(t.key);
  }

  private free(key: Key): void {
    const t = this.tasks.get(key);
    if (!t) return;
    t.assigned = false;
    if (t.state === 'waiting' || t.state === 'ready') {
      // Not started: dropped (the scheduler frees whatever was queued behind it too).
      this.tasks.delete(key);
      this.releaseInputs(t);
      return;
    }
    if (t.needers.size > 0) return; // a value a local task still needs: kept as a replica until then
    if (t.state === 'executing' || t.state === 'cancelled') {
      t.state = 'cancelled';
      return;
    }
    this.forget(t);
  }

  /** A cancelled task taken back: freed, and reported `stopped` now, or when its run ends. */
  private stop(key: Key): void {
    this.free(key);
    const t = this.tasks.get(key);
    if (t && (t.state === 'executing' || t.state === 'cancelled')) t.stopping = true;
    else this.out.push({ op: 'stopped', key });
  }

  private gathered(key: Key, nbytes: number): void {
    const t = this.tasks.get(key);
    if (!t || t.state !== 'flight') {
      this.out.push({ op: 'drop', key });
      return;
    }
    this.inMemory(t, nbytes);
    if (t.assigned) this.out.push({ op: 'finished', key, nbytes, start: 0, end: 0 });
    else if (t.needers.size === 0) this.forget(t);
  }

  private inputUnsendable(key: Key, info: RemoteErrorInfo): void {
    const t = this.tasks.get(key);
    if (!t) return;
    for (const k of [...t.needers]) {
      const n = this.tasks.get(k);
      if (!n || (n.state !== 'waiting' && n.state !== 'ready')) continue;
      this.tasks.delete(k);
      this.releaseInputs(n);
      if (n.assigned) this.out.push({ op: 'erred', key: k, info, start: 0, end: 0 });
    }
  }

  private gatherFailed(key: Key, holder: string): void {
    const t = this.tasks.get(key);
    if (!t || t.state !== 'flight') return;
    t.whoHas = t.whoHas.filter((h) => h !== holder);
    t.state = 'fetch';
    this.toFetch.add(t);
    // The scheduler learns the holder lost it; it recomputes the key or frees our dependents.
    this.out.push({ op: 'missing', key, holder });
  }

  /** Fetch every input waiting to be fetched, one request per holder. */
  private ensureCommunicating(): void {
    let byHolder: Map<string, Key[]> | undefined;
    for (const t of this.toFetch) {
      if (t.state !== 'fetch' || this.tasks.get(t.key) !== t) {
        this.toFetch.delete(t);
        continue;
      }
      if (t.whoHas.length === 0) continue;
      this.toFetch.delete(t);
      const holder = t.whoHas[0]!;
      t.state = 'flight';
      byHolder ??= new Map();
      const list = byHolder.get(holder);
      if (list) list.push(t.key);
      else byHolder.set(holder, [t.key]);
    }
    if (byHolder) for (const [holder, keys] of byHolder) this.out.push({ op: 'gather', holder, keys });
  }

  private ensureComputing(): void {
    while (!this.paused && this.executing < this.nthreads && this.ready.size > 0) {
      const t = this.ready.pop()!;
      if (t.state !== 'ready' || this.tasks.get(t.key) !== t) continue;
      t.state = 'executing';
      this.executing++;
      this.out.push({ op: 'execute', key: t.key, run: t.run! });
    }
  }
}
