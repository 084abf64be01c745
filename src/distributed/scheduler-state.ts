/**
 * The distributed scheduler as a pure state machine (Dask's `SchedulerState`): `handle(event)`
 * takes one event (a worker joined or died, a graph arrived, a task finished or threw, a client
 * let go of keys) and returns the instructions that follow (run this task there, free these keys
 * there, tell the clients this key is ready or failed). It does no I/O and reads no clock, so it
 * is tested by feeding events alone; the cluster's transport carries the instructions out.
 *
 * Task states follow Dask's: released → waiting → processing → memory, or erred. A released
 * task stays known while a dependent might need it again (lineage: a key lost with its worker is
 * recomputed from its task), and is forgotten once nothing can need it.
 */
import type { RemoteErrorInfo } from '../errors.ts';
import type { Key } from '../graph/types.ts';
import { comparePriority } from './heap.ts';
import type { Failure, Instruction, NewTask, SchedulerEvent, SchedulerOptions, TaskState, TaskStateName, WorkerState } from './scheduler-types.ts';

export type { Failure, Instruction, NewTask, SchedulerEvent, SchedulerOptions, TaskState, TaskStateName, WorkerState } from './scheduler-types.ts';

// Most tasks are never wanted by a client, and hold no result most of their life: they share these
// empty collections until the first `add`/`set` (delete and clear on them change nothing).
const NO_WANTS: Map<string, number> = new Map();
const NO_HOLDERS: Set<never> = new Set();
const NO_IDS: string[] = [];

/** Seconds to move a byte between local workers, and the fixed cost of one transfer (ms). */
const MS_PER_BYTE = 1e-6;
const TRANSFER_MS = 1;

export class SchedulerState<R = unknown> {
  readonly tasks = new Map<Key, TaskState<R>>();
  readonly workers = new Map<string, WorkerState<R>>();
  readonly allowedFailures: number;
  /** Ready tasks with no worker to run on (none, or all paused). */
  readonly unrunnable = new Set<TaskState<R>>();
  private generation = 0;
  /** Running estimate of a task's duration in ms (for choosing workers). */
  private avgMs = 1;
  private out: Instruction<R>[] = [];
  /** Counters for dashboards and tests. */
  readonly counts = { computed: 0, erred: 0, retried: 0, recomputed: 0, workersLost: 0 };

  constructor(opts: SchedulerOptions = {}) {
    this.allowedFailures = opts.allowedFailures ?? 3;
  }

  /** Apply one event; returns the instructions it causes, in order. */
  handle(ev: SchedulerEvent): Instruction<R>[] {
    this.out = [];
    switch (ev.type) {
      case 'add-worker':
        this.addWorker(ev.worker, ev.nthreads);
        break;
      case 'remove-worker':
        this.removeWorker(ev.worker, ev.detail ?? 'removed');
        break;
      case 'worker-paused':
        this.setPaused(ev.worker, ev.paused);
        break;
      case 'update-graph':
        this.updateGraph(ev.client, ev.tasks, ev.wants);
        break;
      case 'add-data':
        this.addData(ev.client, ev.worker, ev.data);
        break;
      case 'task-finished':
        this.taskFinished(ev.worker, ev.key, ev.nbytes, ev.start, ev.end);
        break;
      case 'task-erred':
        this.taskErred(ev.worker, ev.key, ev.info);
        break;
      case 'release-keys':
        for (const k of ev.keys) this.releaseKey(ev.client, k);
        break;
      case 'missing-data':
        this.missingData(ev.key, ev.holder);
        break;
    }
    return this.out;
  }

  // ---- events ----

  private addWorker(id: string, nthreads: number): void {
    if (this.workers.has(id)) return;
    this.workers.set(id, { id, nthreads, processing: new Set(), hasWhat: new Set(), nbytes: 0, paused: false });
    this.scheduleUnrunnable();
  }

  private setPaused(id: string, paused: boolean): void {
    const w = this.workers.get(id);
    if (!w) return;
    w.paused = paused;
    if (!paused) this.scheduleUnrunnable();
  }

  private scheduleUnrunnable(): void {
    const ready = [...this.unrunnable].sort((a, b) => comparePriority(a.priority, b.priority));
    this.unrunnable.clear();
    for (const ts of ready) if (ts.state === 'waiting' && ts.waitingOn.size === 0) this.toProcessing(ts);
  }

