/**
 * What travels through the BullMQ queues (each job's data is one packed array, see codec.ts):
 * - control queue of a worker: `Hello` / `Bye` from a client;
 * - a session's instruction queue: `InstructionBatch` — per runtime slot, the scheduler's
 *   protocol.ts messages of one tick (many tasks per job);
 * - a session's event queue: `SessionEvent[]` — every slot's reports of one flush, plus a
 *   worker's welcome / refusal / departure.
 */
import type { FromWorker, ToWorker } from '../protocol.ts';

export interface Hello {
  t: 'hello';
  session: string;
  version: string;
  /** How many times this client had this worker join before (it was lost in between). */
  attempt: number;
  /** sign(key, { session, version, attempt }): proves the client knows the cluster token. */
  sig: string;
}
export interface Bye {
  t: 'bye';
  session: string;
  /** sign(key, { bye: session }): only the session's client (a token holder) can end it. */
  sig: string;
}
export type ControlMsg = Hello | Bye;

/** [slot index within the worker, message]. */
export type InstructionBatch = Array<[number, ToWorker]>;

export interface SlotInfo {
  id: string;
  nthreads: number;
  memoryLimit: number | undefined;
}
export type SessionEvent =
  | { t: 'welcome'; worker: string; slots: SlotInfo[] }
  | { t: 'refused'; worker: string; reason: string }
  | { t: 'leaving'; worker: string }
  /** A runtime thread died (its process lives on): the slot is gone, with what it held. */
  | { t: 'slot-lost'; slot: string; detail: string }
  /** Its replacement, at a new index of the worker's instruction batches. */
  | { t: 'slot-added'; worker: string; index: number; slot: SlotInfo }
  /** The worker could not take a batch (its bulk bytes could not be fetched): drop this attempt, join again. */
  | { t: 'reset'; worker: string; reason: string }
  /** Values this worker's runtimes received from other slots since the last flush. */
  | { t: 'transfers'; n: number }
  | { t: 'slot'; slot: string; msg: FromWorker };

/** A function definition as a client sends it: the spec and its signature. */
export type SignedDef = [number, Record<string, unknown> & { sig?: string }];

/** A client's liveness key, renewed while it is connected; a worker drops a session whose key expired. */
export const clientKey = (session: string) => `shoal:client:${session}`;
