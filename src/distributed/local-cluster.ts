/**
 * LocalCluster: a scheduler in this process and workers on this machine (Dask's `LocalCluster`),
 * each watched by a nanny that replaces it when it dies, and restarts it when its memory passes
 * 95% of its limit.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { config } from '../config.ts';
import { distributedMessages, messages, OptionError, ShoalError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { entryUrl, spawnProcess, spawnThread, type Channel } from '../schedulers/channel.ts';
import { makeOwnedDir, sweepStale } from '../schedulers/workspace.ts';
import { DEFAULT_CANCEL_GRACE, secondsOption } from '../schedulers/deadline.ts';
import { DashboardModel } from './dashboard/model.ts';
import { Dashboard } from './dashboard/server.ts';
import { rssBytes } from './procfs.ts';
import { SchedulerServer, type WorkerConn } from './server.ts';
import { formatBytes, parseBytes } from './sizeof.ts';
import { SPACE_PREFIX, TERMINATE_FRACTION } from './store.ts';

export interface LocalClusterOptions {
  /** Workers are child processes (default) or threads of this process (`false`). */
  processes?: boolean;
  /** Default: with processes, a worker per core (as Dask: for more than 4 cores, fewer workers with several threads); with threads, one. */
  nWorkers?: number;
  /** Tasks a worker runs at once (default: cores divided among the workers). */
  threadsPerWorker?: number;
  /** Per worker: bytes, a size like '256MiB', 'auto' (system memory / workers; the default) or 0 for none. */
  memoryLimit?: number | string;
  /** Where the dashboard listens: ':8787' (the default), '127.0.0.1:0' for any free port, or null for none. */
  dashboardAddress?: string | null;
  /** Worker deaths a task may witness before it fails with KilledWorkerError (default 3). */
  allowedFailures?: number;
  /**
   * Where workers spill to disk: a fresh private folder `shoal-worker-space-*` is made inside it
   * (default: the system temp dir), removed at close, and swept at a later start if this process
   * was killed first (Dask's `local_directory`).
   */
  localDirectory?: string;
  /**
   * Seconds a cancelled (or timed-out) task may go on running before the nanny terminates its
   * worker and starts a new one (default: `config`'s `cancelGracePeriod`, else 3). The worker's
   * other tasks are rescheduled without counting against them, and its results are recomputed
   * from their tasks where still needed. Redis-joined workers do the same with the runtime thread
   * running it (`Client.connect(url, { cancelGracePeriod })`).
   * @example
   * const cluster = await LocalCluster.start({ nWorkers: 2, cancelGracePeriod: 1 });
   * const f = client.submit(() => { for (;;) {} });
   * await f.cancel();   // about 1 s later that worker is replaced
   */
  cancelGracePeriod?: number;
}
/** The option names of `LocalClusterOptions` (also those of `Client.start`). */
export const LOCAL_CLUSTER_KEYS = optionKeys<LocalClusterOptions>({
  processes: true, nWorkers: true, threadsPerWorker: true, memoryLimit: true, dashboardAddress: true, allowedFailures: true, localDirectory: true, cancelGracePeriod: true,
});

/** A worker as the cluster reports it. */
export interface WorkerInfo {
  id: string;
  pid: number;
  nthreads: number;
  memoryLimit: number | undefined;
  /** Bytes held in memory and spilled to disk, as last reported by the worker. */
  memory: number;
  spilled: number;
  paused: boolean;
}

/** Dask's `nprocesses_nthreads`: up to 4 cores a process each; beyond, about sqrt(cores) processes. */
export function defaultWorkers(cores: number): [workers: number, threads: number] {
  if (cores <= 4) return [cores, 1];
  let p = Math.ceil(Math.sqrt(cores));
  while (cores % p !== 0) p++;
  return [p, cores / p];
}

let nextWorker = 1;

export class LocalCluster {
  readonly name: string;
  /** @internal */
  readonly server: SchedulerServer;
  readonly processes: boolean;
  readonly threadsPerWorker: number;
  /** Per worker, in bytes (undefined: no limit). */
  readonly memoryLimit: number | undefined;
  readonly dashboardAddress: string | null;
  /** The live dashboard (unless `dashboardAddress: null`). */
  dashboard: Dashboard | undefined;
  /** Workers replaced after dying or being restarted by the nanny. */
  restarts = 0;
  private target: number;
  private closing = false;
  /** This cluster's private folder for spilled values (only with a memory limit). */
  private readonly spillRoot: string | undefined;
  private readonly live = new Map<string, WorkerConn>();
  private monitor: ReturnType<typeof setInterval> | undefined;
  private readonly baselineRss = new Map<string, number>();
  private readonly died = new Map<WorkerConn, Promise<string>>();