  private updateGraph(client: string, news: readonly NewTask<unknown>[], wants: readonly Key[]): void {
    const gen = ++this.generation;
    const added: TaskState<R>[] = [];
    for (const t of news) {
      if (this.tasks.has(t.key)) continue; // keys are content-addressed: a known key is the same work
      added.push(this.newTask(t, gen));
    }
    const byKey = new Map(news.map((t) => [t.key, t]));
    for (const ts of added) {
      for (const d of byKey.get(ts.key)!.deps) {
        const dep = this.tasks.get(d);
        if (!dep) throw new Error(`internal: task ${ts.key} depends on unknown key ${d}`);
        ts.deps.push(dep);
        dep.dependents.add(ts);
      }
    }
    for (const k of wants) {
      const ts = this.tasks.get(k);
      if (!ts) throw new Error(`internal: a client wants unknown key ${k}`);
      this.addWant(ts, client);
      if (ts.state === 'memory') this.out.push({ op: 'key-in-memory', key: ts.key, nbytes: ts.nbytes });
      else if (ts.state === 'erred') this.out.push({ op: 'key-erred', key: ts.key, failure: ts.failure! });
      else if (ts.state === 'released') this.toWaiting(ts);
    }
    // Tasks nobody wants (parts of the graph already in memory downstream) are kept only as lineage.
    for (const ts of added) this.maybeForget(ts);
  }

  private newTask(t: NewTask<unknown>, gen: number): TaskState<R> {
    const ts: TaskState<R> = {
      key: t.key,
      state: 'released',
      run: t.run as R,
      deps: [],
      dependents: new Set(),
      waiters: new Set(),
      waitingOn: new Set(),
      wants: NO_WANTS,
      whoHas: NO_HOLDERS,
      processingOn: undefined,
      priority: [-(t.priority ?? 0), gen, t.order ?? 0],
      nbytes: 0,
      retries: t.retries ?? 0,
      suspicious: 0,
      failure: undefined,
    };
    this.tasks.set(t.key, ts);
    return ts;
  }

  private addData(client: string, workerId: string, data: ReadonlyArray<{ key: Key; nbytes: number }>): void {
    const w = this.workers.get(workerId);
    for (const { key, nbytes } of data) {
      let ts = this.tasks.get(key);
      ts ??= this.newTask({ key, deps: [], run: undefined }, ++this.generation);
      this.addWant(ts, client);
      if (!w) continue;
      if (ts.state !== 'memory') {
        this.leaveState(ts);
        ts.state = 'memory';
        ts.nbytes = nbytes;
      }
      this.addReplica(ts, w);
      this.out.push({ op: 'key-in-memory', key, nbytes });
    }
  }

  private taskFinished(workerId: string, key: Key, nbytes: number, start?: number, end?: number): void {
    const ts = this.tasks.get(key);
    const w = this.workers.get(workerId);
    if (!w) return;
    if (!ts || ts.processingOn !== w || ts.state !== 'processing') {
      // A stale result: the task was released, or already finished elsewhere. Keep a useful replica.
      if (ts && ts.state === 'memory') this.addReplica(ts, w);
      else this.out.push({ op: 'free', worker: w.id, keys: [key] });
      return;
    }
    if (start !== undefined && end !== undefined) this.avgMs = 0.9 * this.avgMs + 0.1 * Math.max(0, end - start);
    this.counts.computed++;
    w.processing.delete(ts);
    ts.processingOn = undefined;
    ts.state = 'memory';
    ts.nbytes = nbytes;
    this.addReplica(ts, w);
    if (ts.wants.size > 0) this.out.push({ op: 'key-in-memory', key, nbytes });
    // Dependents waiting on it may now be ready; inputs it used may now be released.
    for (const dep of ts.waiters) {
      dep.waitingOn.delete(ts);
      if (dep.state === 'waiting' && dep.waitingOn.size === 0) this.toProcessing(dep);
    }
    for (const d of ts.deps) {
      d.waiters.delete(ts);
      this.maybeRelease(d);
    }
    this.maybeRelease(ts);
  }

  private taskErred(workerId: string, key: Key, info: RemoteErrorInfo): void {
    const ts = this.tasks.get(key);
    const w = this.workers.get(workerId);
    if (!ts || !w || ts.processingOn !== w || ts.state !== 'processing') return;
    w.processing.delete(ts);
    ts.processingOn = undefined;
    if (ts.retries > 0) {
      ts.retries--;
      this.counts.retried++;
      ts.state = 'waiting';
      this.toProcessing(ts, this.hasQueuedDependents(ts, w) ? w : undefined);
      return;
    }
    this.counts.erred++;
    this.toErred(ts, { kind: 'exception', key: info.key ?? key, worker: workerId, info });
  }

