/**
 * The HyTEST-style workload from the issue: 5,000 station ids, each mapped to a statistics record
 * by a module function, grouped by region with foldBy (a tree reduction), equal to the sequential
 * result on every scheduler.
 */
import { afterAll, expect, test } from 'vitest';
import { bag, moduleFunction, shutdown } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';
import * as fx from './fixtures/stations.ts';

afterAll(() => shutdown());

const url = new URL('./fixtures/stations.ts', import.meta.url);
const stationStats = moduleFunction<typeof fx.stationStats>(url, 'stationStats');
const addStation = moduleFunction<typeof fx.addStation>(url, 'addStation');
const mergeSummaries = moduleFunction<typeof fx.mergeSummaries>(url, 'mergeSummaries');

const ids = Array.from({ length: 5000 }, (_, i) => `USGS-${String(1000000 + i * 37)}`);

function sequential(): Map<string, fx.RegionSummary> {
  const out = new Map<string, fx.RegionSummary>();
  for (const id of ids) {
    const s = fx.stationStats(id);
    out.set(s.region, fx.addStation(out.get(s.region) ?? fx.emptySummary(), s));
  }
  return out;
}

test.each(SCHEDULERS)('5,000 stations -> stats records -> foldBy region equals the sequential result (%s)', async (scheduler) => {
  await Promise.all([stationStats.ready, addStation.ready, mergeSummaries.ready]);
  const want = sequential();
  const summaries = bag
    .fromSequence(ids, { npartitions: 20 })
    .map(stationStats)
    .foldBy('region', addStation, fx.emptySummary(), mergeSummaries, undefined, { splitEvery: 4 });
  const got = new Map(await summaries.compute({ scheduler }));
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [region, w] of want) {
    const g = got.get(region)!;
    expect(g.stations).toBe(w.stations);
    expect(g.days).toBe(w.days);
    expect(g.wetDays).toBe(w.wetDays);
    expect(g.min).toBe(w.min);
    expect(g.max).toBe(w.max);
    expect(g.meanOfMeans).toBeCloseTo(w.meanOfMeans, 9);
  }
  expect([...got.values()].reduce((a, s) => a + s.stations, 0)).toBe(5000);
});
