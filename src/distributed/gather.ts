/**
 * Bringing values from the workers to the client: each holder is asked once for all the keys it
 * holds. If a holder dies meanwhile the scheduler recomputes the key from its task; we wait until
 * it is in memory again (or failed) and ask again.
 */
import { ClosedError, distributedMessages, TaskError } from '../errors.ts';
import type { Key } from '../graph/types.ts';
import { GetError, type SchedulerServer } from './server.ts';

const MAX_ATTEMPTS = 50;

/** The values of `keys` (all finished); `failed(key)` gives the error of a key that failed since. */
export async function fetchValues(server: SchedulerServer, keys: Key[], failed: (key: Key) => Error | undefined): Promise<unknown[]> {
  for (let attempt = 0; ; attempt++) {
    const byWorker = new Map<string, Key[]>();
    let lost = false;
    for (const k of new Set(keys)) {
      const w = server.state.whoHas(k)[0];
      if (w === undefined) lost = true;
      else if (byWorker.has(w)) byWorker.get(w)!.push(k);
      else byWorker.set(w, [k]);
    }
    try {
      if (lost) throw new GetError(keys, undefined, 'any worker');
      const values = new Map<Key, unknown>();
      await Promise.all(
        [...byWorker].map(async ([w, ks]) => {
          const vs = await server.getFrom(w, ks);
          ks.forEach((k, i) => values.set(k, vs[i]));
        }),
      );
      return keys.map((k) => values.get(k));
    } catch (e) {
      if (!(e instanceof GetError)) throw e;
      if (server.closed) throw new ClosedError('the cluster');
      if (e.failure) throw new TaskError(e.failure[0], e.worker, e.failure[1]);
      if (attempt >= MAX_ATTEMPTS) throw new ClosedError(distributedMessages.lostResult(keys[0]!));
      await untilInMemory(server, keys);
      for (const k of keys) {
        const err = failed(k);
        if (err) throw err;
      }
    }
  }
}

/** Wait (up to 2 s per round) until every key is in memory or failed on the scheduler. */
async function untilInMemory(server: SchedulerServer, keys: Key[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (keys.every((k) => server.state.stateOf(k) === 'memory' || server.state.stateOf(k) === 'erred')) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}