  private removeWorker(id: string, detail: string): void {
    const w = this.workers.get(id);
    if (!w) return;
    this.workers.delete(id);
    this.counts.workersLost++;
    // 1. Results only it held are lost: recompute those still needed, downstream work waits again.
    const lost: TaskState<R>[] = [];
    for (const ts of w.hasWhat) {
      ts.whoHas.delete(w);
      if (ts.whoHas.size === 0 && ts.state === 'memory') lost.push(ts);
    }
    w.hasWhat.clear();
    w.nbytes = 0;
    const running = [...w.processing];
    w.processing.clear();
    for (const ts of running) ts.processingOn = undefined;
    for (const ts of lost) this.dataLost(ts);
    // 2. Tasks it was running: retry elsewhere, unless workers keep dying under them.
    for (const ts of running) {
      // Skip what is no longer processing, or was already sent elsewhere (queued behind an input
      // that was rescheduled just above).
      if (ts.state !== 'processing' || ts.processingOn !== undefined) continue;
      // Only a task whose inputs were all there may have been running when the worker died.
      if (ts.waitingOn.size === 0) ts.suspicious++;
      if (ts.suspicious >= this.allowedFailures) {
        this.toErred(ts, { kind: 'killed-worker', key: ts.key, deaths: ts.suspicious, lastWorker: id, detail });
        continue;
      }
      ts.state = 'waiting';
      this.refillWaitingOn(ts);
      if (ts.waitingOn.size === 0) this.toProcessing(ts);
    }
  }

  private missingData(key: Key, holderId: string): void {
    const ts = this.tasks.get(key);
    const w = this.workers.get(holderId);
    if (!ts || !w || !ts.whoHas.has(w)) return;
    ts.whoHas.delete(w);
    w.hasWhat.delete(ts);
    w.nbytes -= ts.nbytes;
    if (ts.whoHas.size === 0 && ts.state === 'memory') this.dataLost(ts);
  }

  private releaseKey(client: string, key: Key): void {
    const ts = this.tasks.get(key);
    if (!ts) return;
    const n = ts.wants.get(client) ?? 0;
    if (n <= 1) ts.wants.delete(client);
    else ts.wants.set(client, n - 1);
    if (ts.wants.size > 0) return;
    if (ts.state === 'memory') this.maybeRelease(ts);
    else if ((ts.state === 'waiting' || ts.state === 'processing') && ts.waiters.size === 0) this.cancel(ts);
    else this.maybeForget(ts);
  }

  // ---- transitions ----

  /** released → waiting, making sure every missing input is on its way (recursively). */
  private toWaiting(root: TaskState<R>): void {
    const stack = [root];
    const ready: TaskState<R>[] = [];
    while (stack.length > 0) {
      const ts = stack.pop()!;
      if (ts.state !== 'released') continue;
      ts.state = 'waiting';
      ts.waitingOn.clear();
      let failed: Failure | undefined;
      for (const d of ts.deps) {
        d.waiters.add(ts);
        if (d.state === 'memory') continue;
        if (d.state === 'erred') failed ??= d.failure;
        ts.waitingOn.add(d);
        if (d.state === 'released') stack.push(d);
      }
      if (failed) this.toErred(ts, failed);
      else if (ts.waitingOn.size === 0) ready.push(ts);
    }
    ready.sort((a, b) => comparePriority(a.priority, b.priority));
    for (const ts of ready) if (ts.state === 'waiting' && ts.waitingOn.size === 0) this.toProcessing(ts);
  }

  private refillWaitingOn(ts: TaskState<R>): void {
    ts.waitingOn.clear();
    for (const d of ts.deps) {
      d.waiters.add(ts);
      if (d.state !== 'memory') {
        ts.waitingOn.add(d);
        if (d.state === 'released') this.toWaiting(d);
      }
    }
  }

