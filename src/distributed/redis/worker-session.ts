/**
 * One client session on a `shoal worker`: its runtime threads (the existing worker runtime,
 * worker-main.ts, one scheduler-visible slot each), the BullMQ consumer of its instruction queue
 * and the producer of its event queue. The main thread only moves messages: it checks the
 * signatures of shipped code, answers the runtimes' gathers (a sibling slot directly, a peer
 * over HTTP) and batches their reports into one event job per flush. It is also the session's
 * nanny: a runtime that still runs a stopped task after the client's grace period is terminated
 * and replaced.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, Worker as BullWorker } from 'bullmq';
import type { ConnectionOptions } from 'bullmq';
import { messages, quote, RedisClusterError, redisMessages } from '../../errors.ts';
import type { Key } from '../../graph/types.ts';
import { entryUrl, spawnThread, type Channel } from '../../schedulers/channel.ts';
import { secondsOption } from '../../schedulers/deadline.ts';
import { DONE_STRIDE, type DataMsg, type FromWorker, type ToWorker } from '../protocol.ts';
import { JobOpener, JobSealer, type Packed } from './codec.ts';
import { DataPlaneError, fetchValues } from './data.ts';
import { eventQueue, INLINE_BYTES, instructionQueue, parseWireKey, PREFIX, slotId, wireKey, workerOfSlot } from './names.ts';
import { fromPortable } from './op-urls.ts';
import { verify, type ClusterKeys } from './signing.ts';
import type { InstructionBatch, Refusal, SessionEvent, SignedDef } from './wire.ts';

/** What a session needs from its worker process. */
export interface WorkerHost {
  readonly id: string;
  /** Checks code and instruction jobs in, seals events out, proves itself to data servers. */
  readonly keys: ClusterKeys;
  readonly nthreads: number;
  readonly memoryLimit: number | undefined;
  readonly localDirectory: string;
  readonly preload: string[];
  /** Each BullMQ queue and consumer opens (and closes) its own connections with these. */
  redisOptions(): ConnectionOptions;
  /** A peer's data server address (from its signed registry entry), or undefined when it is gone. */
  addressOf(worker: string): Promise<string | undefined>;
  /** BullMQ worker options shared by every consumer. */
  readonly bullOptions: { lockDuration: number; stalledInterval: number };
}

interface Pending {
  resolve(m: DataMsg): void;
}

export class WorkerSession {
  readonly slots: Channel[] = [];
  readonly slotIds: string[] = [];
  /** Keys each slot holds as the scheduler's copy (finished or put there), for the data server. */
  readonly holds: Array<Set<Key>> = [];
  // BullMQ objects hold the Redis password in their options: #private, so showing a session never shows it.
  #consumer: BullWorker | undefined;
  readonly #events: Queue;
  /** Seals this session's events; checks its instruction jobs (before anything in them is used). */
  private readonly sealer: JobSealer;
  private readonly opener: JobOpener;
  private outbox: SessionEvent[] = [];
  private flushQueued = false;
  private sending: Promise<unknown> = Promise.resolve();
  private readonly gets: Array<Map<number, Pending>> = [];
  /** Per slot: the stopped tasks it has not reported `stopped` yet, each with the timer that terminates it. */
  private readonly stopping: Array<Map<Key, NodeJS.Timeout>> = [];
  /** Per slot: why this session terminated its runtime (its loss then blames none of its tasks). */
  private readonly terminated: Array<string | undefined> = [];
  /** The client's cancelGracePeriod (from its signed hello), in ms. */
  private readonly graceMs: number;
  private nextReq = 1;
  private warnedForged = false;
  /** Values moved to this session's runtimes from other slots, not yet reported. */
  private moved = 0;
  closed = false;

  constructor(
    readonly host: WorkerHost,
    readonly session: string,
    readonly attempt: number,
    /** Seconds a stopped task may still run before its runtime is replaced. */
    readonly cancelGracePeriod = 0,
  ) {
    this.graceMs = secondsOption('cancelGracePeriod', cancelGracePeriod, true)!;
    this.#events = new Queue(eventQueue(session), { connection: host.redisOptions(), prefix: PREFIX });
    this.#events.on('error', () => {}); // retried by ioredis; a long outage shows as a lost heartbeat
    this.sealer = new JobSealer(host.keys.job, eventQueue(session), `${host.id}.${attempt}`);
    this.opener = new JobOpener(host.keys.job, instructionQueue(session, host.id, attempt));
  }

