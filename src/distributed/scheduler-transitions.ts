/**
 * The transitions of the scheduler's task states (Dask's `_transition_*`): released → waiting →
 * processing → memory, or erred; losing data, cancelling, releasing and forgetting. Each appends
 * the instructions it causes to `out`. `SchedulerState` (scheduler-state.ts) maps events to these.
 */
import type { Key } from '../graph/types.ts';
import { comparePriority } from './heap.ts';
import { chooseWorker, runsAfterOn } from './placement.ts';
import type { Failure, Instruction, SchedulerOptions, TaskState, WorkerState } from './scheduler-types.ts';

// Most tasks are never wanted by a client, and hold no result most of their life: they share these
// empty collections until the first `add`/`set` (delete and clear on them change nothing).
export const NO_WANTS: Map<string, number> = new Map();
export const NO_HOLDERS: Set<never> = new Set();
const NO_IDS: string[] = [];

export abstract class SchedulerTransitions<R = unknown> {
  readonly tasks = new Map<Key, TaskState<R>>();
  readonly workers = new Map<string, WorkerState<R>>();
  readonly allowedFailures: number;
  /** Ready tasks with no worker to run on (none, or all paused). */
  readonly unrunnable = new Set<TaskState<R>>();
  /** Running estimate of a task's duration in ms (for choosing workers). */
  protected avgMs = 1;
  /** The instructions of the event being handled. */
  protected out: Instruction<R>[] = [];
  /** Counters for dashboards and tests. */
  readonly counts = { computed: 0, erred: 0, retried: 0, recomputed: 0, workersLost: 0 };

  constructor(opts: SchedulerOptions = {}) {
    this.allowedFailures = opts.allowedFailures ?? 3;
  }

  // ---- transitions ----

  /** released → waiting, making sure every missing input is on its way (recursively). */
  protected toWaiting(root: TaskState<R>): void {
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

  protected refillWaitingOn(ts: TaskState<R>): void {
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
  protected toProcessing(ts: TaskState<R>, pinned?: WorkerState<R>): void {
    const w = pinned ?? chooseWorker(ts, this.workers.values(), this.avgMs);
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
        if (d.state === 'waiting' && !this.unrunnable.has(d) && runsAfterOn(d, w)) {
          this.assign(d, w);
          stack.push(d);
        }
      }
    }
  }

  protected assign(ts: TaskState<R>, w: WorkerState<R>): void {
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

  /** The task and everything waiting on it fail with `failure`. */
  protected toErred(root: TaskState<R>, failure: Failure): void {
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
  protected leaveState(ts: TaskState<R>): void {
    if (ts.processingOn) {
      ts.processingOn.processing.delete(ts);
      this.out.push({ op: 'free', worker: ts.processingOn.id, keys: [ts.key] });
      ts.processingOn = undefined;
    }
    this.unrunnable.delete(ts);
    if (ts.state === 'memory') this.dropReplicas(ts);
  }

  /** A result no worker holds any more. */
  protected dataLost(ts: TaskState<R>): void {
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
  protected unassign(root: TaskState<R>): void {
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
  protected cancel(ts: TaskState<R>): void {
    const on = ts.processingOn;
    if (on) {
      // It may be running there: a stop, not a free, so that the transport can see it end.
      on.processing.delete(ts);
      ts.processingOn = undefined;
      this.out.push({ op: 'stop', worker: on.id, keys: [ts.key] });
    }
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

  protected addWant(ts: TaskState<R>, client: string): void {
    if (ts.wants === NO_WANTS) ts.wants = new Map();
    ts.wants.set(client, (ts.wants.get(client) ?? 0) + 1);
  }

  protected addReplica(ts: TaskState<R>, w: WorkerState<R>): void {
    if (ts.whoHas.has(w)) return;
    if (ts.whoHas === NO_HOLDERS) ts.whoHas = new Set();
    ts.whoHas.add(w);
    w.hasWhat.add(ts);
    w.nbytes += ts.nbytes;
  }

  protected dropReplicas(ts: TaskState<R>): void {
    for (const w of ts.whoHas) {
      w.hasWhat.delete(ts);
      w.nbytes -= ts.nbytes;
      this.out.push({ op: 'free', worker: w.id, keys: [ts.key] });
    }
    ts.whoHas.clear();
  }

  /** memory → released once no dependent and no client needs the result. */
  protected maybeRelease(ts: TaskState<R>): void {
    if (ts.state !== 'memory' || ts.waiters.size > 0 || ts.wants.size > 0) return;
    this.dropReplicas(ts);
    ts.state = 'released';
    this.maybeForget(ts);
  }

  /** Drop a released (or erred) task nobody can need again, and then its inputs likewise. */
  protected maybeForget(root: TaskState<R>): void {
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
}
