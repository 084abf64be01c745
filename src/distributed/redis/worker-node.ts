/**
 * A `shoal worker` process: it registers in Redis (a signed record), beats its heartbeat, serves
 * its values over HTTP (data server: requests prove they hold the cluster secret) and, for each
 * client that says hello, runs a `WorkerSession` (runtime threads + queues). The main thread runs
 * no task, so heartbeats, BullMQ lock renewals and data requests are answered while tasks run.
 * The secret and the Redis connections sit in `#private` fields: nothing that shows a worker
 * shows them.
 */
import { randomBytes } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { makeOwnedDir } from '../../schedulers/workspace.ts';
import { SPACE_PREFIX } from '../store.ts';
import { Queue, Worker as BullWorker } from 'bullmq';
import { Redis } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import { redisMessages } from '../../errors.ts';
import type { Secret } from '../secret.ts';
import { startDataServer, UNDEFINED_VALUE, type DataServer } from './data.ts';
import { settlesWithin } from './grace.ts';
import { CLOSE_GRACE_MS, controlQueue, HEARTBEAT_MS, parseWireKey, PREFIX } from './names.ts';
import { lookupWorker, register, unregister, type WorkerRecord } from './registry.ts';
import { ClusterKeys, verify } from './signing.ts';
import { probeRedis, type RedisTarget } from './url.ts';
import { shoalVersion } from './version.ts';
import { clientKey, helloSigned, parseControl, type ControlMsg, type Hello } from './wire.ts';
import { WorkerSession, type WorkerHost } from './worker-session.ts';

export interface RedisWorkerOptions {
  target: RedisTarget;
  /** The cluster secret (SHOAL_TOKEN). */
  secret: Secret;
  nthreads: number;
  /** Bytes for the whole process (undefined: none). */
  memoryLimit: number | undefined;
  name?: string;
  /** Where the data server listens (default 127.0.0.1, any free port). */
  listenHost: string;
  listenPort: number;
  localDirectory?: string;
  preload: string[];
}

export const BULL_OPTIONS = { lockDuration: 4000, stalledInterval: 1000 };

/** How often a peer's entry that failed its check is read again. */
const PEER_RETRY_MS = 250;

export class RedisWorker implements WorkerHost {
  readonly id: string;
  readonly keys: ClusterKeys;
  readonly nthreads: number;
  readonly memoryLimit: number | undefined;
  readonly localDirectory: string;
  readonly preload: string[];
  readonly bullOptions = BULL_OPTIONS;
  readonly sessions = new Map<string, WorkerSession>();
  record!: WorkerRecord;
  readonly #target: RedisTarget;
  readonly #redis: Redis;
  #control: BullWorker | undefined;
  private data: DataServer | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly peers = new Map<string, string>();
  /** Registry entries already warned about (id → problem), so a bad entry is reported once. */
  private readonly badPeers = new Map<string, string>();
  private closing: Promise<void> | undefined;

  private constructor(opts: RedisWorkerOptions) {
    this.id = `w${randomBytes(4).toString('hex')}`;
    this.keys = new ClusterKeys(opts.secret);
    this.nthreads = opts.nthreads;
    this.memoryLimit = opts.memoryLimit;
    // A private folder of its own (0700, swept by a later start if this process is killed).
    this.localDirectory = makeOwnedDir(opts.localDirectory ?? tmpdir(), SPACE_PREFIX);
    this.preload = opts.preload;
    this.#target = opts.target;
    this.#redis = new Redis({ ...opts.target.options(), lazyConnect: true });
    this.#redis.on('error', () => {}); // retried by ioredis; a long outage shows as a lost heartbeat
  }

  /** Each BullMQ queue and consumer opens (and closes) its own connections with these (they hold the password). */
  redisOptions(): ConnectionOptions {
    return this.#target.bull();
  }

