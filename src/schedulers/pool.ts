/**
 * A reusable pool of workers (threads or processes), shared by every compute that uses it.
 * It starts lazily, keeps a table of function ids (a function's definition is sent to each worker
 * once), routes replies to the compute they belong to, replaces workers that die, and is
 * unref'd whenever no compute is running so it never keeps the program alive.
 */
import { join } from 'node:path';
import { ClosedError, messages } from '../errors.ts';
import type { FnSpec } from '../graph/types.ts';
import { bulkMinFromEnv, dropSpares, makeBulkDir, removeBulkDir, sweep, unlinkQuietly } from './bulk.ts';
import { spawnProcess, spawnThread, type Channel } from './channel.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { FnTable, type WireFnSpec } from './fn-table.ts';

export type PoolKind = 'threads' | 'processes';

export class PoolWorker {
  readonly knownFns = new Set<number>();
  alive = true;
  /**
   * Computes that timed out while this worker ran or queued their tasks, each with the timer that
   * terminates the worker unless it says `ended` first. While any is listed the worker takes no
   * new tasks (they would wait behind a task that may never end).
   */
  readonly stopping = new Map<number, NodeJS.Timeout>();
  /** Why the pool terminated this worker (reported instead of its exit code). */
  terminatedBecause: string | undefined;
  readonly ready: Promise<void>;
  private markReady!: () => void;
  constructor(
    readonly channel: Channel,
    readonly slot: number,
  ) {
    this.ready = new Promise((res) => (this.markReady = res));
  }
  get name(): string {
    return this.channel.name;
  }
  post(msg: ToWorker): void {
    this.channel.post(msg);
  }
  /** @internal */
  gotReady(): void {
    this.booted = true;
    this.markReady();
  }
  /** True once the worker has started and said so. */
  booted = false;
  /** Alive and not stuck in a timed-out compute's task: it can take tasks. */
  get available(): boolean {
    return this.alive && this.stopping.size === 0;
  }
}

/** What a compute registers with the pool to receive its workers' replies. */
export interface PoolClient {
  onMessage(worker: PoolWorker, msg: FromWorker): void;
  onWorkerDied(worker: PoolWorker, detail: string): void;
  /** A worker can take tasks again (it stopped a timed-out compute's task, or was replaced). */
  onWorkerAvailable(): void;
  /** `shutdown()` / `close()` stops the pool while this compute runs: it will not finish. */
  onPoolClosed(): void;
}

let nextCompute = 1;
const SPARES_IDLE_MS = 1000;