  /** A ready task goes to a worker (or waits for one). */
  private toProcessing(ts: TaskState<R>, pinned?: WorkerState<R>): void {
    const w = pinned ?? this.chooseWorker(ts);
    if (!w) {
      this.unrunnable.add(ts);
      return;
    }
    this.assign(ts, w);
    // Queue dependents behind it on the same worker when everything they need is (or will be)
    // there: a chain then flows through the worker without a round trip per link.
    // Only along chains (a result with a single dependent): a result many tasks need is spread
    // over the workers by chooseWorker instead of piling its dependents onto one.
    const stack = [ts];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (t.dependents.size !== 1) continue;
      for (const d of t.waiters) {
        if (d.state === 'waiting' && !this.unrunnable.has(d) && this.runsAfterOn(d, w)) {
          this.assign(d, w);
          stack.push(d);
        }
      }
    }
  }

  private assign(ts: TaskState<R>, w: WorkerState<R>): void {
    ts.state = 'processing';
    ts.processingOn = w;
    w.processing.add(ts);
    const deps: Array<[Key, string[]]> = new Array(ts.deps.length);
    for (let i = 0; i < ts.deps.length; i++) {
      const d = ts.deps[i]!;
      deps[i] = [d.key, d.whoHas.size === 0 ? NO_IDS : [...d.whoHas].map((h) => h.id)];
    }
    this.out.push({ op: 'compute', worker: w.id, key: ts.key, run: ts.run, priority: ts.priority, deps });
  }

  /** Every input of `ts` is in memory on `w` or queued there (`w` runs its queue before `ts`). */
  private runsAfterOn(ts: TaskState<R>, w: WorkerState<R>): boolean {
    if (w.paused) return false;
    for (const d of ts.deps) {
      if (d.state === 'memory' ? !d.whoHas.has(w) : !(d.state === 'processing' && d.processingOn === w)) return false;
    }
    return true;
  }

  /** Dependents already queued behind `ts` on `w` (so a retry must stay there). */
  private hasQueuedDependents(ts: TaskState<R>, w: WorkerState<R>): boolean {
    for (const d of ts.waiters) if (d.state === 'processing' && d.processingOn === w && d.waitingOn.has(ts)) return true;
    return false;
  }

  /**
   * Where to run a ready task (Dask's `decide_worker`): among the workers holding its inputs,
   * the one where it would start soonest (queued work, plus moving the inputs it lacks). When
   * every holder already has a task per thread queued, every worker is a candidate.
   */
  private chooseWorker(ts: TaskState<R>): WorkerState<R> | undefined {
    const running = [...this.workers.values()].filter((w) => !w.paused);
    if (running.length === 0) return undefined;
    let candidates: WorkerState<R>[] = [];
    for (const d of ts.deps) for (const h of d.whoHas) if (!h.paused && !candidates.includes(h)) candidates.push(h);
    if (candidates.length === 0) candidates = running;
    else if (Math.min(...candidates.map((w) => w.processing.size / w.nthreads)) >= 1) {
      // Every holder is busy: others may start sooner even after moving the inputs (the cost says:
      // long tasks spread, tiny ones stay where their inputs are).
      for (const w of running) if (!candidates.includes(w)) candidates.push(w);
    }
    let best: WorkerState<R> | undefined;
    let bestCost = Infinity;
    for (const w of candidates) {
      let move = 0;
      for (const d of ts.deps) if (!d.whoHas.has(w)) move += TRANSFER_MS + d.nbytes * MS_PER_BYTE;
      const cost = ((w.processing.size + 1) / w.nthreads) * this.avgMs + move;
      if (cost < bestCost || (cost === bestCost && best !== undefined && w.nbytes < best.nbytes)) {
        best = w;
        bestCost = cost;
      }
    }
    return best;
  }

  /** The task and everything waiting on it fail with `failure`. */
  private toErred(root: TaskState<R>, failure: Failure): void {
    const stack = [root];
    while (stack.length > 0) {
      const ts = stack.pop()!;
      if (ts.state === 'erred') continue;
      this.leaveState(ts);
      ts.state = 'erred';
      ts.failure = failure;
      if (ts.wants.size > 0) this.out.push({ op: 'key-erred', key: ts.key, failure });
      for (const d of ts.deps) {
        d.waiters.delete(ts);
        this.maybeRelease(d);
      }
      for (const dep of ts.waiters) stack.push(dep);
      ts.waiters.clear();
      this.maybeForget(ts);
    }
  }

  /** Undo the bookkeeping of the current state (processing or memory) before a transition. */
  private leaveState(ts: TaskState<R>): void {
    if (ts.processingOn) {
      ts.processingOn.processing.delete(ts);
      this.out.push({ op: 'free', worker: ts.processingOn.id, keys: [ts.key] });
      ts.processingOn = undefined;
    }
    this.unrunnable.delete(ts);
    if (ts.state === 'memory') this.dropReplicas(ts);
  }

  /** A result no worker holds any more. */
  private dataLost(ts: TaskState<R>): void {
    ts.state = 'released';
    const needed = ts.wants.size > 0 || ts.waiters.size > 0;
    // Dependents already sent to a worker need this input again: they wait for the recomputation
    // (with whatever was queued behind them there).
    for (const dep of [...ts.waiters]) {
      if (dep.state === 'processing') this.unassign(dep);
      if (dep.state === 'waiting') dep.waitingOn.add(ts);
    }
    if (!needed) this.maybeForget(ts);
    else if (ts.run === undefined) this.toErred(ts, { kind: 'lost', key: ts.key }); // scattered: no lineage
    else {
      this.counts.recomputed++;
      this.toWaiting(ts);
    }
  }

  /** Take a processing task back from its worker, and the tasks queued behind it there. */
  private unassign(root: TaskState<R>): void {
    const stack = [root];
    while (stack.length > 0) {
      const ts = stack.pop()!;
      const on = ts.processingOn;
      if (ts.state !== 'processing') continue;
      ts.state = 'waiting';
      if (!on) continue;
      on.processing.delete(ts);
      ts.processingOn = undefined;
      this.out.push({ op: 'free', worker: on.id, keys: [ts.key] });
      for (const d of ts.waiters) if (d.state === 'processing' && d.processingOn === on && d.waitingOn.has(ts)) stack.push(d);
    }
  }

  /** Stop work nobody needs any more (a cancelled or released Future). */
  private cancel(ts: TaskState<R>): void {
    this.leaveState(ts);
    ts.state = 'released';
    for (const d of ts.deps) {
      d.waiters.delete(ts);
      if (d.state === 'memory') this.maybeRelease(d);
      else if ((d.state === 'waiting' || d.state === 'processing') && d.waiters.size === 0 && d.wants.size === 0) this.cancel(d);
    }
    ts.waitingOn.clear();
    this.maybeForget(ts);
  }

  private addWant(ts: TaskState<R>, client: string): void {
    if (ts.wants === NO_WANTS) ts.wants = new Map();
    ts.wants.set(client, (ts.wants.get(client) ?? 0) + 1);
  }

  private addReplica(ts: TaskState<R>, w: WorkerState<R>): void {
    if (ts.whoHas.has(w)) return;
    if (ts.whoHas === NO_HOLDERS) ts.whoHas = new Set();
    ts.whoHas.add(w);
    w.hasWhat.add(ts);
    w.nbytes += ts.nbytes;
  }

  private dropReplicas(ts: TaskState<R>): void {
    for (const w of ts.whoHas) {
      w.hasWhat.delete(ts);
      w.nbytes -= ts.nbytes;
      this.out.push({ op: 'free', worker: w.id, keys: [ts.key] });
    }
    ts.whoHas.clear();
  }

  /** memory → released once no dependent and no client needs the result. */
  private maybeRelease(ts: TaskState<R>): void {
    if (ts.state !== 'memory' || ts.waiters.size > 0 || ts.wants.size > 0) return;
    this.dropReplicas(ts);
    ts.state = 'released';
    this.maybeForget(ts);
  }

  /** Drop a released (or erred) task nobody can need again, and then its inputs likewise. */
  private maybeForget(root: TaskState<R>): void {
    const stack = [root];
    while (stack.length > 0) {
      const ts = stack.pop()!;
      if ((ts.state !== 'released' && ts.state !== 'erred') || ts.wants.size > 0 || ts.dependents.size > 0) continue;
      if (this.tasks.get(ts.key) !== ts) continue;
      this.tasks.delete(ts.key);
      for (const d of ts.deps) {
        d.dependents.delete(ts);
        d.waiters.delete(ts);
        if (d.state === 'memory') this.maybeRelease(d);
        else stack.push(d);
      }
    }
  }

  // ---- queries ----

  /** Workers holding `key`'s result. */
  whoHas(key: Key): string[] {
    return [...(this.tasks.get(key)?.whoHas ?? [])].map((w) => w.id);
  }

  stateOf(key: Key): TaskStateName | 'forgotten' {
    return this.tasks.get(key)?.state ?? 'forgotten';
  }
}
