/**
 * The bundled real data set (datasets/weather.csv) against stored goldens computed by plain JS
 * (goldens/make-weather-golden.mjs), on every scheduler and with blocks small enough to cut the
 * file into many partitions.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { readCsv } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';
import { close, rows } from './helpers.ts';

const golden = JSON.parse(readFileSync(new URL('./goldens/weather.json', import.meta.url), 'utf8'));
const PATH = new URL('../../datasets/weather.csv', import.meta.url).pathname;

function expectRowsClose(got: Array<Record<string, unknown>>, want: Array<Record<string, unknown>>): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    for (const [k, v] of Object.entries(want[i]!)) {
      if (typeof v === 'number') expect(close(g[k] as number, v), `${k} row ${i}: ${g[k]} vs ${v}`).toBe(true);
      else expect(g[k]).toBe(v);
    }
  });
}

describe.each([
  ['sync', null],
  ['sync', 4096],
  ['threads', 16384],
  ['processes', 32768],
] as const)('weather.csv on %s, blocksize %s', (scheduler, blocksize) => {
  const df = readCsv(PATH, { blocksize, parseDates: ['date'] });
  test('goldens', async () => {
    expect(SCHEDULERS).toContain(scheduler);
    if (blocksize) expect(df.npartitions).toBeGreaterThan(3);
    expect(df.columns).toEqual(golden.columns);
    expect(df.dtypeOf).toEqual({ location: 'string', date: 'date', precipitation: 'float64', temp_max: 'float64', temp_min: 'float64', wind: 'float64', weather: 'string' });
    expect(await df.length().compute({ scheduler })).toBe(golden.rows);
    expect(close(await df.col('temp_max').mean().compute({ scheduler }), golden.meanTempMax)).toBe(true);
    expect(close(await df.col('precipitation').sum().compute({ scheduler }), golden.sumPrecipitation)).toBe(true);
    expect(close(await df.col('wind').std().compute({ scheduler }), golden.stdWind)).toBe(true);
    expect(await df.col('temp_min').min().compute({ scheduler })).toBe(golden.minTempMin);
    expect(await df.col('temp_max').max().compute({ scheduler })).toBe(golden.maxTempMax);
    expect(rows(await df.col('weather').valueCounts().compute({ scheduler }))).toEqual(golden.valueCounts);
    const byLW = df.groupby(['location', 'weather']).agg({ temp_max: 'mean', wind: 'max' });
    const size = rows(await df.groupby(['location', 'weather']).size().compute({ scheduler }));
    expectRowsClose(rows(await byLW.compute({ scheduler })).map((r, i) => ({ ...r, size: size[i]!.size })), golden.byLocationWeather);
    const withYear = df.assign({ year: df.col('date').dt.year() });
    expectRowsClose(rows(await withYear.groupby(['location', 'year']).agg({ precipitation: 'sum' }).compute({ scheduler })), golden.precipitationByYear);
    expect(await df.filter(df.col('weather').eq('rain').and(df.col('precipitation').gt(10))).length().compute({ scheduler })).toBe(golden.heavyRainDays);
  });
});
