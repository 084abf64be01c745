/**
 * The benchmark runner for every workload of every issue:
 *   npm run bench -- <workload> [--scheduler S] [--runs N] [--data DIR] [--out FILE]
 * Prints one JSON line per result (workload, scheduler, runs, wall_s_median, wall_s_min,
 * result_checksum, peak_rss_mb, start-up seconds, plus workload fields). Pools are started before
 * timing; every timed run rebuilds and recomputes its graph (nothing cached).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { shutdown, warmup } from '../src/index.ts';
import { activePools } from '../src/schedulers/index.ts';
import { workloads } from './workloads/index.ts';
import { median } from './stats.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    scheduler: { type: 'string', multiple: true },
    runs: { type: 'string', default: '7' },
    data: { type: 'string', default: 'datasets' },
    out: { type: 'string' },
  },
});

const names = positionals.length ? positionals : Object.keys(workloads);
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${values.runs}`);

/** Sum of the worker processes' peak RSS (Linux: VmHWM from /proc), in MB. */
function workerPeakRssMb(): number | undefined {
  let kb = 0;
  for (const pool of activePools()) {
    if (pool.kind !== 'processes') continue;
    for (const w of pool.workers) {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${w.channel.pid}/status`, 'utf8'));
        if (m) kb += Number(m[1]);
      } catch {
        return undefined;
      }
    }
  }
  return +(kb / 1024).toFixed(1);
}

for (const name of names) {
  const w = workloads[name];
  if (!w) throw new Error(`unknown workload ${JSON.stringify(name)}; known: ${Object.keys(workloads).join(', ')}`);
  const schedulers = values.scheduler ?? w.schedulers;
  for (const scheduler of schedulers) {
    for (const variant of w.variants ?? [{}]) {
      let startup = 0;
      if ((scheduler === 'threads' || scheduler === 'processes') && !w.ownProcesses) {
        await shutdown(); // a fresh pool per line, so every line reports its start-up
        const t = performance.now();
        await warmup({ scheduler });
        startup = (performance.now() - t) / 1000;
      }
      await w.run({ scheduler, dataDir: values.data!, ...variant }); // warm-up run, not timed
      const times: number[] = [];
      let result: Record<string, unknown> = {};
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        result = await w.run({ scheduler, dataDir: values.data!, ...variant });
        times.push((performance.now() - t0) / 1000);
      }
      const wall = median(times);
      const line = {
        workload: name,
        scheduler,
        ...variant,
        runs,
        wall_s_median: +wall.toFixed(6),
        wall_s_min: +Math.min(...times).toFixed(6),
        startup_s: +startup.toFixed(3),
        peak_rss_mb: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
        ...(scheduler === 'processes' ? { worker_peak_rss_mb: workerPeakRssMb() } : {}),
        ...w.fields?.(wall, result),
        result_checksum: result.checksum,
      };
      const text = JSON.stringify(line);
      console.log(text);
      if (values.out) appendFileSync(values.out, `${text}\n`);
    }
  }
  await w.teardown?.();
}
await shutdown();
