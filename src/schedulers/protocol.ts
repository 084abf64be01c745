/**
 * Messages between the pool (main thread) and its workers (threads or processes). Plain arrays
 * and objects: they go through `postMessage` / v8 serialization, batched, one message per batch.
 */
import type { FnSpec, Key } from '../graph/types.ts';
import type { RemoteErrorInfo } from '../errors.ts';

/** Task flags. */
export const SEND = 1; // send the value back with the result
export const KEEP = 2; // keep the value in the worker's store (processes: results stay where made)
export const RESOLVE = 4; // resolve references in args from the worker's store
export const SHARE = 8; // move typed-array results into SharedArrayBuffer (threads)
export const FNS = 16; // args hold function arguments to resolve
export const MEASURE = 32; // estimate the result's size (sizeOf) for the callbacks

/**
 * One task: [key, fnId (-1: fused chain in args[0]), args, flags, inputs to drop after it ran
 * (it was their last use), positions in args of large literals sent as transfer files (the arg
 * there is the file's path; processes, `bulk.ts`)].
 */
export type WireTask = [Key, number, unknown[], number, (Key[] | undefined)?, number[]?];

/** How a put's value travels (third field of an entry of `RunMsg.puts`; absent: as itself). */
export const PUT_BYTES = 1;
export const PUT_FILE = 2;

export interface RunMsg {
  t: 'run';
  c: number; // compute id
  defs?: Array<[number, FnSpec & { url?: string }]>;
  /**
   * Inputs sent along: [key, value], [key, v8-serialized bytes, PUT_BYTES] (relayed without
   * decoding), or [key, path, PUT_FILE]: a transfer file (`bulk.ts`) the worker reads and deletes.
   */
  puts?: Array<[Key, unknown] | [Key, Uint8Array, typeof PUT_BYTES] | [Key, string, typeof PUT_FILE]>;
  rel?: Key[];
  tasks: WireTask[];
}
export interface FetchMsg {
  t: 'fetch';
  c: number;
  req: number;
  keys: Key[];
  /** Reply with v8-serialized bytes (processes: the pool relays them without decoding). */
  raw?: boolean;
}
export interface EndMsg {
  t: 'end';
  c: number;
  /** Reply `ended` once no task of this compute runs here (it timed out: the pool waits for that). */
  ack?: boolean;
}
export type ToWorker = RunMsg | FetchMsg | EndMsg;

/**
 * Results, flattened: [key, ok (1) / failed (0), value or error info, start ms, end ms, ...].
 * `held` is the number of results the worker holds for this compute after the batch.
 */
export interface DoneMsg {
  t: 'done';
  c: number;
  r: unknown[];
  held: number;
  /** Estimated bytes of each result (0 for a failure), in `r`'s order, when the tasks had MEASURE. */
  nb?: number[];
  /** Offsets in `r` of values sent as transfer files (`bulk.ts`): the value there is the path. */
  f?: number[];
}
export interface FetchedMsg {
  t: 'fetched';
  c: number;
  req: number;
  values?: unknown[];
  error?: RemoteErrorInfo;
  /** Indices in `values` of transfer files (`bulk.ts`): the value there is the path. */
  f?: number[];
}
export interface ReadyMsg {
  t: 'ready';
  pid: number;
}
/** The reply to an `end` with `ack`: no task of compute `c` runs here any more. */
export interface EndedMsg {
  t: 'ended';
  c: number;
}
export type FromWorker = DoneMsg | FetchedMsg | ReadyMsg | EndedMsg;

/** Fields per result in `DoneMsg.r`. */
export const RESULT_STRIDE = 5;
