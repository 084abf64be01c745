/**
 * array-meanstd: `random.normal` of 1e8 elements in chunks of 1e7, `compute(x.mean(), x.std())`.
 * Timed: building and computing (generation included). Dask (issue 4): 1.4 s threads, 2.6 s sync.
 */
import { array, compute } from '../../src/index.ts';
import type { Workload } from './types.ts';
import { cpuFields, cpuTimer } from './array-cpu.ts';

export const arrayMeanStd: Workload = {
  schedulers: ['threads', 'sync'],
  fields: cpuFields,
  async run({ scheduler }) {
    const cpu = cpuTimer();
    const x = array.random.normal({ shape: [1e8], chunks: [1e7], seed: 42 });
    const [m, s] = (await compute(x.mean(), x.std(), { scheduler })) as [number, number];
    if (Math.abs(m) > 1e-3 || Math.abs(s - 1) > 1e-3) throw new Error(`array-meanstd: mean ${m}, std ${s}`);
    return { checksum: +m.toFixed(6) + +s.toFixed(6), cpu_s: cpu() };
  },
};
