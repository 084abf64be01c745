/**
 * Scheduler callbacks (Dask's `Callback`: start, pretask, posttask, finish). Every scheduler feeds
 * them from the one loop in loop.ts, including for tasks that ran in worker threads or processes:
 * workers report each task's start/end time and their name with its result.
 */
import type { Graph, Key } from '../graph/types.ts';

/** What a scheduler reports about one finished task. */
export interface TaskInfo {
  key: Key;
  /** Worker that ran it: 'main', 'thread-1', 'process-2', … */
  worker: string;
  /** Wall-clock start and end in ms since the epoch (`performance.timeOrigin + now()`), worker side. */
  start: number;
  end: number;
  /**
   * Estimated bytes of the result (`sizeOf`), measured where the task ran; only present when a
   * callback of the compute sets `measureBytes`.
   */
  nbytes?: number;
}

/** Counters of one compute, handed to `finish`. */
export interface RunStats {
  scheduler: string;
  /** Tasks executed (after fusion). */
  tasks: number;
  /** The largest number of results held at once (main-side bookkeeping). */
  peakHeld: number;
  /** Results still held when the compute ended, outputs excluded (0 when everything was released). */
  heldAtEnd: number;
  /** The largest number of results any worker held at once (pools only). */
  peakWorkerHeld: number;
  /** Results copied from one worker to another (pools only). */
  transfers: number;
  /** Messages sent to workers (pools only): batches of tasks, fetches and releases. */
  messages: number;
  /** Wall seconds from start to finish. */
  wallSeconds: number;
}

export interface StartInfo {
  scheduler: string;
  /** The graph as it will run: culled and, unless disabled, fused. */
  readonly graph: Graph;
  /** Number of tasks that will run (data nodes excluded). */
  tasks: number;
  /** Keys in the order they were requested. */
  keys: readonly Key[];
}

/**
 * Hooks called during a compute. All are optional and synchronous; keep them cheap.
 * @example
 * const seen: string[] = [];
 * await x.compute({ callbacks: [{ posttask: (key) => seen.push(key) }] });
 */
export interface Callback {
  /** Ask workers to estimate each result's size (`TaskInfo.nbytes`); costs a walk of each result. */
  readonly measureBytes?: boolean;
  start?(info: StartInfo): void;
  /** A task was handed to a worker (or is about to run, on `sync`). */
  pretask?(key: Key): void;
  /** A task finished. */
  posttask?(key: Key, info: TaskInfo): void;
  /** Nothing needs this result any more: it is dropped (requested outputs are never released). */
  release?(key: Key): void;
  /** The compute ended; `error` is set when it failed. */
  finish?(stats: RunStats, error?: unknown): void;
}
