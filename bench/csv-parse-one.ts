/**
 * Single-thread parse time of one benchmark file, per set of kept columns: CPU ms (median of
 * interleaved runs), and MB per CPU-second. `tsx bench/csv-parse-one.ts name,x [runs] [baselineDir]`
 * (`-` keeps no column): with a
 * baseline directory (a copy of src/io/csv-read.ts and its imports), both parsers run alternately in
 * the same process so their ratio is meaningful on a loaded machine.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCsvBlock } from '../src/io/csv-read.ts';
import { inferCsvSchema } from '../src/io/csv-infer.ts';
import { splitBlocks } from '../src/io/blocks.ts';

const FILE = fileURLToPath(new URL('./data/timeseries/part-0.csv', import.meta.url));
const keepArg = process.argv[2] ?? 'name,x';
const runs = Number(process.argv[3] ?? 7);
const baseDir = process.argv[4];
const base = baseDir ? ((await import(`${baseDir}/csv-read.ts`)) as { readCsvBlock: typeof readCsvBlock }).readCsvBlock : undefined;
const schema = inferCsvSchema([FILE], { delimiter: ',', header: true, nullValues: [''], sample: 256_000, dtypes: {}, parseDates: [] });
const spec = { names: schema.names, dtypes: schema.dtypes, keep: [] as string[], delimiter: ',', nullValues: [''], header: true, onBadLines: 'error' as const };
const block = splitBlocks([FILE], null)[0]!;
const mb = statSync(FILE).size / 1e6;
// One set per process: the tokenizer's type feedback is shared by every parser of a process.
const sets = [keepArg === '-' ? [] : keepArg.split(',')];

function cpuMs(f: () => unknown): number {
  const t = process.cpuUsage();
  f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1e3;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (const keep of sets) {
  const cur: number[] = [];
  const old: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const c = cpuMs(() => readCsvBlock(block, spec, 'fast', keep));
    const o = base ? cpuMs(() => base(block, spec, 'fast', keep)) : 0;
    if (i > 0) (cur.push(c), old.push(o));
  }
  const m = median(cur);
  const line: Record<string, unknown> = { keep: keep.join(',') || '(none)', cpu_ms: +m.toFixed(1), mb_per_cpu_s: +(mb / (m / 1e3)).toFixed(0) };
  if (base) Object.assign(line, { base_cpu_ms: +median(old).toFixed(1), ratio: +(m / median(old)).toFixed(3) });
  console.log(JSON.stringify(line));
}
