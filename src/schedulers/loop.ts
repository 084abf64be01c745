/**
 * The scheduling loop (Dask's `get_async` in `local.py`): one loop for every scheduler. It owns
 * the ready queue, the waiting counts and the reference counts; an adapter (sync, or a worker pool)
 * only runs tasks and moves data. Each result is released as soon as its last dependent has run.
 *
 * Keys are turned into integer indices once, so the per-task work is array reads and writes.
 */
import { FUSED_OP, fuseIndexed, stepsOf } from '../graph/fuse.ts';
import { orderIndexed } from '../graph/order.ts';
import type { FnSpec, Graph, GraphNode, Key, Task } from '../graph/types.ts';
import { TimeoutError } from '../errors.ts';
import type { Callback, RunStats, StartInfo, TaskInfo } from './callbacks.ts';
import { DEFAULT_CANCEL_GRACE, secondsOption } from './deadline.ts';
import { PriorityHeap } from './heap.ts';
import type { ExecStep } from './runtime.ts';

/** The graph as the loop runs it: indexed, ordered, aliases turned into identity tasks. */
export interface Plan {
  keys: Key[];
  index: Map<Key, number>;
  /** `null` for a data node. */
  tasks: (Task | null)[];
  /** Values of data nodes. */
  data: unknown[];
  deps: number[][];
  dependents: number[][];
  outputs: number[];
  isOutput: Uint8Array;
  priority: Int32Array;
  /** The node of each key (fused tasks included). */
  nodes: GraphNode[];
}

export interface RunOptions {
  callbacks?: readonly Callback[];
  /** Fuse linear chains before running (default true). */
  fuse?: boolean;
  /**
   * Seconds: a compute still running this long after it started rejects with a `TimeoutError`
   * naming its keys, and its tasks are stopped (see `cancelGracePeriod`).
   */
  timeout?: number;
  /**
   * Seconds a worker still running a task of a timed-out compute gets before it is terminated
   * and replaced (default 3).
   */
  cancelGracePeriod?: number;
}

/** What a scheduler adapter supplies to the loop. */
export interface Adapter {
  readonly name: string;
  /** Check and load everything the plan needs before any task runs (ship checks, pools, modules). */
  prepare(plan: Plan, run: Run): void | Promise<void>;
  /** How many more tasks it accepts right now. */
  capacity(): number;
  /** Start these tasks; report each with `run.done` / `run.fail`. */
  submit(ids: number[]): void;
  /**
   * Start task `i` before its inputs are done, if every unfinished input is already queued on one
   * worker (which runs its queue in order) and the rest are there or can be sent along. A chain of
   * tasks then flows through a worker without a round trip per link. Returns false to wait.
   */
  submitAfter?(i: number): boolean;
  /** Send what `submit`/`submitAfter` queued. */
  flush?(): void;
  /** Nobody needs this result any more. */
  release(id: number): void;
  /**
   * The compute is over (finished or failed): drop everything it holds. With `graceMs` (it timed
   * out) its tasks still running must stop too: a worker still running one after `graceMs` is
   * terminated and replaced.
   */
  end(failed: boolean, graceMs?: number): void;
  /** Adapter counters merged into the run's stats. */
  stats?(): Partial<RunStats>;
}

const IDENTITY: FnSpec = { kind: 'op', name: 'identity' };

