/**
 * `Profiler`: what ran where and when (Dask's `dask.diagnostics.Profiler`). One record per task
 * with its key, key prefix, the worker that ran it ('main', 'thread-2', 'process-3 (pid 4242)'),
 * and its start and end on the shared wall clock (ms since the epoch, as workers report them).
 * Records accumulate over computes until `clear()`.
 */
import { writeFile } from 'node:fs/promises';
import { keyPrefix } from '../graph/keys.ts';
import type { Key } from '../graph/types.ts';
import type { RunStats, StartInfo, TaskInfo } from '../schedulers/callbacks.ts';
import { BaseCallback } from './callback.ts';
import { toChromeTrace, type ChromeTrace } from './chrome-trace.ts';
import { ensureParent } from './render.ts';

/** One task as the Profiler saw it. */
export interface TaskRecord {
  key: Key;
  /** The key's human part (`inc` for `inc-3f2a9c01`): tasks are coloured by it. */
  prefix: string;
  worker: string;
  /** ms since the epoch. */
  start: number;
  end: number;
}

/** One compute the Profiler watched. */
export interface ProfiledRun {
  scheduler: string;
  /** ms since the epoch, when the compute started and ended (end is NaN while it runs). */
  start: number;
  end: number;
  tasks: number;
}

/** The wall clock workers use: ms since the epoch with sub-ms precision. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

/**
 * Record every task of the computes it watches.
 * @example
 * const prof = new Profiler();
 * await x.compute({ callbacks: [prof] });
 * prof.results.length;                              // one record per task
 * await visualizeProfile([prof], { filename: 'profile.html' });
 * await prof.toChromeTrace('trace.json');           // open in Perfetto or chrome://tracing
 */
export class Profiler extends BaseCallback {
  results: TaskRecord[] = [];
  runs: ProfiledRun[] = [];

  override start(info: StartInfo): void {
    this.runs.push({ scheduler: info.scheduler, start: wallClock(), end: Number.NaN, tasks: info.tasks });
  }

  override posttask(key: Key, info: TaskInfo): void {
    this.results.push({ key, prefix: keyPrefix(key), worker: info.worker, start: info.start, end: info.end });
  }

  override finish(_stats: RunStats): void {
    const run = this.runs.at(-1);
    if (run) run.end = wallClock();
  }

  /** Forget everything recorded so far. @example prof.clear(); prof.results.length  // 0 */
  clear(): void {
    this.results = [];
    this.runs = [];
  }

  /**
   * The workers that ran tasks, in a stable order (main, then threads/processes by number).
   * @example prof.workers()   // ['thread-1', 'thread-2']
   */
  workers(): string[] {
    return sortWorkers(new Set(this.results.map((r) => r.worker)));
  }

  /**
   * The Chrome trace event format (Perfetto, chrome://tracing): one complete ('X') event per task,
   * a pid per process and a tid per worker thread. Writes `path` when given.
   * @example
   * await prof.toChromeTrace('trace.json');
   */
  async toChromeTrace(path?: string): Promise<ChromeTrace> {
    const trace = toChromeTrace(this.results);
    if (path !== undefined) {
      await ensureParent(path);
      await writeFile(path, JSON.stringify(trace));
    }
    return trace;
  }
}

/** 'main' first, then threads, then processes, each by number ('thread-2' before 'thread-10'). */
export function sortWorkers(names: Iterable<string>): string[] {
  const rank = (w: string) => (w === 'main' ? 0 : w.startsWith('thread-') ? 1 : w.startsWith('process-') ? 2 : 3);
  const num = (w: string) => Number(/-(\d+)/.exec(w)?.[1] ?? -1);
  return [...names].sort((a, b) => rank(a) - rank(b) || num(a) - num(b) || a.localeCompare(b));
}
