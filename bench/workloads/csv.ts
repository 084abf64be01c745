/**
 * The DataFrame CSV workloads over the `npm run bench:data` files (8 × 1,000,000 rows):
 * - csv-groupby-sum: readCsv(glob).groupby('name').col('x').sum()
 * - csv-groupby-agg: readCsv(glob).groupby('name').agg({ x: 'mean', y: 'max' })
 * - csv-filter-mean: df.filter(df.col('x').gt(0)).col('y').mean()
 * Each timed run builds the DataFrame (glob, stat, schema sample) and computes it. Reported:
 * `mb` read, `parse_mb_s` over the whole run, `parse_mb_s_per_thread` (divided by workers),
 * `cpu_s_median` (CPU seconds per timed run, all threads together) and `mb_per_cpu_s` from it.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Table } from 'apache-arrow';
import { readCsv } from '../../src/index.ts';
import type { RunContext, Workload } from './types.ts';
import { median } from '../stats.ts';

const DIR = fileURLToPath(new URL('../data/timeseries/', import.meta.url));
const GLOB = `${DIR}part-*.csv`;

function bytes(): number {
  let total = 0;
  for (let i = 0; existsSync(`${DIR}part-${i}.csv`); i++) total += statSync(`${DIR}part-${i}.csv`).size;
  if (total === 0) throw new Error(`no benchmark data in ${DIR}: run \`npm run bench:data\` first`);
  return total;
}

function checksumOf(t: Table): number {
  let s = 0;
  for (const f of t.schema.fields.slice(1)) for (const v of t.getChild(f.name)!.toArray() as Float64Array) s += v;
  return +s.toFixed(6);
}

function workload(run: (ctx: RunContext) => Promise<number>): Workload {
  // CPU seconds of every run since the last report (the first is the runner's untimed warm-up).
  let cpuRuns: number[] = [];
  return {
    schedulers: ['threads', 'sync'],
    async run(ctx) {
      const b = bytes();
      const cpu0 = process.cpuUsage();
      const checksum = await run(ctx);
      const cpu = process.cpuUsage(cpu0);
      cpuRuns.push((cpu.user + cpu.system) / 1e6);
      return { checksum, bytes: b, scheduler: ctx.scheduler, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    },
    fields(wall, result) {
      const mb = (result.bytes as number) / 1e6;
      const threads = result.scheduler === 'sync' ? 1 : availableParallelism();
      const cpu = median(cpuRuns.length > 1 ? cpuRuns.slice(1) : cpuRuns);
      cpuRuns = [];
      // CPU seconds of the whole process (all threads) per run, and MB per CPU-second: what one
      // thread parses when it has a core to itself; less sensitive than wall time to other load.
      return { mb: +mb.toFixed(1), parse_mb_s: +(mb / wall).toFixed(1), parse_mb_s_per_thread: +(mb / wall / threads).toFixed(1), cpu_s_median: +cpu.toFixed(3), cpu_s_last: +(result.cpuSeconds as number).toFixed(3), mb_per_cpu_s: +(mb / cpu).toFixed(1) };
    },
  };
}

export const csvGroupbySum = workload(async ({ scheduler }) => checksumOf(await readCsv(GLOB).groupby('name').col('x').sum().compute({ scheduler: scheduler as 'threads' })));
export const csvGroupbyAgg = workload(async ({ scheduler }) => checksumOf(await readCsv(GLOB).groupby('name').agg({ x: 'mean', y: 'max' }).compute({ scheduler: scheduler as 'threads' })));
export const csvFilterMean = workload(async ({ scheduler }) => {
  const df = readCsv(GLOB);
  return +(await df.filter(df.col('x').gt(0)).col('y').mean().compute({ scheduler: scheduler as 'threads' })).toFixed(9);
});
