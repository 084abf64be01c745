/**
 * `datasets.timeseries()`: Dask's demo data set, generated lazily per partition.
 */
import { tokenize } from '../graph/tokenize.ts';
import { textToDate } from '../io/csv-convert.ts';
import { OptionError, messages } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { DataFrame } from './frame.ts';
import type { Meta } from './part.ts';
import { TIMESERIES_COLUMNS, type TimeseriesPart } from './timeseries-gen.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, S: 1000, min: 60_000, T: 60_000, h: 3_600_000, H: 3_600_000, d: 86_400_000, D: 86_400_000, W: 7 * 86_400_000 };

/**
 * Milliseconds in a pandas-style frequency: '1s', '30min', '1h', '1d', '500ms', '1W'.
 * @example
 * parseFreq('1d'); // 86400000
 */
export function parseFreq(freq: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)?\s*(ms|min|s|S|T|h|H|d|D|W)$/.exec(freq);
  if (!m) throw new OptionError(messages.badOption(option, freq, "a frequency such as '1s', '30min', '1h', '1d'"));
  const ms = (m[1] ? Number(m[1]) : 1) * UNITS[m[2]!]!;
  if (!(ms > 0)) throw new OptionError(messages.badOption(option, freq, 'a positive frequency'));
  return ms;
}

function instant(x: string | Date, option: string): number {
  const t = x instanceof Date ? x.getTime() : textToDate(x);
  if (t === undefined || Number.isNaN(t)) throw new OptionError(messages.badOption(option, x, 'a date such as 2000-01-01'));
  return t;
}

export interface TimeseriesOptions {
  /** First timestamp (default '2000-01-01'). */
  start?: string | Date;
  /** End, exclusive (default '2000-01-31'). */
  end?: string | Date;
  /** Time between rows (default '1s'). */
  freq?: string;
  /** Time covered by one partition (default '1d'). */
  partitionFreq?: string;
  /** Seed of the random columns (default 0). */
  seed?: number;
}
const TIMESERIES_KEYS = optionKeys<TimeseriesOptions>({ start: true, end: true, freq: true, partitionFreq: true, seed: true });

/**
 * A random time series with Dask's columns: timestamp, id (≈ Poisson(1000)), name (26 first
 * names), x and y (uniform in [-1, 1)). Generated inside the tasks, one partition per
 * `partitionFreq`; the same seed gives the same data whatever the scheduler.
 * @example
 * const df = datasets.timeseries({ start: '2000-01-01', end: '2000-01-08' });
 * await df.groupby('name').col('x').mean().compute();
 */
export function timeseries(opts: TimeseriesOptions = {}): DataFrame {
  checkOptions('datasets.timeseries', opts, TIMESERIES_KEYS);
  const start = instant(opts.start ?? '2000-01-01', 'start');
  const end = instant(opts.end ?? '2000-01-31', 'end');
  if (!(end > start)) throw new OptionError(messages.badOption('end', opts.end, 'a date after start'));
  const freqMs = parseFreq(opts.freq ?? '1s', 'freq');
  const partMs = parseFreq(opts.partitionFreq ?? '1d', 'partitionFreq');
  const seed = opts.seed ?? 0;
  const args: TimeseriesPart[] = [];
  for (let t = start, index = 0; t < end; t += partMs, index++) {
    const stop = Math.min(t + partMs, end);
    const first = Math.ceil((t - start) / freqMs);
    const last = Math.ceil((stop - start) / freqMs);
    args.push({ start: start + first * freqMs, rows: last - first, freqMs, seed, index });
  }
  const meta: Meta = { names: TIMESERIES_COLUMNS.slice(), dtypes: ['date', 'int32', 'string', 'float64', 'float64'] };
  return new DataFrame({ kind: 'gen', gen: 'timeseries', args, meta, token: tokenize('timeseries', args) }, []);
}

export const datasets = { timeseries };
