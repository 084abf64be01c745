/**
 * callback-overhead: what watching a compute costs per task. The task-overhead graph (10,001 tiny
 * tasks, unfused) computed with no callback, a ProgressBar (writing to a discarded stream), a
 * Profiler, and a Profiler + CacheProfiler (which asks workers to size every result).
 */
import { CacheProfiler, ProgressBar, Profiler, type Callback } from '../../src/index.ts';
import { buildChains, TASKS } from './task-overhead.ts';
import type { Workload } from './types.ts';

const sink = { write: () => true, isTTY: false };
const make: Record<string, () => Callback[]> = {
  none: () => [],
  progress: () => [new ProgressBar({ out: sink })],
  profiler: () => [new Profiler()],
  'profiler+cache': () => [new Profiler(), new CacheProfiler()],
};

export const callbackOverhead: Workload = {
  schedulers: ['sync', 'threads', 'processes'],
  variants: Object.keys(make).map((callbacks) => ({ callbacks })),
  async run({ scheduler, callbacks }) {
    const value = await buildChains().compute({ scheduler, fuse: false, callbacks: make[callbacks as string]!() });
    if (value !== 14950) throw new Error(`callback-overhead: expected 14950, got ${value}`);
    return { checksum: value };
  },
  fields: (wall) => ({ tasks: TASKS, us_per_task: +((wall * 1e6) / TASKS).toFixed(2) }),
};
