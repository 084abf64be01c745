/**
 * array-bandwidth: the sum of an existing 1e8-element float64 array (800 MB) already in shared
 * memory, chunks of 1e7, 2 threads; reported as GB/s next to a plain single-threaded loop over the
 * same buffer (the same 4-accumulator loop the sum kernel uses). Target: >= 80% of 2x that loop.
 */
import { array } from '../../src/index.ts';
import type { Workload } from './types.ts';
import { cpuFields, cpuTimer } from './array-cpu.ts';

const N = 1e8;
let data: Float64Array | undefined;
let loopGBs = 0;

function source(): Float64Array {
  if (data) return data;
  data = new Float64Array(new SharedArrayBuffer(N * 8));
  for (let i = 0; i < N; i++) data[i] = (i % 1000) * 0.5;
  // The single-threaded reference: median of 5 plain loops.
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    let a = 0, b = 0, c = 0, d = 0;
    for (let i = 0; i < N; i += 4) {
      a += data[i]!;
      b += data[i + 1]!;
      c += data[i + 2]!;
      d += data[i + 3]!;
    }
    times.push((performance.now() - t) / 1000);
    if (a + b + c + d !== expected()) throw new Error('array-bandwidth: loop checksum');
  }
  times.sort((p, q) => p - q);
  loopGBs = (N * 8) / times[2]! / 1e9;
  return data;
}

const expected = () => (N / 1000) * ((999 * 1000) / 2) * 0.5;

export const arrayBandwidth: Workload = {
  schedulers: ['threads'],
  async run({ scheduler }) {
    const cpu = cpuTimer();
    const src = source();
    // Blocks are views of the shared buffer; the name skips hashing 800 MB.
    const x = array.fromArray(src, { chunks: [1e7], name: 'bandwidth-source' });
    const s = (await x.sum().compute({ scheduler, numWorkers: 2 })) as number;
    if (s !== expected()) throw new Error(`array-bandwidth: sum ${s}, expected ${expected()}`);
    return { checksum: s, cpu_s: cpu() };
  },
  fields: (wall) => {
    const gbs = (N * 8) / wall / 1e9;
    return { ...cpuFields(wall), gb_per_s: +gbs.toFixed(2), single_loop_gb_per_s: +loopGBs.toFixed(2), ratio_to_2x_loop: +(gbs / (2 * loopGBs)).toFixed(2) };
  },
};
