/**
 * `CacheProfiler`: bytes of results held over time (Dask's `dask.diagnostics.CacheProfiler`).
 * It asks the schedulers to estimate each result's size where it was made (`measureBytes`, the
 * engine's `sizeOf`), adds it when the task ends and takes it away when the scheduler releases
 * the result; requested outputs are held until the compute ends.
 */
import { keyPrefix } from '../graph/keys.ts';
import type { Key } from '../graph/types.ts';
import type { RunStats, StartInfo, TaskInfo } from '../schedulers/callbacks.ts';
import { BaseCallback } from './callback.ts';
import { wallClock } from './profiler.ts';

/** One result's life: made at `start`, released at `end` (ms since the epoch). */
export interface CacheRecord {
  key: Key;
  prefix: string;
  nbytes: number;
  start: number;
  end: number;
}

/** Bytes held at a moment (a step function: holds until the next point). */
export interface CachePoint {
  time: number;
  bytes: number;
}

/**
 * Track how many bytes of results the computes hold.
 * @example
 * const cprof = new CacheProfiler();
 * await x.compute({ callbacks: [prof, cprof] });
 * Math.max(...cprof.series().map((p) => p.bytes));   // peak bytes held
 */
export class CacheProfiler extends BaseCallback {
  readonly measureBytes = true;
  results: CacheRecord[] = [];
  private points: CachePoint[] = [];
  private live = new Map<Key, { nbytes: number; start: number }>();
  private held = 0;

  /** Points keep arrival order; a worker's clock slightly behind ours must not step back in time. */
  private point(time: number): void {
    const prev = this.points.at(-1);
    this.points.push({ time: prev && prev.time > time ? prev.time : time, bytes: this.held });
  }

  override start(_info: StartInfo): void {
    this.live.clear();
    this.held = 0;
    this.point(wallClock());
  }

  override posttask(key: Key, info: TaskInfo): void {
    const nbytes = info.nbytes ?? 0;
    this.live.set(key, { nbytes, start: info.end });
    this.held += nbytes;
    this.point(info.end);
  }

  override release(key: Key): void {
    const t = wallClock();
    const r = this.live.get(key);
    if (!r) return;
    this.live.delete(key);
    this.held -= r.nbytes;
    this.results.push({ key, prefix: keyPrefix(key), nbytes: r.nbytes, start: r.start, end: t });
    this.point(t);
  }

  override finish(_stats: RunStats): void {
    const t = wallClock();
    for (const [key, r] of this.live) this.results.push({ key, prefix: keyPrefix(key), nbytes: r.nbytes, start: r.start, end: t });
    this.live.clear();
    this.held = 0;
    this.point(t);
  }

  /** Bytes held over time, in time order. @example cprof.series().at(-1)  // { time, bytes: 0 } */
  series(): CachePoint[] {
    return this.points.slice();
  }

  /** Forget everything recorded so far. @example cprof.clear() */
  clear(): void {
    this.results = [];
    this.points = [];
  }
}
