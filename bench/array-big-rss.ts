/**
 * The memory claim for arrays: `random.normal({ shape: [2e9], chunks: [1e7] }).sum()` runs
 * in well under 2 GB of RSS (peak memory follows chunk size and workers, not array size).
 * `tsx bench/array-big-rss.ts [elements]` prints the sum, wall and CPU seconds and the peak RSS of
 * the process (worker threads included).
 */
import { array, shutdown } from '../src/index.ts';

const n = Number(process.argv[2] ?? 2e9);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const s = (await array.random.normal({ shape: [n], chunks: [1e7], seed: 1 }).sum().compute({ scheduler: 'threads' })) as number;
const cpu = process.cpuUsage(cpu0);
// The sum of n standard normals is N(0, n): beyond 6 sigma something is wrong.
if (!(Math.abs(s) < 6 * Math.sqrt(n))) throw new Error(`array-big-rss: sum ${s} of ${n} normals`);
console.log(JSON.stringify({ elements: n, sum: +s.toFixed(3), wall_s: +((performance.now() - t0) / 1e3).toFixed(2), cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(2), peak_rss_mb: +(process.resourceUsage().maxRSS / 1024).toFixed(1) }));
await shutdown();
