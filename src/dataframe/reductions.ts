/**
 * Whole-column reductions as chunk / combine / finalize triples (Dask's `reduction` with a tree
 * of `splitEvery`-wide combines): each partition's column becomes a small state, states merge
 * pairwise-associatively up the tree, and the last one becomes the result. States are plain data.
 */
import type { Column } from '../io/csv-columns.ts';
import { cell } from './part.ts';

/** Moments of a numeric column: count, sum, min, max, and mean/M2 merged with Chan's formula (stable variance). */
export interface Moments {
  n: number;
  sum: number;
  mean: number;
  m2: number;
  min: number | string | null;
  max: number | string | null;
}

export function momentsOf(col: Column, length: number): Moments {
  if (col.dtype === 'string') {
    let n = 0;
    let min: string | null = null;
    let max: string | null = null;
    // Compare through the dictionary: only codes that occur count.
    const used = new Uint8Array(col.dict!.length);
    for (let i = 0; i < length; i++) {
      if (col.valid && !col.valid[i]) continue;
      n++;
      used[col.values[i]!] = 1;
    }
    col.dict!.forEach((s, k) => {
      if (!used[k]) return;
      if (min === null || s < min) min = s;
      if (max === null || s > max) max = s;
    });
    return { n, sum: NaN, mean: NaN, m2: NaN, min, max };
  }
  const v = col.values;
  const valid = col.valid;
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < length; i++) {
    if (valid && !valid[i]) continue;
    const x = v[i]!;
    if (x !== x) continue; // NaN is missing, like pandas
    n++;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = n ? sum / n : 0;
  let m2 = 0;
  for (let i = 0; i < length; i++) {
    if (valid && !valid[i]) continue;
    const x = v[i]!;
    if (x !== x) continue;
    const d = x - mean;
    m2 += d * d;
  }
  return { n, sum, mean, m2, min: n ? min : null, max: n ? max : null };
}

export function combineMoments(a: Moments, b: Moments): Moments {
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const n = a.n + b.n;
  const d = b.mean - a.mean;
  const pick = (x: number | string | null, y: number | string | null, lt: boolean) => (x === null ? y : y === null ? x : (y < x) === lt ? y : x);
  return { n, sum: a.sum + b.sum, mean: a.mean + (d * b.n) / n, m2: a.m2 + b.m2 + (d * d * a.n * b.n) / n, min: pick(a.min, b.min, true), max: pick(a.max, b.max, false) };
}

export type MomentFn = 'sum' | 'mean' | 'min' | 'max' | 'count' | 'std' | 'var';

export function finishMoments(m: Moments, fn: MomentFn, ddof = 1): number | string | null {
  switch (fn) {
    case 'count':
      return m.n;
    case 'sum':
      return m.n ? m.sum : 0;
    case 'mean':
      return m.n ? m.sum / m.n : NaN;
    case 'min':
      return m.min ?? NaN;
    case 'max':
      return m.max ?? NaN;
    case 'var':
      return m.n - ddof > 0 ? m.m2 / (m.n - ddof) : NaN;
    case 'std':
      return m.n - ddof > 0 ? Math.sqrt(m.m2 / (m.n - ddof)) : NaN;
  }
}

/** Distinct non-null values of a column (numbers, strings or booleans). */
export function distinctOf(col: Column, length: number): Array<number | string | boolean> {
  const set = new Set<number | string | boolean>();
  if (col.dtype === 'string') {
    const used = new Uint8Array(col.dict!.length);
    for (let i = 0; i < length; i++) if (!col.valid || col.valid[i]) used[col.values[i]!] = 1;
    col.dict!.forEach((s, k) => used[k] && set.add(s));
  } else for (let i = 0; i < length; i++) {
    const x = cell(col, i);
    if (x !== null && !(typeof x === 'number' && Number.isNaN(x))) set.add(x);
  }
  return [...set];
}

export function mergeDistinct(parts: Array<Array<number | string | boolean>>): Array<number | string | boolean> {
  const set = new Set<number | string | boolean>();
  for (const p of parts) for (const x of p) set.add(x);
  return [...set];
}

/** Value → count of a column's non-null values, as two parallel arrays. */
export interface Counts {
  values: Array<number | string | boolean>;
  counts: number[];
}

export function countsOf(col: Column, length: number): Counts {
  const map = new Map<number | string | boolean, number>();
  if (col.dtype === 'string') {
    const c = new Float64Array(col.dict!.length);
    for (let i = 0; i < length; i++) if (!col.valid || col.valid[i]) c[col.values[i]!]!++;
    col.dict!.forEach((s, k) => c[k] && map.set(s, (map.get(s) ?? 0) + c[k]!));
  } else for (let i = 0; i < length; i++) {
    const x = cell(col, i);
    if (x === null || (typeof x === 'number' && Number.isNaN(x))) continue;
    map.set(x, (map.get(x) ?? 0) + 1);
  }
  return { values: [...map.keys()], counts: [...map.values()] };
}

export function mergeCounts(parts: Counts[]): Counts {
  const map = new Map<number | string | boolean, number>();
  for (const p of parts) p.values.forEach((v, i) => map.set(v, (map.get(v) ?? 0) + p.counts[i]!));
  return { values: [...map.keys()], counts: [...map.values()] };
}

/**
 * A weighted sample of sorted values for approximate quantiles: every value while a partition has
 * at most `SKETCH` of them (then quantiles are exact), else `SKETCH` evenly spaced order
 * statistics, each standing for the values around it.
 */
export interface Sketch {
  v: number[];
  w: number[];
}
const SKETCH = 1000;

function compress(pairs: Array<[number, number]>): Sketch {
  pairs.sort((a, b) => a[0] - b[0]);
  if (pairs.length <= SKETCH) return { v: pairs.map((p) => p[0]), w: pairs.map((p) => p[1]) };
  const total = pairs.reduce((s, p) => s + p[1], 0);
  const v: number[] = [];
  const w: number[] = [];
  const step = total / SKETCH;
  let acc = 0;
  let next = step / 2;
  for (const [x, wt] of pairs) {
    acc += wt;
    while (acc >= next && v.length < SKETCH) {
      v.push(x);
      w.push(step);
      next += step;
    }
  }
  return { v, w };
}

export function sketchOf(col: Column, length: number): Sketch {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < length; i++) {
    if (col.valid && !col.valid[i]) continue;
    const x = col.values[i]!;
    if (x === x) pairs.push([x, 1]);
  }
  return compress(pairs);
}

export function mergeSketches(parts: Sketch[]): Sketch {
  const pairs: Array<[number, number]> = [];
  for (const p of parts) p.v.forEach((x, i) => pairs.push([x, p.w[i]!]));
  return compress(pairs);
}

/** Quantile `q` (0..1) of a sketch, interpolating linearly between order statistics like pandas. */
export function sketchQuantile(s: Sketch, q: number): number {
  const n = s.w.reduce((a, b) => a + b, 0);
  if (n === 0) return NaN;
  // Position of the quantile among n values, 0-based (pandas' 'linear' method).
  const pos = q * (n - 1);
  let acc = 0;
  for (let i = 0; i < s.v.length; i++) {
    acc += s.w[i]!;
    if (pos < acc - 1 + 1e-9 || i === s.v.length - 1) return s.v[i]!;
    if (pos < acc) {
      const frac = pos - (acc - 1);
      return s.v[i]! + frac * ((s.v[i + 1] ?? s.v[i]!) - s.v[i]!);
    }
  }
  return s.v[s.v.length - 1]!;
}
