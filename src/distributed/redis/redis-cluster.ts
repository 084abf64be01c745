/**
 * RedisCluster: what a `Client.connect(url)` talks to — LocalCluster's role for workers that
 * joined through Redis (`shoal worker <url>`). The scheduler (state machine + `SchedulerServer`)
 * runs here in the client's process, as with a LocalCluster; only its transport differs:
 *
 * - every 500 ms the registry and the heartbeats are read: a new worker gets a signed hello on
 *   its control queue and answers with its slots (one runtime thread each), which join the
 *   scheduler; a worker whose heartbeat expired is lost (its slots are removed, so its tasks are
 *   rescheduled and its results recomputed from the graph);
 * - the scheduler's messages for a worker's slots go out as one job per worker per tick on the
 *   session's instruction queue for that worker, sealed (codec.ts); function definitions are signed;
 * - every report comes back on the session's event queue (one consumer, in order), and is used
 *   only once its seal is checked.
 *
 * Workers are taken only from registry entries whose signature checks (registry.ts); a bad entry
 * is skipped with a warning naming it. The cluster's keys are `Secret`s and the Redis connections
 * (whose options hold the password) sit in `#private` fields, so showing a client, this cluster
 * or a future, at any depth, shows neither.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, Worker as BullWorker } from 'bullmq';
import { Redis } from 'ioredis';
import { config } from '../../config.ts';
import { OptionError, RedisClusterError, redisMessages } from '../../errors.ts';
import { DEFAULT_CANCEL_GRACE, secondsOption } from '../../schedulers/deadline.ts';
import type { WorkerInfo } from '../local-cluster.ts';
import type { ToWorker } from '../protocol.ts';
import { formatBytes } from '../sizeof.ts';
import { JobOpener, JobSealer, type Packed } from './codec.ts';
import { BulkServer } from './bulk.ts';
import { settlesWithin } from './grace.ts';
import { CLOSE_GRACE_MS, controlQueue, eventQueue, instructionQueue, POLL_MS, PREFIX, REDIS_LOST_MS, WORKERS_KEY } from './names.ts';
import { listWorkers, type BadEntry, type WorkerRecord } from './registry.ts';
import { RedisSchedulerServer } from './remote-server.ts';
import { RemoteChannel } from './remote-channel.ts';
import { toPortable } from './op-urls.ts';
import { ClusterKeys, sign } from './signing.ts';
import { parseRedisUrl, probeRedis, type RedisTarget } from './url.ts';
import { shoalVersion } from './version.ts';
import { clientKey, helloSigned, parseRefusal, type Bye, type Hello, type InstructionBatch, type SessionEvent } from './wire.ts';
import type { Dashboard } from '../dashboard/server.ts';

export interface ConnectOptions {
  /** The cluster token (default: the SHOAL_TOKEN environment variable). */
  token?: string;
  /** TLS options for a rediss:// URL (ca, cert, key, …: Node's tls.connect options). */
  tls?: Record<string, unknown>;
  /** Allow a plaintext redis:// URL to a non-loopback host. */
  insecure?: boolean;
  /** Worker deaths a task may witness before it fails with KilledWorkerError (default 3). */
  allowedFailures?: number;
  /**
   * Seconds a cancelled (or timed-out) task may go on running on a worker before the runtime
   * thread running it is terminated and replaced (default: `config`'s `cancelGracePeriod`, else
   * 3). Each `shoal worker` enforces it itself (it arrives in the signed hello): the slot's other
   * tasks are rescheduled without counting against them, its results are recomputed from their
   * tasks where still needed, and the session keeps its number of slots.
   * @example
   * const client = await Client.connect(url, { token, cancelGracePeriod: 1 });
   * const f = client.submit(() => { for (;;) {} });
   * await f.cancel();   // about 1 s later that worker's runtime thread is replaced
   */
  cancelGracePeriod?: number;
  /** Where the dashboard listens (default: none; '127.0.0.1:0' for any free port). */
  dashboardAddress?: string | null;
  /**
   * Where this client serves bulk instruction batches (scattered data, big graph literals) to
   * workers: 'host:port', default '127.0.0.1:0'. Workers on other machines need an address they
   * can reach (e.g. '0.0.0.0:0'); until then such batches go through Redis, with a warning.
   */
  listen?: string;
}

