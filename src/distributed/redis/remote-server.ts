/**
 * The client-side scheduler transport for Redis-joined workers. It is the LocalCluster's
 * `SchedulerServer` (same state machine, same batching, same listeners) with two differences:
 * its workers' channels are `RemoteChannel`s (BullMQ queues instead of IPC), and values come to
 * the client without the scheduler relaying them: small results arrived inline with their
 * report, large ones are fetched from the holder's data server over HTTP (proving this client
 * holds the cluster secret, and checking that the server does too).
 * Workers fetch from each other directly, so a `gather` never reaches this server.
 */
import type { Key } from '../../graph/types.ts';
import type { Secret } from '../secret.ts';
import { GetError, SchedulerServer } from '../server.ts';
import { DataPlaneError, fetchValues, PeerUnreachableError } from './data.ts';
import { parseWireKey, wireKey } from './names.ts';

export class RedisSchedulerServer extends SchedulerServer {
  /** Small results that came with their report (deleted when their holder frees them). */
  readonly inline = new Map<Key, { slot: string; value: unknown }>();
  /** Values fetched from data servers (bytes not counted). */
  fetched = 0;

  constructor(
    private readonly addressOf: (slot: string) => string | undefined,
    private readonly secret: Secret,
    /** This client's session: data servers are asked for `<session>/<key>`. */
    private readonly session: string,
    opts: { allowedFailures?: number } = {},
  ) {
    super(opts);
  }

  /** Values of keys one worker slot holds: inline ones at once, the rest over HTTP. */
  override async getFrom(worker: string, keys: Key[]): Promise<unknown[]> {
    const out: unknown[] = new Array(keys.length);
    const need: Key[] = [];
    const at: number[] = [];
    keys.forEach((k, i) => {
      const e = this.inline.get(k);
      if (e) out[i] = e.value;
      else {
        need.push(k);
        at.push(i);
      }
    });
    if (need.length === 0) return out;
    const address = this.addressOf(worker);
    if (!address) throw new GetError(keys, undefined, worker);
    let r;
    try {
      r = await fetchValues(address, need.map((k) => wireKey(this.session, k)), this.secret);
    } catch (e) {
      // The holder is gone: the scheduler recomputes (gather.ts waits for it and asks again).
      if (e instanceof PeerUnreachableError) throw new GetError(keys, undefined, worker);
      // The holder answered with an error (a value it cannot serialize): the gather fails with it.
      const key = e instanceof DataPlaneError && e.key !== undefined ? parseWireKey(e.key)[1] : need[0]!;
      throw new GetError(undefined, [key, { name: 'DataCloneError', message: (e as Error).message }], worker);
    }
    if (r.missing.length) throw new GetError(r.missing.map((w) => parseWireKey(w)[1]), undefined, worker);
    need.forEach((k, j) => (out[at[j]!] = r.values.get(wireKey(this.session, k))));
    this.fetched += need.length;
    return out;
  }

  /** Inline values held by a slot that is gone. */
  forgetSlot(slot: string): void {
    for (const [k, e] of this.inline) if (e.slot === slot) this.inline.delete(k);
  }
}