  /** Each slot's share of the worker's memory limit. */
  get slotMemory(): number | undefined {
    return this.host.memoryLimit === undefined ? undefined : Math.floor(this.host.memoryLimit / this.host.nthreads);
  }

  /** Start a runtime thread as slot `i`; resolves once it is ready (rejects if it dies first). */
  private spawnSlot(i: number): Promise<void> {
    const h = this.host;
    const id = slotId(h.id, i, this.attempt);
    const ch = spawnThread(id, entryUrl('worker-thread', new URL('../x', import.meta.url)), {
      nthreads: 1,
      memoryLimit: this.slotMemory,
      spillDir: join(h.localDirectory, this.session, String(i)),
      inlineBytes: INLINE_BYTES,
      preload: h.preload,
    });
    this.slots[i] = ch;
    this.slotIds[i] = id;
    this.holds[i] = new Set();
    this.gets[i] = new Map();
    this.stopping[i] = new Map();
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      ch.onExit((detail) => {
        if (!ready) reject(new Error(`runtime ${id} exited (${detail})`));
        else this.slotDied(i, detail);
      });
      ch.onMessage((m) => {
        if (m.t === 'ready') {
          ready = true;
          resolve();
        } else this.onRuntime(i, m as unknown as FromWorker);
      });
    });
  }

  /**
   * A runtime thread died (a task ended its thread, or it ran out of heap): the process lives on.
   * The scheduler drops the slot (its tasks count a death, its results are recomputed) and a new
   * runtime joins under a new index, as the LocalCluster's nanny replaces a worker.
   */
  private slotDied(i: number, detail: string): void {
    if (this.closed) return;
    this.holds[i]!.clear();
    for (const p of this.gets[i]!.values()) p.resolve({ t: 'data', req: 0, missing: [] });
    this.gets[i]!.clear();
    for (const t of this.stopping[i]!.values()) clearTimeout(t);
    this.stopping[i]!.clear();
    // Its spilled values went with it (the scheduler recomputes what is still needed).
    rmSync(join(this.host.localDirectory, this.session, String(i)), { recursive: true, force: true });
    const why = this.terminated[i];
    this.send(why === undefined ? { t: 'slot-lost', slot: this.slotIds[i]!, detail } : { t: 'slot-lost', slot: this.slotIds[i]!, detail: why, blameless: true });
    const n = this.slots.length;
    this.spawnSlot(n).then(
      () => {
        if (this.closed) void this.slots[n]!.kill();
        else this.send({ t: 'slot-added', worker: this.host.id, index: n, slot: { id: this.slotIds[n]!, nthreads: 1, memoryLimit: this.slotMemory } });
      },
      (e: unknown) => {
        process.stderr.write(`shoal worker: could not replace a runtime (${(e as Error).message}); stopping\n`);
        process.exit(70);
      },
    );
  }

  /** Start the runtimes and the consumer; resolves once every runtime is ready. */
  async start(): Promise<void> {
    const h = this.host;
    await Promise.all(Array.from({ length: h.nthreads }, (_, i) => this.spawnSlot(i)));
    this.#consumer = new BullWorker(instructionQueue(this.session, h.id, this.attempt), async (job) => {
        let batch: InstructionBatch;
        try {
          batch = await this.batchOf(job.data as Packed);
        } catch (e) {
          if (e instanceof RedisClusterError) {
            // A forged or replayed job, or bulk bytes that are not the signed ones: dropped, and
            // said once (the session goes on).
            if (!this.warnedForged) process.stderr.write(`shoal worker: ${e.message}\n`);
            this.warnedForged = true;
            return;
          }
          // Without this batch the session's state is unknown: the client drops this attempt
          // (its tasks are rescheduled) and takes the worker back under the next one.
          this.send({ t: 'reset', worker: h.id, reason: (e as Error).message });
          return;
        }
        this.onBatch(batch);
      }, {
      connection: h.redisOptions(),
      prefix: PREFIX,
      concurrency: 1,
      ...h.bullOptions,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
    });
    this.#consumer.on('error', () => {}); // connection errors are retried by ioredis; heartbeats tell the client
  }

  send(ev: SessionEvent): void {
    this.outbox.push(ev);
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
  }

  /** A refusal, unsealed (the client may hold another secret), plain JSON, alone in its job. */
  async refuse(worker: string, reason: string): Promise<void> {
    const data: Refusal = { refused: { worker, reason } };
    await this.#events.add('ev', data, { removeOnComplete: true, removeOnFail: true }).catch(() => {});
  }

  /** Flush the outbox as one job; jobs are added in order on one connection, so they stay in order. */
  flush(): Promise<unknown> {
    this.flushQueued = false;
    if (this.moved) {
      this.outbox.unshift({ t: 'transfers', n: this.moved });
      this.moved = 0;
    }
    if (this.outbox.length === 0) return this.sending;
    const batch = this.outbox;
    this.outbox = [];
    this.sending = this.#events.add('ev', this.sealer.pack(batch), { removeOnComplete: true, removeOnFail: true }).catch(() => {});
    return this.sending;
  }

  /**
   * A job's batch: inline, or (bulk) fetched from the client's data server. The job's seal —
   * covering the address and the bytes' digest — is checked first: no connection is opened and
   * nothing decoded for a job the client did not write. Jobs are taken one at a time, so order holds.
   */
  private async batchOf(p: Packed): Promise<InstructionBatch> {
    this.opener.check(p);
    if (p.ref === undefined) return this.opener.open<InstructionBatch>(p);
    const r = await fetchValues(p.at ?? '', [p.ref], this.host.keys.secret);
    const bytes = r.values.get(p.ref);
    if (!(bytes instanceof Uint8Array)) throw new Error(`bulk batch ${p.ref} is no longer on ${p.at}`);
    return this.opener.openBytes<InstructionBatch>(p, bytes);
  }

  private onBatch(items: InstructionBatch): void {
    if (this.closed) return;
    for (const [i, msg] of items) {
      const ch = this.slots[i];
      if (!ch || !ch.running()) continue; // for a slot that died: the scheduler has dropped it
      if (msg.t === 'batch') {
        if (msg.defs) msg.defs = msg.defs.map((d) => this.checked(d as unknown as SignedDef)) as never;
        if (msg.puts) for (const p of msg.puts) this.holds[i]!.add(p[0]);
        if (msg.free) for (const k of msg.free) this.holds[i]!.delete(k);
        // The runtime applies `compute` before `stop` (worker-main.ts): a key sent again is
        // wanted after all, unless this very batch stops it once more.
        if (msg.compute) for (const c of msg.compute) this.stopDone(i, c[0]);
        if (msg.stop) for (const k of msg.stop) this.watchStop(i, k);
      }
      ch.post(msg as never);
    }
  }

  /** A definition whose signature matches, without it; otherwise one that fails with the reason. */
  private checked([id, spec]: SignedDef): [number, unknown] {
    const { sig, ...bare } = spec;
    if (verify(this.host.keys.code, bare, sig)) return [id, bare.kind === 'op' && typeof bare.url === 'string' ? { ...bare, url: fromPortable(bare.url) } : bare];
    const what = bare.kind === 'source' ? 'a shipped function' : bare.kind === 'module' ? `the module function ${String(bare.name)} of ${String(bare.url)}` : `the op ${String(bare.name)}`;
    const msg = redisMessages.badSignature(what);
    return [id, { kind: 'source', code: `function rejected() { throw new Error(${JSON.stringify(msg)}); }`, hash: `rejected-${id}` }];
  }

  private onRuntime(i: number, m: FromWorker): void {
    switch (m.t) {
      case 'report': {
        const held = this.holds[i]!;
        for (let j = 0; j < m.done.length; j += DONE_STRIDE) held.add(m.done[j] as Key);
        if (m.stopped) for (const k of m.stopped) this.stopDone(i, k);
        this.send({ t: 'slot', slot: this.slotIds[i]!, msg: m });
        return;
      }
      case 'data': {
        const p = this.gets[i]!.get(m.req);
        if (p) {
          this.gets[i]!.delete(m.req);
          p.resolve(m);
        }
        return;
      }
      case 'gather':
        void this.gather(i, m.req, m.holder, m.keys);
        return;
    }
  }

  /**
   * A stopped task (cancelled, or its timeout passed): the runtime drops it, and reports it
   * `stopped` at once or when its run ends. A JavaScript task cannot be interrupted from outside,
   * so a runtime that has not reported it within the grace period is terminated, and `slotDied`
   * replaces it (as the LocalCluster's nanny does; timed here, next to the thread, so that Redis'
   * latency never counts against the task). Only a sealed batch from the client gets here.
   */
  private watchStop(i: number, key: Key): void {
    const timers = this.stopping[i]!;
    clearTimeout(timers.get(key));
    const ch = this.slots[i]!;
    const timer = setTimeout(() => {
      timers.delete(key);
      if (this.closed || this.slots[i] !== ch || !ch.running() || this.terminated[i] !== undefined) return;
      this.terminated[i] = messages.stoppedWorker(`its runtime thread ${this.slotIds[i]!}`, `task ${quote(key)}`, this.cancelGracePeriod);
      void ch.kill();
    }, this.graceMs);
    timers.set(key, timer);
  }

  /** `key` no longer runs on slot `i` (or is wanted there again). */
  private stopDone(i: number, key: Key): void {
    const timers = this.stopping[i]!;
    clearTimeout(timers.get(key));
    timers.delete(key);
  }

  /** Values from one of this session's runtimes (its `get`). */
  getFromSlot(i: number, keys: Key[]): Promise<DataMsg> {
    const req = this.nextReq++;
    return new Promise((resolve) => {
      this.gets[i]!.set(req, { resolve });
      this.slots[i]!.post({ t: 'get', req, keys, raw: false } satisfies ToWorker as never);
    });
  }

  /** A runtime needs inputs held by `holder`: from a sibling directly, from a peer over HTTP. */
  private async gather(i: number, req: number, holder: string, keys: Key[]): Promise<void> {
    const reply = (values: unknown[] | undefined, missing: Key[] | undefined, error?: DataMsg['error']) => {
      if (!this.closed) this.slots[i]!.post({ t: 'gathered', req, holder, values, missing, error } satisfies ToWorker as never);
    };
    const owner = workerOfSlot(holder);
    if (owner === this.host.id) {
      const j = this.slotIds.indexOf(holder);
      if (j < 0 || !this.slots[j]!.running()) return reply(undefined, keys);
      const d = await this.getFromSlot(j, keys);
      this.moved += keys.length - (d.missing?.length ?? 0);
      return reply(d.values, d.missing, d.error);
    }
    const address = await this.host.addressOf(owner);
    if (!address) return reply(undefined, keys);
    try {
      const r = await fetchValues(address, keys.map((k) => wireKey(this.session, k)), this.host.keys.secret);
      this.moved += r.values.size;
      return reply(
        keys.map((k) => r.values.get(wireKey(this.session, k))),
        r.missing.length ? r.missing.map((w) => parseWireKey(w)[1]) : undefined,
      );
    } catch (e) {
      // A value the holder cannot send: the tasks needing it fail with the reason (as in a LocalCluster).
      if (e instanceof DataPlaneError && e.key !== undefined) return reply(undefined, undefined, [parseWireKey(e.key)[1], { name: 'DataCloneError', message: e.message }]);
      // The peer is gone: missing, so the scheduler recomputes — never an error here.
      return reply(undefined, keys);
    }
  }

  /** Which slot holds `key` for this session (the data server's lookup), or -1. */
  slotOf(key: Key): number {
    for (let i = 0; i < this.holds.length; i++) if (this.holds[i]!.has(key)) return i;
    return -1;
  }

  /**
   * Stop this session's runtimes and consumer. `removeQueues` (after a bye, or when the client
   * went away without one): the client needs nothing more, so its queues are removed from Redis
   * here too — after this consumer stopped, so nothing of the session is left behind.
   */
  async close(opts: { removeQueues?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!opts.removeQueues) await this.flush();
    await Promise.allSettled([this.#consumer?.close(true), this.stopRuntimes()]);
    if (opts.removeQueues) {
      const mine = new Queue(instructionQueue(this.session, this.host.id, this.attempt), { connection: this.host.redisOptions(), prefix: PREFIX });
      mine.on('error', () => {});
      await Promise.allSettled([mine.obliterate({ force: true }), this.#events.obliterate({ force: true })]);
      await mine.close().catch(() => {});
    }
    await this.#events.close().catch(() => {});
  }

  /**
   * Stop the runtimes, answer pending gathers as missing and drop spilled values: the part of
   * closing that needs no Redis (all of it, for a worker leaving after its grace period).
   */
  async stopRuntimes(): Promise<void> {
    this.closed = true;
    for (const timers of this.stopping) for (const t of timers.values()) clearTimeout(t);
    await Promise.allSettled(this.slots.map((c) => c.kill()));
    for (const g of this.gets) for (const p of g.values()) p.resolve({ t: 'data', req: 0, missing: [] });
    // This session's spilled values die with it (a session never started — a refused hello — owns none).
    if (this.slots.length) rmSync(join(this.host.localDirectory, this.session), { recursive: true, force: true });
  }
}
