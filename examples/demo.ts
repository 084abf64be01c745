/**
 * The demo: `npm install && npm run demo`.
 * Summarises the bundled weather data (datasets/weather.csv, 2,922 days in Seattle and New York)
 * with `delayed`: one task per chunk of lines, a tree of merges, and a final table, run on the
 * sync, threads and processes schedulers; then the same data through the collections (a DataFrame
 * group-by on threads, a Bag of lines on processes, an Array on threads), the task-overhead
 * workload, and the graph drawn to demo-graph.svg.
 */
import { readFileSync } from 'node:fs';
import { buildChains } from '../bench/workloads/task-overhead.ts';
import { array, bag, compute, delayed, display, readCsv, shutdown, visualize, warmup, type Delayed } from '../src/index.ts';

type Summary = Record<string, { days: number; tmax: number; wet: number }>;

/** Per (location, year): days, sum of daily maxima, days with precipitation. Runs in a worker. */
function summarize(lines: string[]): Summary {
  const out: Summary = {};
  for (const line of lines) {
    const [location, date, precipitation, tempMax] = line.split(',');
    const k = `${location} ${date!.slice(0, 4)}`;
    const s = (out[k] ??= { days: 0, tmax: 0, wet: 0 });
    s.days += 1;
    s.tmax += Number(tempMax);
    if (Number(precipitation) > 0) s.wet += 1;
  }
  return out;
}

function merge(a: Summary, b: Summary): Summary {
  const out: Summary = structuredClone(a);
  for (const [k, s] of Object.entries(b)) {
    const t = (out[k] ??= { days: 0, tmax: 0, wet: 0 });
    t.days += s.days;
    t.tmax += s.tmax;
    t.wet += s.wet;
  }
  return out;
}

const text = readFileSync(new URL('../datasets/weather.csv', import.meta.url), 'utf8');
const rows = text.trim().split('\n').slice(1);
const CHUNKS = 8;
const size = Math.ceil(rows.length / CHUNKS);
const parts = Array.from({ length: CHUNKS }, (_, i) => delayed(summarize)(rows.slice(i * size, (i + 1) * size)));
// A binary tree of merges, like Dask's tree reductions.
let level: Delayed<Summary>[] = parts;
while (level.length > 1) {
  const next: Delayed<Summary>[] = [];
  for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? delayed(merge)(level[i]!, level[i + 1]!) : level[i]!);
  level = next;
}
const total = level[0]!;

console.log(`shoal demo: ${rows.length} days of weather in ${CHUNKS} chunks -> ${CHUNKS} summarize + ${CHUNKS - 1} merge tasks\n`);
let first: Summary | undefined;
for (const scheduler of ['sync', 'threads', 'processes'] as const) {
  if (scheduler !== 'sync') await warmup({ scheduler });
  const t0 = performance.now();
  const [result] = await compute(total, { scheduler });
  const ms = performance.now() - t0;
  first ??= result;
  const same = JSON.stringify(result) === JSON.stringify(first);
  console.log(`  ${scheduler.padEnd(9)} ${ms.toFixed(1).padStart(7)} ms   ${same ? 'same result' : 'DIFFERENT RESULT'}`);
}

console.log('\n  location        year   days   mean max °C   wet days');
for (const [k, s] of Object.entries(first!).sort()) {
  const [loc, year] = [k.slice(0, -5), k.slice(-4)];
  console.log(`  ${loc.padEnd(14)} ${year}   ${String(s.days).padStart(4)}   ${(s.tmax / s.days).toFixed(1).padStart(11)}   ${String(s.wet).padStart(8)}`);
}

// The same data through the collections.
const weather = new URL('../datasets/weather.csv', import.meta.url).pathname;
console.log('\n  DataFrame (threads): readCsv → groupby(location, year) → agg');
const df = readCsv(weather, { parseDates: ['date'], blocksize: '32kB' });
const byYear = df
  .assign({ year: df.col('date').dt.year() })
  .groupby(['location', 'year'])
  .agg({ temp_max: ['count', 'mean'], precipitation: 'sum' });
console.log(`  ${String(df)}`);
display(await byYear.compute());

console.log('\n  Bag (processes): readText → the weather column → frequencies');
const kinds = bag
  .readText(weather, { blocksize: '32kB' })
  .filter((line) => !line.startsWith('location,'))
  .map((line) => line.split(',')[6])
  .frequencies(true);
console.log(`  ${JSON.stringify(await kinds.compute())}`);

console.log('\n  Array (threads): 10 million normals in 10 chunks, mean and std in one pass');
const x = array.random.normal({ shape: [10_000_000], chunks: [1_000_000], seed: 42 });
const [m, sd] = await compute(x.mean(), x.std());
console.log(`  ${String(x)}  mean ${Number(m).toFixed(5)}  std ${Number(sd).toFixed(5)}`);

// Task overhead: 100 chains of 100 tiny tasks + a sum (10,001 tasks), built and computed.
console.log('\n  10,001 tiny tasks (build + compute, unfused):');
for (const scheduler of ['sync', 'threads', 'processes'] as const) {
  const times: number[] = [];
  let value = 0;
  for (let r = -1; r < 7; r++) {
    // r = -1 warms up (JIT, worker caches) and is not counted.
    const t0 = performance.now();
    value = await buildChains().compute({ scheduler, fuse: false });
    if (r >= 0) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`  ${scheduler.padEnd(9)} result ${value}   ${((times[3]! * 1000) / 10001).toFixed(1).padStart(5)} µs/task (median of 7)`);
}

await visualize(total, { filename: 'demo-graph.svg' });
console.log('\n  task graph written to demo-graph.svg');
await shutdown();