export class WorkerPool {
  readonly workers: PoolWorker[] = [];
  private readonly fns = new FnTable();
  private readonly clients = new Map<number, PoolClient>();
  private spawned = 0;
  private closed = false;
  /** Workers replaced after dying (for tests and diagnostics). */
  replaced = 0;
  /** Processes: values of at least this many bytes (estimated) travel as transfer files. */
  readonly bulkMin = bulkMinFromEnv();
  /** Processes: the directory of transfer files (`bulk.ts`), made at the first spawn. */
  private bulkDir: string | undefined;
  private removeBulkAtExit: (() => void) | undefined;
  private fileSeq = 0;
  /**
   * Transfer files held in this process (values relayed between workers) by a compute, which
   * deletes them when it releases the value or ends. A dead worker's sweep leaves them alone.
   */
  readonly heldFiles = new Set<string>();
  /** Values moved as transfer files, counted by the calling process (for tests and diagnostics). */
  fileTransfers = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly kind: PoolKind,
    readonly size: number,
  ) {}

  /** Start missing workers (lazily, on first use, and after a death). */
  ensure(): PoolWorker[] {
    if (this.closed) throw new ClosedError(`the ${this.kind} pool`);
    for (let slot = 0; slot < this.size; slot++) {
      if (!this.workers[slot]?.alive) this.workers[slot] = this.spawn(slot);
    }
    return this.workers;
  }

  /** Wait until every worker has booted (so benchmarks can time start-up separately). */
  async started(): Promise<void> {
    const ws = this.ensure();
    for (const w of ws) w.channel.ref(); // waiting for boot must keep the program alive
    try {
      await Promise.all(ws.map((w) => w.ready));
    } finally {
      if (this.clients.size === 0) for (const w of ws) if (w.alive) w.channel.unref();
    }
  }

  private spawn(slot: number): PoolWorker {
    this.spawned++;
    const name = `${this.kind === 'threads' ? 'thread' : 'process'}-${this.spawned}`;
    const ch = this.kind === 'threads' ? spawnThread(name) : spawnProcess(name, this.makeTransferDir() ? { bulk: { dir: this.bulkDir!, min: this.bulkMin } } : {});
    const w = new PoolWorker(ch, slot);
    ch.onMessage((msg) => {
      if (msg.t === 'ready') {
        w.gotReady();
        return;
      }
      if (msg.t === 'ended') {
        this.stopped(w, msg.c);
        return;
      }
      const client = this.clients.get(msg.c);
      if (client) client.onMessage(w, msg);
      else discardFiles(msg);
    });
    // Files the worker wrote that never reached us, or that were sent to it and never read.
    void ch.closed.then(() => {
      if (this.bulkDir) sweep(this.bulkDir, [`p${ch.pid}-`, `to${ch.pid}-`], this.heldFiles);
    });
    ch.onExit((detail) => {
      const wasAlive = w.alive;
      w.alive = false;
      for (const t of w.stopping.values()) clearTimeout(t);
      w.stopping.clear();
      if (this.closed || !wasAlive) return;
      for (const c of [...this.clients.values()]) c.onWorkerDied(w, w.terminatedBecause ?? detail);
      // A worker that died before booting would die again: start it on next use, not in a loop.
      if (!w.booted) return;
      if (this.workers[slot] === w) {
        this.replaced++;
        this.workers[slot] = this.spawn(slot);
        if (this.clients.size === 0) this.workers[slot]!.channel.unref();
        for (const c of [...this.clients.values()]) c.onWorkerAvailable();
      }
    });
    if (this.clients.size === 0) ch.unref();
    return w;
  }

  /**
   * Compute `c` timed out with tasks on `w`: tell `w` to drop them and to say when none runs any
   * more. A task cannot be interrupted from outside (shoal has no cancellation signal inside tasks
   * yet), so a worker still running one after `graceMs` is terminated and replaced, as a nanny
   * would: its slot is free again either way.
   */
  stopCompute(w: PoolWorker, c: number, graceMs: number): void {
    if (!w.alive || w.stopping.has(c)) return;
    const timer = setTimeout(() => {
      if (!w.alive || !w.stopping.has(c)) return;
      w.terminatedBecause = messages.stoppedWorker(w.name, 'a task of a compute that timed out', graceMs / 1000);
      void w.channel.kill();
    }, graceMs);
    timer.unref(); // a program that is done anyway needs no replacement
    w.stopping.set(c, timer);
    w.post({ t: 'end', c, ack: true });
  }

  /** `w` runs no task of compute `c` any more. */
  private stopped(w: PoolWorker, c: number): void {
    const timer = w.stopping.get(c);
    if (!timer) return;
    clearTimeout(timer);
    w.stopping.delete(c);
    if (w.available) for (const client of [...this.clients.values()]) client.onWorkerAvailable();
  }

  /** Processes: the directory of transfer files, made on first use (undefined: not used). */
  private makeTransferDir(): string | undefined {
    if (this.bulkDir || this.bulkMin === Infinity) return this.bulkDir;
    try {
      const dir = makeBulkDir();
      this.bulkDir = dir;
      // A program that ends without closing its pools leaves nothing behind either.
      this.removeBulkAtExit = () => removeBulkDir(dir);
      process.on('exit', this.removeBulkAtExit);
    } catch {
      // No writable directory: everything goes over the IPC channel.
    }
    return this.bulkDir;
  }

  /** A new transfer file name addressed to worker `w` (swept if `w` dies before reading it). */
  fileFor(w: PoolWorker): string {
    return join(this.bulkDir!, `to${w.channel.pid}-m${this.fileSeq++}`);
  }

  /** A pool-wide id for a function spec; its definition is sent to each worker once. */
  fnId(spec: FnSpec): number {
    return this.fns.id(spec);
  }

  fnSpec(id: number): WireFnSpec {
    return this.fns.spec(id);
  }

  /** Register a compute; while any is registered the workers keep the program alive. */
  attach(client: PoolClient): number {
    const id = nextCompute++;
    clearTimeout(this.idleTimer);
    if (this.clients.size === 0) for (const w of this.workers) if (w?.alive) w.channel.ref();
    this.clients.set(id, client);
    return id;
  }

  detach(id: number): void {
    if (!this.clients.delete(id)) return;
    if (this.clients.size > 0) return;
    for (const w of this.workers) if (w?.alive) w.channel.unref();
    // Idle for a second: give back the memory of the spare transfer files (bulk.ts).
    const dir = this.bulkDir;
    if (dir) {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => dropSpares(dir), SPARES_IDLE_MS);
      this.idleTimer.unref();
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stop every worker and wait until they are gone; computes still running fail with `CancelledError`. */
  async close(): Promise<void> {
    if (!this.closed) for (const c of [...this.clients.values()]) c.onPoolClosed();
    this.closed = true;
    clearTimeout(this.idleTimer);
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => (w.alive ? ((w.alive = false), w.channel.kill()) : undefined)));
    if (this.bulkDir) {
      // Let the last messages arrive (bounded: a channel that never reports closing does not hang us).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(ws.map((w) => w.channel.closed)), new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      removeBulkDir(this.bulkDir);
      process.off('exit', this.removeBulkAtExit!);
      this.bulkDir = undefined;
      this.heldFiles.clear();
    }
  }

  /** Processes: the directory of transfer files (undefined: values travel over the IPC channel only). */
  get transferDirectory(): string | undefined {
    return this.bulkDir;
  }
}

/** Delete the transfer files a message carries (its compute is gone). */
export function discardFiles(msg: FromWorker): void {
  if (msg.t === 'done' && msg.f) for (const j of msg.f) unlinkQuietly(msg.r[j + 2] as string);
  else if (msg.t === 'fetched' && msg.f) for (const k of msg.f) unlinkQuietly(msg.values![k] as string);
}
