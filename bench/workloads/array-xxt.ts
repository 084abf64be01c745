/**
 * array-xxt-sum: `random.uniform` 10,000 x 10,000 in 1,000 x 1,000 chunks, `x.add(x.T).sum()`.
 * array-sum-axis0: the same array `.sum({ axis: 0 })`. Dask (issue 4): 0.74 s and 0.37 s.
 */
import { array } from '../../src/index.ts';
import type { Workload } from './types.ts';
import { cpuFields, cpuTimer } from './array-cpu.ts';

const make = () => array.random.uniform({ shape: [10_000, 10_000], chunks: [1_000, 1_000], seed: 1 });

export const arrayXxtSum: Workload = {
  schedulers: ['threads', 'sync'],
  fields: cpuFields,
  async run({ scheduler }) {
    const cpu = cpuTimer();
    const x = make();
    const s = (await x.add(x.T).sum().compute({ scheduler })) as number;
    if (Math.abs(s / 1e8 - 1) > 1e-3) throw new Error(`array-xxt-sum: ${s}`);
    return { checksum: Math.round(s), cpu_s: cpu() };
  },
};

export const arraySumAxis0: Workload = {
  schedulers: ['threads', 'sync'],
  fields: cpuFields,
  async run({ scheduler }) {
    const cpu = cpuTimer();
    const r = (await make().sum({ axis: 0 }).compute({ scheduler })) as { data: Float64Array };
    let t = 0;
    for (const v of r.data) t += v;
    if (r.data.length !== 10_000 || Math.abs(t / 5e7 - 1) > 1e-3) throw new Error(`array-sum-axis0: ${t}`);
    return { checksum: Math.round(t), cpu_s: cpu() };
  },
};