export function makePlan(graph: Graph, keys: readonly Key[], doFuse: boolean): Plan {
  // orderIndexed culls (only what the outputs need) while numbering; fusion then works on that form.
  let ord = orderIndexed(graph, keys);
  if (doFuse) ord = fuseIndexed(ord, keys);
  const { keys: keyList, nodes, index, deps, priority } = ord;
  const n = keyList.length;
  const tasks: (Task | null)[] = new Array(n);
  const data: unknown[] = new Array(n);
  const dependents: number[][] = new Array(n);
  for (let i = 0; i < n; i++) dependents[i] = [];
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    if (node.kind === 'data') {
      tasks[i] = null;
      data[i] = node.value;
    } else if (node.kind === 'alias') {
      tasks[i] = { kind: 'task', key: node.key, fn: IDENTITY, args: [{ kind: 'ref', key: node.target }], deps: [node.target] };
    } else tasks[i] = node;
    for (const d of deps[i]!) dependents[d]!.push(i);
  }
  const outputs = keys.map((k) => index.get(k)!);
  const isOutput = new Uint8Array(n);
  for (const o of outputs) isOutput[o] = 1;
  return { keys: keyList, index, tasks, data, deps, dependents, outputs, isOutput, priority, nodes };
}

/** Every function spec a task uses: its own (its steps', if fused) and its function arguments. */
export function specsOf(t: Task): FnSpec[] {
  const own = stepsOf(t).map((s) => s.fn);
  return t.fns ? [...own, ...t.fns] : own;
}

/**
 * The form workers run, per task index: `fnId[i]` is the id of the task's function, or -1 for a
 * fused chain whose steps (each with its function's id) are `args[i][0]`. Plain arrays, built once
 * per compute, so nothing is allocated per task for non-fused tasks.
 */
export class ExecTable {
  readonly fnId: Int32Array;
  readonly args: unknown[][];
  /** Ids of functions passed as arguments (undefined when there are none). */
  readonly argFnIds: (number[] | undefined)[];
  constructor(plan: Plan, define: (spec: FnSpec) => number) {
    // Tasks built from one function share its spec object: define each spec once per plan.
    const ids = new Map<FnSpec, number>();
    const idOf = (spec: FnSpec) => {
      let id = ids.get(spec);
      if (id === undefined) ids.set(spec, (id = define(spec)));
      return id;
    };
    const n = plan.tasks.length;
    this.fnId = new Int32Array(n);
    this.args = new Array(n);
    this.argFnIds = new Array(n);
    for (let i = 0; i < n; i++) {
      const t = plan.tasks[i];
      if (!t) continue;
      if (t.fns) this.argFnIds[i] = t.fns.map(idOf);
      if (t.fn.kind === 'op' && t.fn.name === FUSED_OP) {
        const exec: ExecStep[] = stepsOf(t).map((s) => [s.key, idOf(s.fn), s.args]);
        this.fnId[i] = -1;
        this.args[i] = [exec];
      } else {
        this.fnId[i] = idOf(t.fn);
        this.args[i] = t.args;
      }
    }
  }

  /** Every function id task `i` needs. */
  fnIdsOf(i: number): number[] {
    const id = this.fnId[i]!;
    const own = id >= 0 ? [id] : (this.args[i]![0] as ExecStep[]).map((s) => s[1]);
    const extra = this.argFnIds[i];
    return extra ? [...own, ...extra] : own;
  }
}

/** One compute: the loop's state for a plan, driving one adapter. */
export class Run {
  readonly plan: Plan;
  private readonly adapter: Adapter;
  private readonly callbacks: readonly Callback[];
  private readonly waiting: Int32Array;
  private readonly refs: Int32Array;
  private readonly state: Uint8Array; // 0 waiting/ready, 1 running, 2 done, 3 released
  private readonly heap: PriorityHeap;
  private readonly results: unknown[];
  private remaining = 0;
  private held = 0;
  private peakHeld = 0;
  private tasksRun = 0;
  private driving = false;
  private over = false;
  private deadline: NodeJS.Timeout | undefined;
  private readonly t0 = performance.now();
  private resolve!: (v: unknown[]) => void;
  private reject!: (e: unknown) => void;
  readonly promise: Promise<unknown[]>;

