/**
 * `npm run bench:data`: write the CSV benchmark input, 8 files × 1,000,000 rows of
 * `datasets.timeseries` (timestamp,id,name,x,y; ~400 MB) to bench/data/timeseries/part-*.csv.
 * x and y are written with 6 decimals (pandas' `float_format='%.6f'`), which keeps the files near
 * the ~400 MB the issue's figures were measured on. Skips files that already exist unless --force.
 */
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { datasets, shutdown } from '../src/index.ts';

export const DATA_DIR = fileURLToPath(new URL('./data/timeseries/', import.meta.url));
export const FILES = 8;
export const ROWS_PER_FILE = 1_000_000;

const force = process.argv.includes('--force');
const paths = Array.from({ length: FILES }, (_, i) => `${DATA_DIR}part-${i}.csv`);
if (!force && paths.every((p) => existsSync(p))) {
  console.log(`bench data already in ${DATA_DIR} (use --force to rewrite)`);
} else {
  const t = performance.now();
  const df = datasets.timeseries({ start: '2000-01-01', end: new Date(Date.UTC(2000, 0, 1) + FILES * ROWS_PER_FILE * 1000), freq: '1s', partitionFreq: `${ROWS_PER_FILE}s`, seed: 42 });
  await df.toCsv(`${DATA_DIR}part-*.csv`, { floatDecimals: 6 });
  const mb = paths.reduce((s, p) => s + statSync(p).size, 0) / 1e6;
  console.log(`wrote ${FILES} files × ${ROWS_PER_FILE} rows (${mb.toFixed(0)} MB) to ${DATA_DIR} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
await shutdown();
