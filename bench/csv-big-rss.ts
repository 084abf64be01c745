/**
 * The memory claim: a group-by over ~4 GB of CSV runs in under 1.5 GB of RSS.
 * `tsx bench/csv-big-rss.ts DIR` reads every `*.csv` in DIR (e.g. 80 symlinks to the 8 benchmark
 * files: 10 × 399 MB) with `readCsv(...).groupby('name').col('x').sum()` on threads and prints the
 * bytes read, wall and CPU seconds, and the peak RSS of the process (worker threads included).
 */
import { statSync } from 'node:fs';
import { readCsv, shutdown } from '../src/index.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: tsx bench/csv-big-rss.ts DIR');
const df = readCsv(`${dir}/*.csv`);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const out = await df.groupby('name').col('x').sum().compute({ scheduler: 'threads' });
const cpu = process.cpuUsage(cpu0);
const { globSync } = await import('tinyglobby');
const bytes = globSync(`${dir}/*.csv`).reduce((s, p) => s + statSync(p).size, 0);
console.log(JSON.stringify({ files: globSync(`${dir}/*.csv`).length, gb: +(bytes / 1e9).toFixed(2), groups: out.numRows, wall_s: +((performance.now() - t0) / 1e3).toFixed(2), cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(2), peak_rss_mb: +(process.resourceUsage().maxRSS / 1024).toFixed(1) }));
await shutdown();
