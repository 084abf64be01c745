/**
 * bag-sleep: 32 items in 32 partitions, each `f` sleeps 50 ms then returns x², on 2 worker
 * processes. Ideal: 32 × 50 ms / 2 = 0.8 s; Dask 1.15 s; target <= 0.85 s.
 */
import { bag } from '../../src/index.ts';
import type { Workload } from './types.ts';

export const bagSleep: Workload = {
  schedulers: ['processes'],
  async run({ scheduler }) {
    const squares = await bag
      .fromSequence(Array.from({ length: 32 }, (_, i) => i), { npartitions: 32 })
      .map((x) => {
        // A blocking 50 ms sleep, as Python's time.sleep in Dask's version.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        return x * x;
      })
      .compute({ scheduler, numWorkers: 2 });
    const sum = squares.reduce((a, x) => a + x, 0);
    if (sum !== 10416) throw new Error(`bag-sleep: expected 10416, got ${sum}`);
    return { checksum: sum };
  },
  fields: (wall) => ({ ideal_s: 0.8, efficiency: +(0.8 / wall).toFixed(3) }),
};
