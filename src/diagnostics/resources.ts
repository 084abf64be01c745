/**
 * `ResourceProfiler`: CPU and memory of the whole process tree while computes run (Dask's
 * `dask.diagnostics.ResourceProfiler`). The tree is this process (the calling thread and every
 * worker thread share it) plus the pools' worker processes. On Linux each process is read from
 * `/proc/<pid>/stat` (user + system CPU time) and `/proc/<pid>/status` (VmRSS); elsewhere only this
 * process is measured, with `process.cpuUsage()` and `process.memoryUsage.rss()`.
 */
import { readFileSync } from 'node:fs';
import { messages, OptionError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { activePools } from '../schedulers/index.ts';
import type { RunStats, StartInfo } from '../schedulers/callbacks.ts';
import { BaseCallback } from './callback.ts';
import { wallClock } from './profiler.ts';

/** One sample of the process tree. */
export interface ResourceSample {
  /** ms since the epoch (the clock tasks are timed on). */
  time: number;
  /** CPU used since the previous sample, in % of one core (200 = two cores busy). */
  cpu: number;
  /** Resident memory of all processes of the tree, in bytes. */
  rss: number;
  /** How many processes were measured. */
  processes: number;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux Node supports). */
const CLK_TCK = 100;

/** CPU seconds and RSS bytes of one process from /proc, or undefined when it is gone. */
function readProc(pid: number): { cpu: number; rss: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return { cpu, rss: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

const hasProc = (() => {
  try {
    readFileSync(`/proc/${process.pid}/stat`);
    return true;
  } catch {
    return false;
  }
})();

/** The pids of the tree: this process and every live worker process of shoal's pools. */
function processTree(): number[] {
  const pids = [process.pid];
  for (const pool of activePools()) {
    if (pool.kind !== 'processes') continue;
    for (const w of pool.workers) if (w.alive && w.channel.pid > 0) pids.push(w.channel.pid);
  }
  return pids;
}

/** CPU seconds per pid and total RSS of the tree now. */
function measureTree(): { cpu: Map<number, number>; rss: number } {
  const cpu = new Map<number, number>();
  let rss = 0;
  if (!hasProc) {
    const u = process.cpuUsage();
    cpu.set(process.pid, (u.user + u.system) / 1e6);
    return { cpu, rss: process.memoryUsage.rss() };
  }
  for (const pid of processTree()) {
    const p = readProc(pid);
    if (!p) continue;
    cpu.set(pid, p.cpu);
    rss += p.rss;
  }
  return { cpu, rss };
}

export interface ResourceProfilerOptions {
  /** Seconds between samples (default 1, as in Dask). */
  dt?: number;
}
const RESOURCE_PROFILER_KEYS = optionKeys<ResourceProfilerOptions>({ dt: true });

/**
 * Sample CPU % and RSS of the process tree every `dt` seconds while a compute runs.
 * @example
 * const rprof = new ResourceProfiler({ dt: 0.25 });
 * await x.compute({ scheduler: 'processes', callbacks: [prof, rprof] });
 * rprof.results;   // [{ time, cpu: 187.5, rss: 412_000_000, processes: 3 }, ...]
 * await visualizeProfile([prof, rprof], { filename: 'profile.svg' });
 */
export class ResourceProfiler extends BaseCallback {
  readonly dt: number;
  results: ResourceSample[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private last: { time: number; cpu: Map<number, number> } | undefined;

  constructor(opts: ResourceProfilerOptions = {}) {
    super();
    const { dt = 1 } = checkOptions('ResourceProfiler', opts, RESOURCE_PROFILER_KEYS);
    if (!(Number.isFinite(dt) && dt > 0)) throw new OptionError(messages.badOption('dt', dt, 'must be a number of seconds > 0'));
    this.dt = dt;
  }

  override start(_info: StartInfo): void {
    this.stopTimer();
    this.last = undefined;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.dt * 1000);
    this.timer.unref();
  }

  override finish(_stats: RunStats): void {
    this.stopTimer();
    this.sample();
  }

  /** Forget the samples. @example rprof.clear() */
  clear(): void {
    this.results = [];
  }

  /** Take one sample now (the timer calls this every `dt`). @example rprof.sample().rss  // bytes */
  sample(): ResourceSample {
    const time = wallClock();
    const { cpu, rss } = measureTree();
    let used = 0;
    if (this.last) {
      // Only processes seen in both samples: a worker started in between has no baseline.
      for (const [pid, c] of cpu) {
        const before = this.last.cpu.get(pid);
        if (before !== undefined) used += Math.max(0, c - before);
      }
    }
    const secs = this.last ? (time - this.last.time) / 1000 : 0;
    const s: ResourceSample = { time, cpu: secs > 0 ? (100 * used) / secs : 0, rss, processes: cpu.size };
    this.last = { time, cpu };
    this.results.push(s);
    return s;
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
