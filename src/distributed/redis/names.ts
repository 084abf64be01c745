/**
 * Names of the keys and BullMQ queues shoal uses in Redis. Everything lives under one prefix so a
 * shared Redis can be inspected (`KEYS shoal:*`) and cleaned.
 *
 * - `shoal:workers` (hash): worker id → its record (JSON: name, threads, memory, data address, version).
 * - `shoal:hb:<worker>`: the heartbeat, a key with a TTL the worker renews every second.
 * - queue `ctl-<worker>`: a worker's control queue (a client's hello and bye).
 * - queue `s-<session>-<worker>-<attempt>`: a session's instruction batches for one worker (a
 *   worker that was declared lost and comes back joins again under the next attempt number).
 * - queue `s-<session>-ev`: everything a session's workers report back to its client.
 */
export const PREFIX = 'shoal';
export const WORKERS_KEY = `${PREFIX}:workers`;
export const heartbeatKey = (worker: string) => `${PREFIX}:hb:${worker}`;
export const controlQueue = (worker: string) => `ctl-${worker}`;
export const instructionQueue = (session: string, worker: string, attempt: number) => `s-${session}-${worker}-${attempt}`;
export const eventQueue = (session: string) => `s-${session}-ev`;

/** A worker's heartbeat period and how long its key outlives a missed beat. */
export const HEARTBEAT_MS = 1000;
export const HEARTBEAT_TTL_MS = 4000;
/** How often a client checks the registry and the heartbeats (lost within TTL + this). */
export const POLL_MS = 500;
/** A client that cannot reach Redis this long gives up: its pending futures are cancelled (no hang). */
export const REDIS_LOST_MS = 15_000;
/** How long `close()` spends telling workers goodbye before it just disconnects (Redis may be gone). */
export const CLOSE_GRACE_MS = 3000;
/** Instruction batches larger than this (scattered data, big graph literals) go over HTTP, not Redis. */
export const BULK_BYTES = 256 * 1024;
/** Results up to this size travel inline with the report; larger ones stay on their worker. */
export const INLINE_BYTES = 64 * 1024;

/**
 * A worker slot (one runtime thread of a worker process in one session): `<worker>.<i>`, or
 * `<worker>.<i>.<attempt>` when the worker joined the session again after being declared lost,
 * so that nothing its earlier runtimes say can be taken for the new ones'.
 */
export const slotId = (worker: string, i: number, attempt = 0) => (attempt ? `${worker}.${i}.${attempt}` : `${worker}.${i}`);
/**
 * A key as a data server is asked for it: `<session>/<key>`. Two clients may hold the same key
 * on one worker with different values (their own `key=` names), so lookups are per session.
 */
export const wireKey = (session: string, key: string) => `${session}/${key}`;
export function parseWireKey(w: string): [session: string, key: string] {
  const i = w.indexOf('/');
  return i < 0 ? ['', w] : [w.slice(0, i), w.slice(i + 1)];
}
export const workerOfSlot = (slot: string) => slot.slice(0, slot.indexOf('.'));
