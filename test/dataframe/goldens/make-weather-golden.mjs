// Writes weather.json: reference results over datasets/weather.csv computed by plain sequential JS
// (no shoal), so the stored goldens are independent of the code under test.
// Run: node test/dataframe/goldens/make-weather-golden.mjs
import { readFileSync, writeFileSync } from 'node:fs';
const text = readFileSync(new URL('../../../datasets/weather.csv', import.meta.url), 'utf8');
const [head, ...lines] = text.trim().split('\n');
const names = head.split(',');
const recs = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], i >= 2 && i <= 5 ? Number(v) : v])));
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const mean = (xs) => sum(xs) / xs.length;
const std = (xs) => Math.sqrt(sum(xs.map((x) => (x - mean(xs)) ** 2)) / (xs.length - 1));
const groups = (key) => {
  const m = new Map();
  for (const r of recs) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
};
const counts = groups((r) => r.weather).map(([weather, rs]) => ({ weather, count: rs.length })).sort((a, b) => b.count - a.count || (a.weather < b.weather ? -1 : 1));
const golden = {
  rows: recs.length,
  columns: names,
  meanTempMax: mean(recs.map((r) => r.temp_max)),
  sumPrecipitation: sum(recs.map((r) => r.precipitation)),
  stdWind: std(recs.map((r) => r.wind)),
  minTempMin: Math.min(...recs.map((r) => r.temp_min)),
  maxTempMax: Math.max(...recs.map((r) => r.temp_max)),
  valueCounts: counts,
  byLocationWeather: groups((r) => `${r.location}|${r.weather}`).map(([k, rs]) => ({
    location: k.split('|')[0], weather: k.split('|')[1], size: rs.length, temp_max: mean(rs.map((r) => r.temp_max)), wind: Math.max(...rs.map((r) => r.wind)),
  })),
  precipitationByYear: groups((r) => `${r.location}|${r.date.slice(0, 4)}`).map(([k, rs]) => ({ location: k.split('|')[0], year: Number(k.split('|')[1]), precipitation: sum(rs.map((r) => r.precipitation)) })),
  heavyRainDays: recs.filter((r) => r.weather === 'rain' && r.precipitation > 10).length,
};
writeFileSync(new URL('./weather.json', import.meta.url), JSON.stringify(golden, null, 1) + '\n');
