/**
 * task-overhead: 100 independent chains of 100 `inc` tasks (chain c starts from c) and one final
 * sum: 10,001 tasks, result 14950. Timed: building the graph with `delayed` and computing it, as
 * Dask's figures are. Run with fusion off (every task scheduled on its own) and on.
 */
import { delayed, type Delayed } from '../../src/index.ts';
import type { Workload } from './types.ts';

const inc = (x: number) => x + 1;
const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
export const TASKS = 100 * 100 + 1;

export function buildChains(): Delayed<number> {
  const ends: Delayed<number>[] = [];
  for (let c = 0; c < 100; c++) {
    let x = delayed(inc)(c);
    for (let k = 1; k < 100; k++) x = delayed(inc)(x);
    ends.push(x);
  }
  return delayed(total)(ends);
}

export const taskOverhead: Workload = {
  schedulers: ['sync', 'threads', 'processes'],
  variants: [{ fuse: false }, { fuse: true }],
  async run({ scheduler, fuse }) {
    const value = await buildChains().compute({ scheduler, fuse: fuse as boolean });
    if (value !== 14950) throw new Error(`task-overhead: expected 14950, got ${value}`);
    return { checksum: value };
  },
  fields: (wall) => ({ tasks: TASKS, us_per_task: +((wall * 1e6) / TASKS).toFixed(2) }),
};
