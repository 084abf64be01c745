/**
 * The vocabulary of the scheduler state machine (`scheduler-state.ts`): the events it takes, the
 * instructions it gives, and the records it keeps per task and per worker.
 */
import type { RemoteErrorInfo } from '../errors.ts';
import type { Key } from '../graph/types.ts';
import type { Priority } from './heap.ts';

export type TaskStateName = 'released' | 'waiting' | 'processing' | 'memory' | 'erred';

/** A task as a client submits it; `run` is opaque here (the transport knows how to run it). */
export interface NewTask<R = unknown> {
  key: Key;
  deps: readonly Key[];
  run: R;
  /** Position in the graph's static order (lower first). */
  order?: number;
  /** User priority: higher runs first. */
  priority?: number;
  /** How many times to re-run it when it throws. */
  retries?: number;
}

/** Why a task failed: it threw (on its last retry), or its workers kept dying. */
export type Failure =
  | { kind: 'exception'; key: Key; worker: string; info: RemoteErrorInfo }
  | { kind: 'killed-worker'; key: Key; deaths: number; lastWorker: string; detail: string }
  | { kind: 'lost'; key: Key };

export type SchedulerEvent =
  | { type: 'add-worker'; worker: string; nthreads: number }
  /**
   * A worker left. `blameless`: the cluster terminated it to stop a cancelled task, so the tasks
   * it was running are rescheduled without counting a death against them (`allowedFailures`).
   */
  | { type: 'remove-worker'; worker: string; detail?: string; blameless?: boolean }
  | { type: 'worker-paused'; worker: string; paused: boolean }
  | { type: 'update-graph'; client: string; tasks: readonly NewTask[]; wants: readonly Key[] }
  | { type: 'add-data'; client: string; worker: string; data: ReadonlyArray<{ key: Key; nbytes: number }> }
  | { type: 'task-finished'; worker: string; key: Key; nbytes: number; start?: number; end?: number }
  | { type: 'task-erred'; worker: string; key: Key; info: RemoteErrorInfo }
  | { type: 'release-keys'; client: string; keys: readonly Key[] }
  | { type: 'missing-data'; worker: string; key: Key; holder: string };

export type Instruction<R = unknown> =
  | { op: 'compute'; worker: string; key: Key; run: R; priority: Priority; deps: Array<[Key, string[]]> }
  | { op: 'free'; worker: string; keys: Key[] }
  /**
   * Take cancelled tasks back from the worker they were sent to (running or queued there): it
   * drops them and reports each as `stopped` once it no longer runs there; the transport replaces
   * a worker that does not within its grace period.
   */
  | { op: 'stop'; worker: string; keys: Key[] }
  | { op: 'key-in-memory'; key: Key; nbytes: number }
  | { op: 'key-erred'; key: Key; failure: Failure };

export interface TaskState<R = unknown> {
  key: Key;
  state: TaskStateName;
  run: R;
  deps: TaskState<R>[];
  /** Every known task that depends on this one. */
  dependents: Set<TaskState<R>>;
  /** Dependents (waiting or processing) that still need this result. */
  waiters: Set<TaskState<R>>;
  /** Dependencies not yet in memory (while waiting). */
  waitingOn: Set<TaskState<R>>;
  /** How many client references (Futures) want this key, per client. */
  wants: Map<string, number>;
  whoHas: Set<WorkerState<R>>;
  processingOn: WorkerState<R> | undefined;
  priority: Priority;
  nbytes: number;
  retries: number;
  /** Deaths of workers while this task was running there. */
  suspicious: number;
  failure: Failure | undefined;
}

export interface WorkerState<R = unknown> {
  id: string;
  nthreads: number;
  processing: Set<TaskState<R>>;
  hasWhat: Set<TaskState<R>>;
  nbytes: number;
  paused: boolean;
}

export interface SchedulerOptions {
  /** Worker deaths a task may witness before it fails with KilledWorker (Dask: 3). */
  allowedFailures?: number;
}
