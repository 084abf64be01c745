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
 *
 * This file maps events to transitions; the transitions are in `scheduler-transitions.ts`, the
 * choice of a worker in `placement.ts`, the vocabulary in `scheduler-types.ts`.
 */
import type { RemoteErrorInfo } from '../errors.ts';
import type { Key } from '../graph/types.ts';
import { comparePriority } from './heap.ts';
import { hasQueuedDependents } from './placement.ts';
import type { Instruction, NewTask, SchedulerEvent, TaskState, TaskStateName } from './scheduler-types.ts';
import { NO_HOLDERS, NO_WANTS, SchedulerTransitions } from './scheduler-transitions.ts';

export type { Failure, Instruction, NewTask, SchedulerEvent, SchedulerOptions, TaskState, TaskStateName, WorkerState } from './scheduler-types.ts';

export class SchedulerState<R = unknown> extends SchedulerTransitions<R> {
  private generation = 0;

  /** Apply one event; returns the instructions it causes, in order. */
  handle(ev: SchedulerEvent): Instruction<R>[] {
    this.out = [];
    switch (ev.type) {
      case 'add-worker':
        this.addWorker(ev.worker, ev.nthreads);
        break;
      case 'remove-worker':
        this.removeWorker(ev.worker, ev.detail ?? 'removed', ev.blameless ?? false);
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
      this.toProcessing(ts, hasQueuedDependents(ts, w) ? w : undefined);
      return;
    }
    this.counts.erred++;
    this.toErred(ts, { kind: 'exception', key: info.key ?? key, worker: workerId, info });
  }

  private removeWorker(id: string, detail: string, blameless: boolean): void {
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
      // Only a task whose inputs were all there may have been running when the worker died; a
      // worker terminated to stop a cancelled task blames nobody else.
      if (ts.waitingOn.size === 0 && !blameless) ts.suspicious++;
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

  // ---- queries ----

  /** Workers holding `key`'s result. */
  whoHas(key: Key): string[] {
    return [...(this.tasks.get(key)?.whoHas ?? [])].map((w) => w.id);
  }

  stateOf(key: Key): TaskStateName | 'forgotten' {
    return this.tasks.get(key)?.state ?? 'forgotten';
  }
}
