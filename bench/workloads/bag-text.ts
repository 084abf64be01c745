/**
 * bag-text: `readText` over the 8 CSV files of the timeseries data set (8 × 1,000,000 rows of
 * timestamp,id,name,x,y; ~400 MB), then `map(line => line.split(',')[2]).frequencies()`.
 * Reports MB/s; the peak RSS of the calling process plus the workers must stay below 600 MB.
 * Data: `npm run bench:data` writes bench/data/timeseries/*.csv; SHOAL_TIMESERIES_DIR overrides.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bag } from '../../src/index.ts';
import type { Workload } from './types.ts';

function dataDir(): string {
  const dir = resolve(process.env.SHOAL_TIMESERIES_DIR ?? 'bench/data/timeseries');
  if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.csv')))
    throw new Error(`bag-text: no CSV files in ${dir}; run \`npm run bench:data\` first to generate the timeseries data set`);
  return dir;
}

let bytes = 0;

export const bagText: Workload = {
  schedulers: ['sync', 'threads', 'processes'],
  async run({ scheduler }) {
    const dir = dataDir();
    bytes = readdirSync(dir).filter((f) => f.endsWith('.csv')).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    const counts = await bag
      .readText(join(dir, '*.csv'))
      .map((line) => line.split(',')[2])
      .frequencies()
      .compute({ scheduler });
    const rows = counts.reduce((s, [, c]) => s + c, 0);
    return { checksum: rows, names: counts.length };
  },
  fields: (wall) => ({ mb: +(bytes / 1e6).toFixed(1), mb_per_s: +(bytes / 1e6 / wall).toFixed(1) }),
};
