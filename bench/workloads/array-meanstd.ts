/**
 * array-meanstd: `random.normal` of 1e8 elements in chunks of 1e7, `compute(x.mean(), x.std())`.
 * Timed: building and computing (generation included). Dask (issue 4): 1.4 s threads, 2.6 s sync.
 *
 * array-meanstd-ratio: the same compute on sync and on threads back to back in every run (which
 * goes first alternates), reporting the median of the per-run ratios sync / threads. This
 * machine's speed drifts by tens of percent over a minute, so two lines measured a minute apart
 * say less about the ratio than pairs measured a second apart.
 */
import { array, compute } from '../../src/index.ts';
import { median } from '../stats.ts';
import type { Workload } from './types.ts';
import { cpuFields, cpuTimer } from './array-cpu.ts';

async function meanStd(scheduler: string): Promise<number> {
  const x = array.random.normal({ shape: [1e8], chunks: [1e7], seed: 42 });
  const [m, s] = (await compute(x.mean(), x.std(), { scheduler })) as [number, number];
  if (Math.abs(m) > 1e-3 || Math.abs(s - 1) > 1e-3) throw new Error(`array-meanstd: mean ${m}, std ${s}`);
  return +m.toFixed(6) + +s.toFixed(6);
}

export const arrayMeanStd: Workload = {
  schedulers: ['threads', 'sync'],
  fields: cpuFields,
  async run({ scheduler }) {
    const cpu = cpuTimer();
    return { checksum: await meanStd(scheduler), cpu_s: cpu() };
  },
};

/** [sync seconds, threads seconds] of each run of the ratio line (the first is the runner's warm-up). */
const pairs: [number, number][] = [];

async function timed(scheduler: string): Promise<[number, number]> {
  const t = performance.now();
  const checksum = await meanStd(scheduler);
  return [(performance.now() - t) / 1000, checksum];
}

export const arrayMeanStdRatio: Workload = {
  schedulers: ['threads'],
  async run() {
    let s: [number, number], t: [number, number];
    if (pairs.length % 2 === 0) {
      s = await timed('sync');
      t = await timed('threads');
    } else {
      t = await timed('threads');
      s = await timed('sync');
    }
    if (s[1] !== t[1]) throw new Error(`array-meanstd-ratio: sync gave ${s[1]}, threads ${t[1]}`);
    pairs.push([s[0], t[0]]);
    return { checksum: t[1] };
  },
  fields() {
    const runs = pairs.slice(1);
    pairs.length = 0;
    const ratios = runs.map(([s, t]) => s / t);
    return {
      sync_s_median: +median(runs.map((p) => p[0])).toFixed(4),
      threads_s_median: +median(runs.map((p) => p[1])).toFixed(4),
      ratio_median: +median(ratios).toFixed(3),
      ratio_min: +Math.min(...ratios).toFixed(3),
      ratio_max: +Math.max(...ratios).toFixed(3),
    };
  },
};
