/**
 * What travels through the BullMQ queues:
 * - control queue of a worker: `Hello` / `Bye` from a client, as plain JSON (each signed; never
 *   v8-decoded, since anyone with Redis access can write there);
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
  /**
   * The client's `cancelGracePeriod`, in seconds: a runtime thread still running a task this long
   * after its `stop` is terminated by the worker and replaced (signed: nobody else can shorten it).
   */
  cancelGracePeriod: number;
  /** sign(key, helloSigned(hello)): proves the client knows the cluster token. */
  sig: string;
}

/** What a hello's signature covers: every field the worker acts on. */
export function helloSigned(h: Omit<Hello, 't' | 'sig'>): Omit<Hello, 't' | 'sig'> {
  return { session: h.session, version: h.version, attempt: h.attempt, cancelGracePeriod: h.cancelGracePeriod };
}
export interface Bye {
  t: 'bye';
  session: string;
  /** sign(key, { bye: session }): only the session's client (a token holder) can end it. */
  sig: string;
}
export type ControlMsg = Hello | Bye;

/** A control job's data, if it is shaped like a hello or a bye (its signature is checked by the worker). */
export function parseControl(data: unknown): ControlMsg | undefined {
  const m = data as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null || typeof m.session !== 'string' || typeof m.sig !== 'string') return undefined;
  if (m.t === 'bye') return { t: 'bye', session: m.session, sig: m.sig };
  if (m.t === 'hello' && typeof m.version === 'string' && Number.isSafeInteger(m.attempt) && isSeconds(m.cancelGracePeriod)) {
    return { t: 'hello', session: m.session, version: m.version, attempt: m.attempt as number, cancelGracePeriod: m.cancelGracePeriod, sig: m.sig };
  }
  return undefined;
}

const isSeconds = (v: unknown): v is number => typeof v === 'number' && v >= 0 && Number.isFinite(v);

/**
 * A worker's refusal of a hello, the one event job that is not sealed (the refused client may
 * hold another secret): plain JSON, taken only as the answer to a pending hello.
 */
export interface Refusal {
  refused: { worker: string; reason: string };
}

export function parseRefusal(data: unknown): Refusal['refused'] | undefined {
  const r = (data as Partial<Refusal> | null)?.refused;
  return typeof r === 'object' && r !== null && typeof r.worker === 'string' && typeof r.reason === 'string' ? { worker: r.worker, reason: r.reason.slice(0, 1000) } : undefined;
}

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
  /**
   * A runtime thread died (its process lives on): the slot is gone, with what it held.
   * `blameless`: the worker terminated it because a stopped task still ran after the grace
   * period, so the tasks it was running count no death (`allowedFailures`).
   */
  | { t: 'slot-lost'; slot: string; detail: string; blameless?: boolean }
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
