/**
 * The partition generator behind `datasets.timeseries()`: rows at a fixed frequency between two
 * instants, with Dask's columns (timestamp, id, name, x, y). Each column has its own seeded random
 * stream (seed, partition, column), so pruning columns never changes the values of the others.
 */
import { allocArray, type Columns } from '../io/csv-columns.ts';
import { rng } from './steps.ts';

export const NAMES = ['Alice', 'Bob', 'Charlie', 'Dan', 'Edith', 'Frank', 'George', 'Hannah', 'Ingrid', 'Jerry', 'Kevin', 'Laura', 'Michael', 'Norbert', 'Oliver', 'Patricia', 'Quinn', 'Ray', 'Sarah', 'Tim', 'Ursula', 'Victor', 'Wendy', 'Xavier', 'Yvonne', 'Zelda'];
export const TIMESERIES_COLUMNS = ['timestamp', 'id', 'name', 'x', 'y'];

/** One partition's description (plain data). */
export interface TimeseriesPart {
  start: number;
  /** Number of rows. */
  rows: number;
  freqMs: number;
  seed: number;
  index: number;
}

/**
 * Generate one partition's columns `keep`.
 * @example
 * timeseriesPart({ start: 0, rows: 3, freqMs: 1000, seed: 1, index: 0 }, ['x']).columns[0].values.length; // 3
 */
export function timeseriesPart(p: TimeseriesPart, keep: readonly string[]): Columns {
  const n = p.rows;
  const columns = keep.map((name) => {
    const r = rng((p.seed * 7919 + p.index) * 31 + TIMESERIES_COLUMNS.indexOf(name) + 1);
    switch (name) {
      case 'timestamp': {
        const v = allocArray(Float64Array, n);
        for (let i = 0; i < n; i++) v[i] = p.start + i * p.freqMs;
        return { dtype: 'date' as const, values: v };
      }
      case 'id': {
        // Poisson(1000) as in Dask, by its normal approximation (exact sampling is too slow at this mean).
        const v = allocArray(Int32Array, n);
        for (let i = 0; i < n; i++) {
          const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
          v[i] = Math.max(0, Math.round(1000 + Math.sqrt(1000) * z));
        }
        return { dtype: 'int32' as const, values: v };
      }
      case 'name': {
        const v = allocArray(Int32Array, n);
        for (let i = 0; i < n; i++) v[i] = Math.floor(r() * NAMES.length);
        return { dtype: 'string' as const, values: v, dict: NAMES.slice() };
      }
      default: {
        const v = allocArray(Float64Array, n);
        for (let i = 0; i < n; i++) v[i] = r() * 2 - 1;
        return { dtype: 'float64' as const, values: v };
      }
    }
  });
  return { names: keep.slice(), columns, length: n };
}