  /**
   * Join the cluster behind `target`; resolves once registered and serving.
   * @example
   * const w = await RedisWorker.start({ target: parseRedisUrl(url), secret: new Secret(token), nthreads: 2, memoryLimit: undefined, listenHost: '127.0.0.1', listenPort: 0, preload: [] });
   * await w.close();
   */
  static async start(opts: RedisWorkerOptions): Promise<RedisWorker> {
    await probeRedis(opts.target);
    const w = new RedisWorker(opts);
    try {
      await w.#redis.connect();
      w.data = await startDataServer({ host: opts.listenHost, port: opts.listenPort, secret: w.keys.secret, lookup: (k) => w.lookup(k) });
      w.record = {
        id: w.id,
        name: opts.name ?? w.id,
        host: hostname(),
        pid: process.pid,
        nthreads: opts.nthreads,
        memoryLimit: opts.memoryLimit,
        address: w.data.address,
        version: shoalVersion(),
      };
      // Control messages are small JSON (no v8 decoding of what anyone could have written there).
      w.#control = new BullWorker(controlQueue(w.id), async (job) => {
        const msg = parseControl(job.data);
        if (msg) await w.onControl(msg);
      }, {
        connection: opts.target.bull(),
        prefix: PREFIX,
        concurrency: 1,
        ...BULL_OPTIONS,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
      });
      w.#control.on('error', () => {});
      await w.#control.waitUntilReady();
      await register(w.#redis, w.record, w.keys.registry);
      w.timer = setInterval(() => void w.tick(), HEARTBEAT_MS);
    } catch (e) {
      await w.close();
      throw e;
    }
    return w;
  }

  get address(): string {
    return this.record.address;
  }

  /** Every second: the heartbeat, and sessions whose client went away are closed. */
  private async tick(): Promise<void> {
    try {
      // The whole record each time: a client that took this worker for lost removed it.
      await register(this.#redis, this.record, this.keys.registry);
      const ids = [...this.sessions.keys()];
      if (ids.length === 0) return;
      const alive = await this.#redis.mget(ids.map(clientKey));
      ids.forEach((s, i) => {
        if (alive[i] === null) void this.endSession(s, true);
      });
    } catch {
      // Redis unreachable: retried next beat.
    }
  }

  private async onControl(msg: ControlMsg): Promise<void> {
    if (this.closing) return;
    if (msg.t === 'bye') {
      if (verify(this.keys.code, { bye: msg.session }, msg.sig)) await this.endSession(msg.session, true);
      return;
    }
    const reason = this.refusal(msg);
    // A signed hello copied back into the queue (an earlier attempt's) must not end the current one.
    const current = this.sessions.get(msg.session);
    if (!reason && current && msg.attempt <= current.attempt) return;
    const s = new WorkerSession(this, msg.session, msg.attempt, msg.cancelGracePeriod);
    if (reason) {
      await s.refuse(this.id, reason);
      await s.close();
      return;
    }
    // The client declared this worker lost and takes it back: the earlier runtimes go first
    // (only for a signed hello: a forged one cannot end a session).
    await this.endSession(msg.session);
    this.sessions.set(msg.session, s);
    try {
      await s.start();
    } catch (e) {
      this.sessions.delete(msg.session);
      await s.refuse(this.id, (e as Error).message);
      await s.close();
      return;
    }
    s.send({ t: 'welcome', worker: this.id, slots: s.slotIds.map((id) => ({ id, nthreads: 1, memoryLimit: s.slotMemory })) });
  }

  private refusal(h: Hello): string | undefined {
    if (!verify(this.keys.code, helloSigned(h), h.sig)) return redisMessages.wrongToken();
    if (h.version !== shoalVersion()) return redisMessages.versionMismatch(this.record.name, shoalVersion(), h.version);
    return undefined;
  }

  private async endSession(session: string, removeQueues = false): Promise<void> {
    const s = this.sessions.get(session);
    if (!s) return;
    this.sessions.delete(session);
    await s.close({ removeQueues });
  }

  /** The data server's lookup: `<session>/<key>` → the value that session's runtimes hold. */
  private async lookup(wire: string): Promise<unknown> {
    const [session, key] = parseWireKey(wire);
    const s = this.sessions.get(session);
    const i = s ? s.slotOf(key) : -1;
    if (!s || i < 0) return undefined;
    const d = await s.getFromSlot(i, [key]);
    // A value that cannot be serialized: the requester gets the reason (as a DataCloneError would).
    if (d.error) throw new Error(d.error[1].message);
    if (d.values && !d.missing) return d.values[0] === undefined ? UNDEFINED_VALUE : d.values[0];
    return undefined;
  }

  /**
   * @internal A peer's data server address, from its signed registry entry (cached; undefined
   * once it left the registry, or when its entry fails the check: said once, on stderr).
   */
  async addressOf(worker: string): Promise<string | undefined> {
    const known = this.peers.get(worker);
    if (known) return known;
    for (let tries = 1; ; tries++) {
      const rec = await lookupWorker(this.#redis, worker, this.keys.registry);
      if (!rec) return undefined;
      if (!('problem' in rec)) {
        this.peers.set(worker, rec.address);
        return rec.address;
      }
      if (this.badPeers.get(worker) !== rec.problem) process.stderr.write(`shoal worker: ${redisMessages.badRegistryEntry(worker, rec.problem)}\n`);
      this.badPeers.set(worker, rec.problem);
      // The peer rewrites its signed entry every beat, so one overwritten by someone without the
      // key is good again within a second: look again for two beats before calling it missing.
      if (tries * PEER_RETRY_MS >= 2 * HEARTBEAT_MS) return undefined;
      await new Promise((r) => setTimeout(r, PEER_RETRY_MS));
    }
  }

  /**
   * Leave the cluster: clients hear that this worker is leaving (its tasks and results are
   * rescheduled at once instead of after the heartbeat timeout), then everything stops.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      // Leaving needs Redis; when it is gone every step would wait for it forever, so the polite
      // part gets a grace period, after which the runtimes are stopped and connections dropped.
      const polite = (async () => {
        if (this.record) {
          // No new client says hello while it shuts down; its sessions hear it is leaving.
          this.record.leaving = true;
          await register(this.#redis, this.record, this.keys.registry).catch(() => {});
          for (const s of this.sessions.values()) s.send({ t: 'leaving', worker: this.id });
          await Promise.allSettled([...this.sessions.values()].map((s) => s.flush()));
          await unregister(this.#redis, this.id).catch(() => {});
        }
        await Promise.allSettled([...this.sessions.values()].map((s) => s.close()));
        await this.#control?.close(true).catch(() => {});
        const ctl = new Queue(controlQueue(this.id), { connection: this.redisOptions(), prefix: PREFIX });
        ctl.on('error', () => {});
        await ctl.obliterate({ force: true }).catch(() => {});
        await ctl.close().catch(() => {});
      })();
      const graceOver = !(await settlesWithin(polite, CLOSE_GRACE_MS * 2));
      if (graceOver) await Promise.allSettled([...this.sessions.values()].map((s) => s.stopRuntimes()));
      this.sessions.clear();
      await this.data?.close();
      this.#redis.disconnect();
      const { rmSync } = await import('node:fs');
      rmSync(this.localDirectory, { recursive: true, force: true });
    })();
    return this.closing;
  }
}