  private constructor(opts: LocalClusterOptions) {
    const cores = availableParallelism();
    this.processes = opts.processes ?? true;
    const [dw, dt] = this.processes ? defaultWorkers(cores) : [1, cores];
    const n = opts.nWorkers ?? (opts.threadsPerWorker ? Math.max(1, Math.floor(cores / opts.threadsPerWorker)) : dw);
    if (!Number.isInteger(n) || n < 0) throw new OptionError(messages.badOption('nWorkers', n, 'must be a whole number >= 0'));
    const t = opts.threadsPerWorker ?? (opts.nWorkers ? Math.max(1, Math.floor(cores / Math.max(1, n))) : dt);
    if (!Number.isInteger(t) || t < 1) throw new OptionError(messages.badOption('threadsPerWorker', t, 'must be a whole number >= 1'));
    this.target = n;
    this.threadsPerWorker = t;
    this.memoryLimit = resolveMemoryLimit(opts.memoryLimit, Math.max(1, n));
    this.dashboardAddress = opts.dashboardAddress === undefined ? ':8787' : opts.dashboardAddress;
    this.name = randomBytes(4).toString('hex');
    const grace = secondsOption('cancelGracePeriod', opts.cancelGracePeriod ?? config.get().cancelGracePeriod ?? DEFAULT_CANCEL_GRACE, true)!;
    this.server = new SchedulerServer({
      allowedFailures: opts.allowedFailures,
      cancelGrace: grace,
      // The nanny (spawn's exit handler) replaces a worker terminated for a task that would not stop.
      terminate: (w) => void w.channel.kill(),
    });
    // Made last, so an invalid option leaves nothing on disk; a killed cluster's folder is swept by the next start.
    const parent = opts.localDirectory ?? tmpdir();
    if (this.memoryLimit) this.spillRoot = makeOwnedDir(parent, SPACE_PREFIX);
    else sweepStale(parent, SPACE_PREFIX);
  }

  /**
   * Start a cluster and wait until its workers are up.
   * @example
   * const cluster = await LocalCluster.start({ nWorkers: 2, threadsPerWorker: 2 });
   * String(cluster);   // 'LocalCluster(3f2a9c1d, workers=2, threads=4, memory=23.47 GiB)'
   * await cluster.close();
   */
  static async start(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
    const c = new LocalCluster(checkOptions('LocalCluster.start', opts, LOCAL_CLUSTER_KEYS));
    try {
      if (c.dashboardAddress !== null) {
        c.dashboard = await Dashboard.start(c.dashboardAddress, new DashboardModel(c.server, () => c.workers), `shoal · LocalCluster ${c.name}`);
      }
      await c.scale(c.target);
    } catch (e) {
      await c.close(); // a worker that cannot start: nothing is left running
      throw e;
    }
    if (c.processes && c.memoryLimit) c.monitor = setInterval(() => c.checkMemory(), 200).unref();
    return c;
  }

  /** The workers now connected. */
  get workers(): WorkerInfo[] {
    return [...this.live.values()].map((w) => ({ id: w.id, pid: w.pid, nthreads: w.nthreads, memoryLimit: w.memoryLimit, memory: w.memory, spilled: w.spilled, paused: w.paused }));
  }

  /** Total threads and memory limit over the workers. */
  get totals(): { workers: number; threads: number; memory: number | undefined } {
    const ws = this.workers;
    return {
      workers: ws.length,
      threads: ws.reduce((s, w) => s + w.nthreads, 0),
      memory: this.memoryLimit === undefined ? undefined : this.memoryLimit * ws.length,
    };
  }

