/**
 * Messages between the scheduler (in the client's process) and its workers. Plain arrays and
 * objects, batched: one message per worker per scheduler tick, one per worker flush. A transport
 * (a worker thread's port, a child process's IPC channel, later a network connection) only has to
 * carry these.
 */
import type { RemoteErrorInfo } from '../errors.ts';
import type { FnSpec, Key } from '../graph/types.ts';
import type { Priority } from './heap.ts';

/** How a worker runs a task: a function id (-1: fused chain in args[0]; -2: a literal value in args[0]). */
export interface RunSpec {
  fnId: number;
  args: unknown[];
  /** Flags of ../schedulers/protocol.ts (RESOLVE, FNS; SHARE is added per worker). */
  flags: number;
  /** Every function id the task needs defined first. */
  fnIds: number[];
}

/** A task for a worker: [key, fnId, args, flags, priority, deps with their holders]. */
export type WireCompute = [Key, number, unknown[], number, Priority, Array<[Key, string[]]>];

export interface ToWorkerBatch {
  t: 'batch';
  defs?: Array<[number, FnSpec & { url?: string }]>;
  compute?: WireCompute[];
  free?: Key[];
  /** Cancelled tasks taken back (after `compute`): dropped, and reported `stopped` once not running here. */
  stop?: Key[];
  /** Scattered data: [key, value] or [key, v8 bytes, 1]. */
  puts?: Array<[Key, unknown] | [Key, Uint8Array, 1]>;
}
/** Ask a worker for values (for a client's gather, or relayed for a peer's fetch). */
export interface GetMsg {
  t: 'get';
  req: number;
  keys: Key[];
  /** Reply with v8 bytes (between processes: relayed without decoding). */
  raw: boolean;
}
/** The reply to a peer's gather, relayed by the scheduler. */
export interface GatheredMsg {
  t: 'gathered';
  req: number;
  holder: string;
  values?: unknown[];
  missing?: Key[];
  /** A value the holder could not serialize: the tasks that need it fail with this. */
  error?: [Key, RemoteErrorInfo];
}
export type ToWorker = ToWorkerBatch | GetMsg | GatheredMsg;

/**
 * A worker's report: finished tasks flattened as [key, nbytes, start, end, ...], failures,
 * inputs a holder no longer had, and the bytes it holds.
 */
export interface FromWorkerBatch {
  t: 'report';
  done: unknown[];
  erred?: Array<[Key, RemoteErrorInfo, number, number]>;
  missing?: Array<[Key, string]>;
  /** Bytes held in memory, and spilled to disk. */
  memory: number;
  spilled: number;
  /** Set when the worker paused (memory above 0.8 of its limit) or resumed. */
  paused?: boolean;
  /** Small results sent along (WorkerOptions.inlineBytes): [key, value]. */
  inline?: Array<[Key, unknown]>;
  /** Keys of a `stop` that no longer run here (dropped at once, or their run has ended). */
  stopped?: Key[];
}
export interface GatherMsg {
  t: 'gather';
  req: number;
  holder: string;
  keys: Key[];
}
export interface DataMsg {
  t: 'data';
  req: number;
  values?: unknown[];
  missing?: Key[];
  /** A value that could not be serialized: [key, error]. */
  error?: [Key, RemoteErrorInfo];
}
export interface ReadyMsg {
  t: 'ready';
  pid: number;
}
export type FromWorker = FromWorkerBatch | GatherMsg | DataMsg | ReadyMsg;

export const DONE_STRIDE = 4;
/** RunSpec.fnId of a literal value (a graph's data node). */
export const LITERAL = -2;