  constructor(
    plan: Plan,
    adapter: Adapter,
    callbacks: readonly Callback[],
    private readonly limits: Pick<RunOptions, 'timeout' | 'cancelGracePeriod'> = {},
  ) {
    this.plan = plan;
    this.adapter = adapter;
    this.callbacks = callbacks;
    const n = plan.keys.length;
    this.waiting = new Int32Array(n);
    this.refs = new Int32Array(n);
    this.state = new Uint8Array(n);
    this.heap = new PriorityHeap(plan.priority);
    this.results = new Array(n);
    this.promise = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  /** Start running; resolves with the outputs' values in requested order. */
  async start(): Promise<unknown[]> {
    const { plan } = this;
    const ms = secondsOption('timeout', this.limits.timeout);
    const graceMs = secondsOption('cancelGracePeriod', this.limits.cancelGracePeriod ?? DEFAULT_CANCEL_GRACE, true)!;
    // The deadline counts from the call. Not unref'd: a compute waiting on its deadline (an
    // asynchronous task that never settles) keeps the program alive until it rejects.
    if (ms !== undefined) this.deadline = setTimeout(() => this.timedOut(graceMs), ms);
    if (this.callbacks.length) {
      const info = startInfo(this.adapter.name, plan);
      for (const cb of this.callbacks) cb.start?.(info);
    }
    try {
      await this.adapter.prepare(plan, this);
    } catch (e) {
      this.fail(e);
      return this.promise;
    }
    const n = plan.keys.length;
    for (let i = 0; i < n; i++) this.refs[i] = plan.dependents[i]!.length + plan.isOutput[i]!;
    for (let i = 0; i < n; i++) {
      if (plan.tasks[i] === null) {
        this.state[i] = 2;
        this.held++;
        if (plan.isOutput[i]) this.results[i] = plan.data[i];
      } else this.remaining++;
    }
    for (let i = 0; i < n; i++) {
      if (plan.tasks[i] === null) continue;
      let w = 0;
      for (const d of plan.deps[i]!) if (this.state[d] !== 2) w++;
      this.waiting[i] = w;
      if (w === 0) this.heap.push(i);
    }
    this.peakHeld = this.held;
    if (this.remaining === 0) this.finish();
    else this.drive();
    return this.promise;
  }

  /** Hand ready tasks to the adapter while it has room. */
  drive(): void {
    if (this.driving || this.over) return;
    this.driving = true;
    try {
      const cbs = this.callbacks;
      while (!this.over && this.heap.size > 0) {
        let room = this.adapter.capacity();
        if (room <= 0) break;
        const batch: number[] = [];
        while (room-- > 0 && this.heap.size > 0) {
          const i = this.heap.pop();
          this.state[i] = 1;
          batch.push(i);
          if (cbs.length) for (const cb of cbs) cb.pretask?.(this.plan.keys[i]!);
        }
        this.adapter.submit(batch);
        if (this.adapter.submitAfter) this.submitDependents(batch);
      }
      this.adapter.flush?.();
    } catch (e) {
      this.fail(e);
    } finally {
      this.driving = false;
    }
  }

  /** Offer the dependents of just-submitted tasks to `adapter.submitAfter`, transitively. */
  private submitDependents(batch: number[]): void {
    const { dependents, keys } = this.plan;
    const cbs = this.callbacks;
    const stack = batch.slice();
    while (stack.length > 0) {
      const i = stack.pop()!;
      for (const j of dependents[i]!) {
        if (this.state[j] !== 0 || !this.adapter.submitAfter!(j)) continue;
        this.state[j] = 1;
        if (cbs.length) for (const cb of cbs) cb.pretask?.(keys[j]!);
        stack.push(j);
      }
    }
  }

  /**
   * Task `i` finished. `value` is only needed for outputs. With `defer`, the caller calls `drive()`
   * after reporting a whole batch.
   */
  done(i: number, info: TaskInfo | undefined, value?: unknown, defer = false): void {
    if (this.over || this.state[i] === 2) return;
    const { plan } = this;
    this.state[i] = 2;
    this.tasksRun++;
    this.remaining--;
    if (++this.held > this.peakHeld) this.peakHeld = this.held;
    if (plan.isOutput[i]) this.results[i] = value;
    if (this.callbacks.length && info) for (const cb of this.callbacks) cb.posttask?.(plan.keys[i]!, info);
    // A dependent already started early (submitAfter) is running, not ready.
    for (const j of plan.dependents[i]!) if (--this.waiting[j]! === 0 && this.state[j] === 0) this.heap.push(j);
    for (const d of plan.deps[i]!) if (--this.refs[d]! === 0) this.release(d);
    if (this.remaining === 0) this.finish();
    else if (!defer) this.drive();
  }

  private release(d: number): void {
    this.state[d] = 3;
    this.held--;
    this.adapter.release(d);
    if (this.callbacks.length) for (const cb of this.callbacks) cb.release?.(this.plan.keys[d]!);
  }

  /** The compute failed: stop dispatching, drop everything, reject. */
  fail(error: unknown, graceMs?: number): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.deadline);
    try {
      this.adapter.end(true, graceMs);
    } finally {
      const stats = this.stats();
      for (const cb of this.callbacks) cb.finish?.(stats, error);
      this.reject(error);
    }
  }

  /**
   * True when the task being dispatched is the last that needs `d` (and `d` is not requested):
   * the worker may drop `d` right after running it instead of waiting for a release message.
   */
  lastUse(d: number): boolean {
    return this.refs[d] === 1 && !this.plan.isOutput[d];
  }

  /** True when callbacks want per-task timing (adapters skip measuring otherwise). */
  get observed(): boolean {
    return this.callbacks.length > 0;
  }

  /** True when a callback wants each result's estimated size (`TaskInfo.nbytes`). */
  get measureBytes(): boolean {
    return this.callbacks.some((cb) => cb.measureBytes);
  }

  get failed(): boolean {
    return this.over;
  }

  /** The timeout passed: reject naming the requested keys, and stop what still runs. */
  private timedOut(graceMs: number): void {
    const keys = [...new Set(this.plan.outputs.map((o) => this.plan.keys[o]!))];
    this.fail(new TimeoutError('compute', keys, this.limits.timeout!), graceMs);
  }

  private finish(): void {
    this.over = true;
    clearTimeout(this.deadline);
    const stats = this.stats();
    this.adapter.end(false);
    for (const cb of this.callbacks) cb.finish?.(stats);
    this.resolve(this.plan.outputs.map((o) => this.results[o]));
  }

  private stats(): RunStats {
    const distinctOutputs = new Set(this.plan.outputs).size;
    return {
      scheduler: this.adapter.name,
      tasks: this.tasksRun,
      peakHeld: this.peakHeld,
      heldAtEnd: this.held - distinctOutputs,
      peakWorkerHeld: 0,
      transfers: 0,
      messages: 0,
      wallSeconds: (performance.now() - this.t0) / 1000,
      ...this.adapter.stats?.(),
    };
  }
}

function startInfo(scheduler: string, plan: Plan): StartInfo {
  let graph: Graph | undefined;
  return {
    scheduler,
    keys: plan.outputs.map((o) => plan.keys[o]!),
    tasks: plan.tasks.reduce((n, t) => n + (t ? 1 : 0), 0),
    // Only what runs: the plan's keys (built on demand; most callbacks never look).
    get graph() {
      return (graph ??= new Map(plan.keys.map((k, i) => [k, plan.nodes[i]!])));
    },
  };
}

/** Compute `keys` of `graph` with `adapter`. */
export function runGraph(graph: Graph, keys: readonly Key[], adapter: Adapter, opts: RunOptions = {}): Promise<unknown[]> {
  const plan = makePlan(graph, keys, opts.fuse ?? true);
  return new Run(plan, adapter, opts.callbacks ?? [], opts).start();
}
