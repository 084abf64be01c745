/**
 * The worker registry in Redis: each `shoal worker` writes its record into the `shoal:workers`
 * hash and renews its heartbeat key (TTL 4 s) every second from its main thread, which never
 * runs tasks (they run in runtime threads), so a busy worker keeps beating. A client reads the
 * hash and the heartbeats every 500 ms: a worker whose key expired is lost, its record removed.
 *
 * A record names the address clients and peers fetch data from, so it is signed by the worker
 * that wrote it (with the registry key, derived from the cluster secret) and every reader checks
 * it before using anything in it: an entry that is not JSON, not signed with this cluster's key,
 * filed under another worker's id or not shaped like a record is skipped, with the reason.
 */
import type { Redis } from 'ioredis';
import type { Secret } from '../secret.ts';
import { HEARTBEAT_TTL_MS, heartbeatKey, WORKERS_KEY } from './names.ts';
import { sign, verify } from './signing.ts';

export interface WorkerRecord {
  id: string;
  /** --name, or the id. */
  name: string;
  host: string;
  pid: number;
  /** Runtime threads (each a scheduler-visible slot with one thread). */
  nthreads: number;
  /** Bytes for the whole worker process (undefined: no limit). */
  memoryLimit?: number;
  /** Its data server, e.g. http://127.0.0.1:40123. */
  address: string;
  /** shoal's package version. */
  version: string;
  /** Set while it shuts down: clients stop sending it work. */
  leaving?: boolean;
}

/** An entry that was skipped, and why. */
export interface BadEntry {
  id: string;
  problem: string;
}

/** Write the signed record and renew the heartbeat (every beat: a record removed as lost comes back). */
export async function register(redis: Redis, rec: WorkerRecord, key: Secret): Promise<void> {
  const entry = JSON.stringify({ ...rec, sig: sign(key, rec) });
  await redis.multi().hset(WORKERS_KEY, rec.id, entry).set(heartbeatKey(rec.id), String(Date.now()), 'PX', HEARTBEAT_TTL_MS).exec();
}

export async function unregister(redis: Redis, id: string): Promise<void> {
  await redis.multi().hdel(WORKERS_KEY, id).del(heartbeatKey(id)).exec();
}

/**
 * The record in the entry `raw` filed under `id`, or why it cannot be used.
 * @example
 * const r = readRecord('w1a2b', await redis.hget('shoal:workers', 'w1a2b'), keys.registry);
 * if (typeof r === 'string') console.warn(r);
 */
export function readRecord(id: string, raw: string, key: Secret): WorkerRecord | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    return `it is not JSON (${(e as Error).message})`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'it is not a JSON object';
  const { sig, ...rec } = parsed as Record<string, unknown>;
  if (!verify(key, rec, sig)) {
    const claims = typeof rec.version === 'string' ? ` (it says shoal ${rec.version})` : '';
    return `it is not signed with this cluster's key${claims}: written by someone without SHOAL_TOKEN, a worker with another SHOAL_TOKEN, or another shoal version`;
  }
  if (rec.id !== id) return `it is filed under ${JSON.stringify(id)} but names worker ${JSON.stringify(rec.id)}`;
  const shaped =
    typeof rec.name === 'string' &&
    typeof rec.host === 'string' &&
    Number.isInteger(rec.pid) &&
    Number.isInteger(rec.nthreads) &&
    (rec.nthreads as number) >= 1 &&
    (rec.memoryLimit === undefined || typeof rec.memoryLimit === 'number') &&
    typeof rec.address === 'string' &&
    /^http:\/\/[^/\s]+$/.test(rec.address) &&
    typeof rec.version === 'string';
  if (!shaped) return 'it is not shaped like a worker record';
  return rec as unknown as WorkerRecord;
}

/** Registered workers, split by whether their heartbeat is alive; live entries that fail `readRecord` are `bad`. */
export async function listWorkers(redis: Redis, key: Secret): Promise<{ alive: WorkerRecord[]; dead: string[]; bad: BadEntry[] }> {
  const all = await redis.hgetall(WORKERS_KEY);
  const ids = Object.keys(all);
  if (ids.length === 0) return { alive: [], dead: [], bad: [] };
  const beats = await redis.mget(ids.map(heartbeatKey));
  const alive: WorkerRecord[] = [];
  const dead: string[] = [];
  const bad: BadEntry[] = [];
  ids.forEach((id, i) => {
    if (beats[i] === null) return dead.push(id);
    const r = readRecord(id, all[id]!, key);
    if (typeof r === 'string') bad.push({ id, problem: r });
    else alive.push(r);
  });
  return { alive, dead, bad };
}

/** One worker's record (a peer's data address), or why there is none to use. */
export async function lookupWorker(redis: Redis, id: string, key: Secret): Promise<WorkerRecord | BadEntry | undefined> {
  const raw = await redis.hget(WORKERS_KEY, id);
  if (raw === null) return undefined;
  const r = readRecord(id, raw, key);
  return typeof r === 'string' ? { id, problem: r } : r;
}