interface Joined {
  record: WorkerRecord;
  attempt: number;
  state: 'hello' | 'joined' | 'refused';
  queue?: Queue;
  /** Seals this attempt's instruction jobs. */
  sealer?: JobSealer;
  slots: RemoteChannel[];
  outbox: InstructionBatch | undefined;
  reason?: string;
}

const CLIENT_TTL_MS = 10_000;

/** The grace period in seconds: the option, else the config's, else the default (checked). */
function graceOf(opts: ConnectOptions): number {
  const seconds = opts.cancelGracePeriod ?? config.get().cancelGracePeriod ?? DEFAULT_CANCEL_GRACE;
  secondsOption('cancelGracePeriod', seconds, true);
  return seconds;
}

/** How long `connect` waits for the workers already registered to answer its hello. */
const HELLO_SETTLE_MS = 3000;

/**
 * A `shoal worker` process that joined this session, as `RedisCluster.processes` lists it. Its own
 * type (not the registry's record) so the published declarations of this public surface import
 * nothing from Redis's libraries.
 */
export interface RemoteWorker {
  readonly id: string;
  /** --name, or the id. */
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  /** Runtime threads (each a scheduler-visible slot with one thread). */
  readonly nthreads: number;
  /** Bytes for the whole worker process (undefined: no limit). */
  readonly memoryLimit?: number;
  /** Its data server, e.g. http://127.0.0.1:40123. */
  readonly address: string;
  /** shoal's package version. */
  readonly version: string;
}

export class RedisCluster {
  /** The session id (names this client's queues). */
  readonly name: string;
  /** @internal */
  readonly server: RedisSchedulerServer;
  /** @internal */
  readonly target: RedisTarget;
  dashboard: Dashboard | undefined;
  /** Serves bulk batches to workers, so Redis never carries bulk data. */
  private bulk: BulkServer | undefined;
  /** The cluster's keys (code, jobs, registry, data plane), each a redacted `Secret`. */
  private keys: ClusterKeys;
  /** Checks the event jobs before anything in them is used. */
  private readonly opener: JobOpener;
  private warnedForged = false;
  /** Registry entries already warned about (id → problem), so a bad entry is said once. */
  private readonly warnedEntries = new Map<string, string>();
  /** The live registry entries the last poll skipped (for the message when workers do not come). */
  private skipped: BadEntry[] = [];
  // Everything below holds the Redis connection options (the password) or BullMQ objects that do.
  readonly #redis: Redis;
  #events: BullWorker | undefined;
  readonly #joined = new Map<string, Joined>();
  readonly #slots = new Map<string, { worker: Joined; index: number; channel: RemoteChannel }>();
  /** Signed wire definitions by function id (signed once, sent to each worker once). */
  private readonly sigs = new Map<number, string>();
  /** Times each worker was sent a hello (a lost worker that comes back joins under a new attempt). */
  private readonly attempts = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private flushQueued = false;
  private polling = false;
  private closing: Promise<void> | undefined;
  private readonly changed = new Set<() => void>();
  /** Seconds a stopped task may still run on a worker before its runtime is replaced (in each hello). */
  private readonly cancelGracePeriod: number;
  /** When Redis last answered a poll. */
  private lastReached = Date.now();
  /** @internal Workers noticed lost (heartbeat expired), with when: for tests and benchmarks. */
  readonly lost: Array<{ worker: string; at: number }> = [];

