/**
 * The worker registry in Redis: each `shoal worker` writes its record into the `shoal:workers`
 * hash and renews its heartbeat key (TTL 4 s) every second from its main thread, which never
 * runs tasks (they run in runtime threads), so a busy worker keeps beating. A client reads the
 * hash and the heartbeats every 500 ms: a worker whose key expired is lost, its record removed.
 */
import type { Redis } from 'ioredis';
import { HEARTBEAT_TTL_MS, heartbeatKey, WORKERS_KEY } from './names.ts';

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

/** Write the record and renew the heartbeat (every beat: a record removed as lost comes back). */
export async function register(redis: Redis, rec: WorkerRecord): Promise<void> {
  await redis.multi().hset(WORKERS_KEY, rec.id, JSON.stringify(rec)).set(heartbeatKey(rec.id), String(Date.now()), 'PX', HEARTBEAT_TTL_MS).exec();
}

export async function unregister(redis: Redis, id: string): Promise<void> {
  await redis.multi().hdel(WORKERS_KEY, id).del(heartbeatKey(id)).exec();
}

/** Registered workers, split by whether their heartbeat is alive. */
export async function listWorkers(redis: Redis): Promise<{ alive: WorkerRecord[]; dead: string[] }> {
  const all = await redis.hgetall(WORKERS_KEY);
  const ids = Object.keys(all);
  if (ids.length === 0) return { alive: [], dead: [] };
  const beats = await redis.mget(ids.map(heartbeatKey));
  const alive: WorkerRecord[] = [];
  const dead: string[] = [];
  ids.forEach((id, i) => {
    if (beats[i] === null) dead.push(id);
    else alive.push(JSON.parse(all[id]!) as WorkerRecord);
  });
  return { alive, dead };
}

/** One worker's record (a peer's data address), or undefined. */
export async function lookupWorker(redis: Redis, id: string): Promise<WorkerRecord | undefined> {
  const r = await redis.hget(WORKERS_KEY, id);
  return r ? (JSON.parse(r) as WorkerRecord) : undefined;
}