  private spawn(): WorkerConn {
    const id = `worker-${nextWorker++}`;
    const spillDir = this.spillRoot && join(this.spillRoot, id);
    let ch: Channel;
    if (this.processes) {
      ch = spawnProcess(id, {
        entry: entryUrl('worker-process', import.meta.url),
        env: {
          SHOAL_NTHREADS: String(this.threadsPerWorker),
          SHOAL_MEMORY_LIMIT: this.memoryLimit ? String(this.memoryLimit) : '',
          SHOAL_SPILL_DIR: spillDir ?? '',
          // As Dask's nanny does: glibc returns freed memory to the OS promptly, so the RSS the
          // nanny watches falls when spilled values are collected.
          MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? '65536',
        },
      });
    } else {
      ch = spawnThread(id, entryUrl('worker-thread', import.meta.url), { nthreads: this.threadsPerWorker, memoryLimit: this.memoryLimit, spillDir });
    }
    const conn = this.server.addWorker(id, this.processes ? 'process' : 'thread', ch, this.threadsPerWorker, this.memoryLimit);
    this.live.set(id, conn);
    let dead!: (detail: string) => void;
    this.died.set(conn, new Promise<string>((r) => (dead = r)));
    ch.onExit((detail) => {
      dead(detail);
      this.died.delete(conn);
      const wasLive = this.live.delete(id);
      this.server.removeWorker(id, detail);
      // The nanny: a worker that died (not one we retired) is replaced.
      if (wasLive && !this.closing && conn.booted && this.live.size < this.target) {
        this.restarts++;
        this.spawn();
      }
    });
    return conn;
  }

  /**
   * Run `n` workers: start missing ones (waiting until they are up) or retire extra ones.
   * @example
   * await cluster.scale(4);
   */
  async scale(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 0) throw new OptionError(messages.badOption('n', n, 'must be a whole number >= 0'));
    this.target = n;
    const unhold = this.server.hold(); // waiting for start-up keeps the program alive
    try {
      const started: WorkerConn[] = [];
      while (this.live.size < n) started.push(this.spawn());
      const extra = [...this.live.values()].sort((a, b) => a.memory - b.memory).slice(0, Math.max(0, this.live.size - n));
      await Promise.all(extra.map((w) => this.retire(w)));
      await Promise.all(started.map((w) => waitReady(w, this.died.get(w))));
    } finally {
      unhold();
    }
  }

  private async retire(w: WorkerConn): Promise<void> {
    this.live.delete(w.id);
    this.server.removeWorker(w.id, 'retired');
    await w.channel.kill();
  }

  /** The nanny's memory check: a process above 95% of its limit is restarted. */
  private checkMemory(): void {
    for (const w of this.live.values()) {
      const rss = rssBytes(w.pid);
      if (rss === undefined) continue;
      // Node's own start-up footprint (measured once the worker is up) is not the data's.
      if (!this.baselineRss.has(w.id)) {
        if (w.booted) this.baselineRss.set(w.id, rss);
        continue;
      }
      if (rss - this.baselineRss.get(w.id)! > TERMINATE_FRACTION * this.memoryLimit!) {
        process.emitWarning(distributedMessages.nannyRestart(w.id, formatBytes(rss), formatBytes(this.memoryLimit!)));
        void w.channel.kill();
      }
    }
  }

  /**
   * Stop every worker and wait until they are gone; no process is left behind.
   * @example
   * await cluster.close();
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.monitor) clearInterval(this.monitor);
    this.server.close();
    const ws = [...this.live.values()];
    this.live.clear();
    await this.dashboard?.close();
    await Promise.all(ws.map((w) => w.channel.kill()));
    if (this.spillRoot) rmSync(this.spillRoot, { recursive: true, force: true });
  }

  get closed(): boolean {
    return this.closing;
  }

  /** The dashboard's address, like Dask's `cluster.dashboard_link` (undefined without one). */
  get dashboardLink(): string | undefined {
    return this.dashboard?.link;
  }

  toString(): string {
    const t = this.totals;
    return `LocalCluster(${this.name}, workers=${t.workers}, threads=${t.threads}, memory=${t.memory === undefined ? 'unlimited' : formatBytes(t.memory)})`;
  }
}

function waitReady(w: WorkerConn, died: Promise<string> | undefined): Promise<void> {
  if (w.booted || !died) return Promise.resolve();
  return Promise.race([
    w.ready,
    died.then((detail) => {
      if (!w.booted) throw new ShoalError('ERR_SHOAL_WORKER_DIED', distributedMessages.workerFailedToStart(w.id, detail));
    }),
  ]);
}

function resolveMemoryLimit(v: number | string | undefined, nWorkers: number): number | undefined {
  if (v === undefined || v === 'auto') return Math.floor(totalmem() / nWorkers);
  if (v === 0 || v === '0') return undefined;
  const n = parseBytes(v);
  if (n === undefined) throw new OptionError(messages.badOption('memoryLimit', v, "must be bytes, a size like '256MiB', 'auto' or 0"));
  return n;
}