  private constructor(target: RedisTarget, token: string, opts: ConnectOptions) {
    // The token is not kept: only the keys derived from it (each a redacted Secret).
    this.target = target;
    this.name = randomBytes(6).toString('hex');
    this.keys = new ClusterKeys(token);
    this.cancelGracePeriod = graceOf(opts);
    this.opener = new JobOpener(this.keys.job, eventQueue(this.name));
    this.#redis = new Redis({ ...target.options(), lazyConnect: true });
    this.#redis.on('error', () => {});
    this.server = new RedisSchedulerServer((slot) => this.#slots.get(slot)?.worker.record.address, this.keys.secret, this.name, { allowedFailures: opts.allowedFailures });
  }

  /**
   * Connect to the Redis behind `url` and start taking the workers registered there.
   * @example
   * const cluster = await RedisCluster.connect('redis://:pw@127.0.0.1:6379', { token });
   * await cluster.waitForWorkers(2);
   */
  static async connect(url: string, opts: ConnectOptions = {}): Promise<RedisCluster> {
    const target = parseRedisUrl(url, { insecure: opts.insecure, tls: opts.tls });
    const token = opts.token ?? process.env.SHOAL_TOKEN;
    if (!token) throw new OptionError(redisMessages.noToken('Client.connect'));
    if (token.length < 16) throw new OptionError(redisMessages.shortToken('Client.connect'));
    graceOf(opts); // a bad value is named before anything connects
    await probeRedis(target);
    const c = new RedisCluster(target, token, opts);
    try {
      await c.#redis.connect();
      c.bulk = await BulkServer.start(opts.listen ?? '127.0.0.1:0', c.keys.secret, c.name);
      const { alive, bad: entries } = await listWorkers(c.#redis, c.keys.registry);
      c.warnEntries(entries);
      const bad = alive.find((w) => w.version !== shoalVersion());
      if (bad) throw new RedisClusterError(redisMessages.versionMismatch(bad.name, bad.version, shoalVersion()));
      await c.#redis.set(clientKey(c.name), '1', 'PX', CLIENT_TTL_MS);
      c.#events = new BullWorker(eventQueue(c.name), async (job) => c.onJob(job.data as Packed), {
        connection: target.bull(),
        prefix: PREFIX,
        concurrency: 1,
        lockDuration: 4000,
        stalledInterval: 1000,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
      });
      c.#events.on('error', () => {});
      await c.#events.waitUntilReady();
      if (opts.dashboardAddress) {
        const [{ Dashboard }, { DashboardModel }] = await Promise.all([import('../dashboard/server.ts'), import('../dashboard/model.ts')]);
        c.dashboard = await Dashboard.start(opts.dashboardAddress, new DashboardModel(c.server, () => c.workers), `shoal · ${target.display}`);
      }
      await c.poll();
      c.timer = setInterval(() => void c.poll(), POLL_MS);
      // Workers already registered are greeted by that first poll: give their answers a moment,
      // so `String(client)` right after connecting lists them (more may join later).
      await c.settleHellos(HELLO_SETTLE_MS);
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  /** Unreachable for REDIS_LOST_MS: give up (close, cancelling pending futures) rather than wait forever. */
  private checkRedisLost(detail: string): void {
    if (this.closing || Date.now() - this.lastReached < REDIS_LOST_MS) return;
    process.emitWarning(redisMessages.redisLost(this.target.display, REDIS_LOST_MS / 1000, detail));
    void this.close();
  }

  /** Read the registry: hello to new workers, drop lost ones, renew this client's liveness key. */
  private async poll(): Promise<void> {
    if (this.closing) return;
    if (this.polling) {
      // A slow poll (loaded Redis) is not overlapped; one that never ends is Redis gone (its
      // commands wait for a reconnect).
      this.checkRedisLost('no answer');
      return;
    }
    this.polling = true;
    try {
      await this.pollOnce();
    } finally {
      this.polling = false;
    }
  }

  private async pollOnce(): Promise<void> {
    let list;
    try {
      await this.#redis.set(clientKey(this.name), '1', 'PX', CLIENT_TTL_MS);
      list = await listWorkers(this.#redis, this.keys.registry);
    } catch (e) {
      this.checkRedisLost((e as Error).message); // unreachable for a moment: next poll
      return;
    }
    this.lastReached = Date.now();
    this.warnEntries(list.bad);
    const alive = new Map(list.alive.map((w) => [w.id, w]));
    // An entry that fails its check (overwritten by someone without the key) does not make its
    // worker lost: its heartbeat says it lives, and the record it joined with stays in use.
    const unreadable = new Set(list.bad.map((b) => b.id));
    for (const id of [...this.#joined.keys()]) {
      const rec = alive.get(id);
      if (!rec && !unreadable.has(id)) this.lose(id, 'its heartbeat stopped (no beat for 4 s)');
      else if (rec?.leaving) this.lose(id, 'it left the cluster');
    }
    if (list.dead.length) {
      // A worker that died without leaving: its record and control queue are removed by whoever notices.
      await this.#redis.hdel(WORKERS_KEY, ...list.dead).catch(() => 0);
      for (const id of list.dead) {
        const ctl = new Queue(controlQueue(id), { connection: this.#redis as never, prefix: PREFIX });
        ctl.on('error', () => {});
        await ctl.obliterate({ force: true }).catch(() => {});
        await ctl.close().catch(() => {});
      }
    }
    for (const rec of list.alive) {
      if (this.#joined.has(rec.id) || rec.leaving) continue;
      const attempt = this.attempts.get(rec.id) ?? 0;
      this.attempts.set(rec.id, attempt + 1);
      const j: Joined = { record: rec, attempt, state: 'hello', slots: [], outbox: undefined };
      this.#joined.set(rec.id, j);
      if (rec.version !== shoalVersion()) {
        j.state = 'refused';
        j.reason = redisMessages.versionMismatch(rec.name, rec.version, shoalVersion());
        process.emitWarning(j.reason);
        for (const cb of this.changed) cb();
        continue;
      }
      const fields = { session: this.name, version: shoalVersion(), attempt, cancelGracePeriod: this.cancelGracePeriod };
      const hello: Hello = { t: 'hello', ...fields, sig: sign(this.keys.code, helloSigned(fields)) };
      const ctl = new Queue(controlQueue(rec.id), { connection: this.#redis as never, prefix: PREFIX });
      ctl.on('error', () => {});
      await ctl.add('hello', hello, { removeOnComplete: true, removeOnFail: true }).catch(() => {});
      await ctl.close().catch(() => {});
    }
  }

  /** A warning for each bad registry entry (once per entry and problem): it is skipped, nothing connects to it. */
  private warnEntries(entries: BadEntry[]): void {
    this.skipped = entries;
    for (const { id, problem } of entries) {
      if (this.warnedEntries.get(id) === problem) continue;
      this.warnedEntries.set(id, problem);
      process.emitWarning(redisMessages.badRegistryEntry(id, problem));
    }
  }

  private onJob(p: Packed): void {
    // A worker refusing a hello signed with another secret cannot seal for this client: a
    // refusal is plain JSON, taken unsealed (it can only fail a pending hello).
    const refusal = p.s === undefined ? parseRefusal(p) : undefined;
    if (refusal) return this.onEvents([{ t: 'refused', ...refusal }]);
    let events: SessionEvent[];
    try {
      this.opener.check(p);
      events = this.opener.open<SessionEvent[]>(p);
    } catch (e) {
      // Forged or replayed: dropped before anything in it is decoded.
      if (!this.warnedForged) process.emitWarning((e as Error).message);
      this.warnedForged = true;
      return;
    }
    this.onEvents(events);
  }

  private onEvents(events: SessionEvent[]): void {
    for (const ev of events) {
      switch (ev.t) {
        case 'slot': {
          const s = this.#slots.get(ev.slot);
          if (!s) break; // a slot already declared lost: its late reports are not accepted
          const m = ev.msg;
          if (m.t === 'report' && m.inline) {
            for (const [k, v] of m.inline) this.server.inline.set(k, { slot: ev.slot, value: v });
            delete m.inline;
          }
          s.channel.deliver(m);
          break;
        }
        case 'welcome':
          this.welcome(ev.worker, ev.slots);
          break;
        case 'slot-lost':
          // Blameless: terminated by its worker to stop a task that would not (ev.detail says so).
          this.dropSlot(ev.slot, ev.blameless ? ev.detail : `its runtime thread exited (${ev.detail})`, ev.blameless === true);
          break;
        case 'slot-added': {
          const j = this.#joined.get(ev.worker);
          if (j?.state === 'joined') this.addSlot(j, ev.index, ev.slot);
          break;
        }
        case 'refused': {
          const j = this.#joined.get(ev.worker);
          // Only an answer to our pending hello counts (a forged hello's refusal must not unseat a joined worker).
          if (j?.state === 'hello') {
            j.state = 'refused';
            j.reason = redisMessages.sessionRefused(j.record.name, ev.reason);
            process.emitWarning(j.reason);
          }
          break;
        }
        case 'leaving':
          this.lose(ev.worker, 'it left the cluster');
          break;
        case 'reset':
          this.lose(ev.worker, `it could not take a batch (${ev.reason}); it joins again`);
          break;
        case 'transfers':
          this.server.transfers += ev.n;
          break;
      }
    }
    for (const cb of this.changed) cb();
  }

  private welcome(worker: string, slots: Array<{ id: string; nthreads: number; memoryLimit: number | undefined }>): void {
    const j = this.#joined.get(worker);
    if (!j || j.state !== 'hello') return;
    j.state = 'joined';
    j.queue = new Queue(instructionQueue(this.name, worker, j.attempt), { connection: this.#redis as never, prefix: PREFIX });
    j.sealer = new JobSealer(this.keys.job, instructionQueue(this.name, worker, j.attempt), 'client');
    j.queue.on('error', () => {}); // the shared connection's errors are the poll's business
    slots.forEach((s, index) => this.addSlot(j, index, s));
  }

  /** A runtime slot joins the scheduler as a worker (index: where its batches go in the worker's jobs). */
  private addSlot(j: Joined, index: number, s: { id: string; nthreads: number; memoryLimit: number | undefined }): void {
    const local = j.record.host === hostname();
    const ch = new RemoteChannel(s.id, local ? j.record.pid : -1, (msg) => this.enqueue(j, index, msg));
    j.slots.push(ch);
    this.#slots.set(s.id, { worker: j, index, channel: ch });
    this.server.addWorker(s.id, 'thread', ch, s.nthreads, s.memoryLimit);
    ch.deliver({ t: 'ready', pid: j.record.pid });
  }

  /** One slot is gone (its worker lives on); `blameless`: its tasks count no death. */
  private dropSlot(slot: string, detail: string, blameless = false): void {
    const s = this.#slots.get(slot);
    if (!s) return;
    this.#slots.delete(slot);
    s.worker.slots = s.worker.slots.filter((c) => c !== s.channel);
    this.server.forgetSlot(slot);
    s.channel.exit(detail);
    this.server.removeWorker(slot, `${s.worker.record.name}: ${detail}`, blameless);
  }

  /** A worker is gone: its slots leave the scheduler (tasks rescheduled, results recomputed). */
  private lose(worker: string, detail: string): void {
    const j = this.#joined.get(worker);
    if (!j) return;
    this.#joined.delete(worker);
    if (j.state === 'joined') this.lost.push({ worker, at: Date.now() });
    for (const ch of j.slots) {
      this.#slots.delete(ch.name);
      this.server.forgetSlot(ch.name);
      ch.exit(detail);
      this.server.removeWorker(ch.name, `${j.record.name} is lost: ${detail}`);
    }
    const q = j.queue;
    if (q) void q.obliterate({ force: true }).catch(() => {}).finally(() => q.close().catch(() => {}));
    for (const cb of this.changed) cb();
  }

  private enqueue(j: Joined, index: number, msg: ToWorker): void {
    if (msg.t === 'batch') {
      if (msg.defs) {
        msg.defs = msg.defs.map(([id, spec]) => {
          const wire = spec.kind === 'op' && spec.url ? { ...spec, url: toPortable(spec.url) } : spec;
          let sig = this.sigs.get(id);
          if (sig === undefined) this.sigs.set(id, (sig = sign(this.keys.code, wire)));
          return [id, { ...wire, sig }];
        });
      }
      if (msg.free) for (const k of msg.free) this.server.inline.delete(k);
    }
    (j.outbox ??= []).push([index, msg]);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** One job per worker per tick: jobs are added in order on one connection, so they stay in order. */
  private flush(): void {
    this.flushQueued = false;
    for (const j of this.#joined.values()) {
      if (!j.outbox || !j.queue || !j.sealer) continue;
      const items = j.outbox;
      j.outbox = undefined;
      const data = this.bulk ? this.bulk.pack(items, this.bulk.reaches(j.record.host, j.record.name), j.sealer) : j.sealer.pack(items);
      void j.queue.add('b', data, { removeOnComplete: true, removeOnFail: true }).catch(() => {});
    }
  }

  /** Resolve once no greeted worker is still unanswered, or after `ms` (never rejects). */
  private async settleHellos(ms: number): Promise<void> {
    await this.watch(() => ([...this.#joined.values()].some((j) => j.state === 'hello') ? undefined : true), ms, () => false);
  }

  /**
   * Wait until `n` workers have joined (Dask's `client.wait_for_workers`).
   * @example
   * await cluster.waitForWorkers(3, 30);
   */
  async waitForWorkers(n: number, timeoutSeconds = 60): Promise<void> {
    if (!Number.isInteger(n) || n < 0) throw new OptionError(`waitForWorkers: n must be a whole number >= 0, got ${n}`);
    const failure = await this.watch<Error | null>(
      () => {
        const joined = this.processes.length;
        if (joined >= n) return null;
        // Refused workers can no longer make up the number: say why instead of timing out.
        const refused = [...this.#joined.values()].filter((j) => j.state === 'refused');
        const greeted = [...this.#joined.values()].filter((j) => j.state === 'hello').length;
        return refused.length && joined + greeted < n ? new RedisClusterError(refused[0]!.reason!) : undefined;
      },
      timeoutSeconds * 1000,
      () => new RedisClusterError(redisMessages.noWorkersJoined(this.target.display, timeoutSeconds, n, this.processes.length, this.skipped)),
    );
    if (failure) throw failure;
  }

  /** The first defined `check()`, checked now and whenever workers change; `onTimeout()` after `ms`. */
  private watch<T>(check: () => T | undefined, ms: number, onTimeout: () => T): Promise<T> {
    return new Promise((resolve) => {
      const finish = (v: T) => {
        clearTimeout(timer);
        this.changed.delete(test);
        resolve(v);
      };
      const test = () => {
        const v = check();
        if (v !== undefined) finish(v);
      };
      const timer = setTimeout(() => finish(onTimeout()), ms);
      this.changed.add(test);
      test();
    });
  }

  /** The worker processes that joined this session. */
  get processes(): RemoteWorker[] {
    return [...this.#joined.values()].filter((j) => j.state === 'joined').map((j) => j.record);
  }

  /** The scheduler's workers (one per runtime slot), as the dashboard and tests see them. */
  get workers(): WorkerInfo[] {
    return [...this.server.workers.values()].map((w) => ({ id: w.id, pid: w.pid, nthreads: w.nthreads, memoryLimit: w.memoryLimit, memory: w.memory, spilled: w.spilled, paused: w.paused }));
  }

  /** Worker processes, their threads and memory limits. */
  get totals(): { workers: number; threads: number; memory: number | undefined } {
    const ps = this.processes;
    const limits = ps.map((p) => p.memoryLimit);
    return {
      workers: ps.length,
      threads: ps.reduce((s, p) => s + p.nthreads, 0),
      memory: limits.some((l) => l === undefined) ? undefined : limits.reduce((s, l) => s! + l!, 0),
    };
  }

  /** Bytes of instruction batches sent through Redis and over HTTP (bulk ones). */
  get sent(): { redisBytes: number; httpBytes: number } {
    return this.bulk?.sent ?? { redisBytes: 0, httpBytes: 0 };
  }

  get address(): string {
    return this.target.display;
  }

  get dashboardLink(): string | undefined {
    return this.dashboard?.link;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  toString(): string {
    const t = this.totals;
    return `RedisCluster(${this.target.display}, workers=${t.workers}, threads=${t.threads}, memory=${t.memory === undefined ? 'unlimited' : formatBytes(t.memory)})`;
  }

  /**
   * Leave: workers are told (they close this session's runtimes), the queues are removed and the
   * connections closed. The workers keep running for other clients.
   * @example
   * await cluster.close();
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      this.server.close();
      await this.dashboard?.close();
      // Goodbyes need Redis; when it is gone they would wait for it forever, so they get a grace
      // period, after which the connections are simply dropped.
      const farewell = (async () => {
        const bye: Bye = { t: 'bye', session: this.name, sig: sign(this.keys.code, { bye: this.name }) };
        await Promise.allSettled(
          [...this.#joined.values()].map(async (j) => {
            if (j.state !== 'joined') return;
            const ctl = new Queue(controlQueue(j.record.id), { connection: this.#redis as never, prefix: PREFIX });
            ctl.on('error', () => {});
            await ctl.add('bye', bye, { removeOnComplete: true, removeOnFail: true });
            await ctl.close();
            await j.queue?.obliterate({ force: true });
            await j.queue?.close();
          }),
        );
        await this.#events?.close(true).catch(() => {});
        const evq = new Queue(eventQueue(this.name), { connection: this.#redis as never, prefix: PREFIX });
        evq.on('error', () => {});
        await evq.obliterate({ force: true }).catch(() => {});
        await evq.close().catch(() => {});
        await this.#redis.del(clientKey(this.name)).catch(() => 0);
      })();
      const graceOver = !(await settlesWithin(farewell, CLOSE_GRACE_MS));
      if (graceOver) void this.#events?.disconnect().catch(() => {});
      await this.bulk?.close();
      this.#redis.disconnect();
    })();
    return this.closing;
  }
}
