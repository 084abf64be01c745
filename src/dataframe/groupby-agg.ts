/**
 * Group-by aggregation states: per partition, rows are numbered by group (string keys through their
 * dictionary codes, no per-row strings), and each aggregation keeps one small typed array per state;
 * partial results merge by key (a tree over partitions, or per hash bucket with `splitOut`), and
 * the last merge turns states into columns sorted by key.
 */
import { allocArray, emptyColumn, type Column, type Dtype } from '../io/csv-columns.ts';
import { cell, type Part } from './part.ts';

export type AggFn = 'sum' | 'mean' | 'min' | 'max' | 'count' | 'std' | 'var' | 'size' | 'first' | 'last' | 'nunique';
export const AGG_FNS: readonly AggFn[] = ['sum', 'mean', 'min', 'max', 'count', 'std', 'var', 'size', 'first', 'last', 'nunique'];

/** A user aggregation's three functions (Dask's `Aggregation`), resolved in the worker. */
export interface CustomAgg {
  chunk: (values: Array<number | string | boolean>) => unknown;
  combine: (states: unknown[]) => unknown;
  finalize: (state: unknown) => number | string | boolean | null;
}

export interface AggSpec {
  /** The input column (null for `size`). */
  col: string | null;
  fn: AggFn | 'custom';
  /** The output column's name. */
  out: string;
  /** The input column's dtype. */
  dtype: Dtype;
  custom?: CustomAgg | unknown;
}

export interface GroupSpec {
  keys: string[];
  keyDtypes: Dtype[];
  aggs: AggSpec[];
  splitOut: number;
}

type KeyValue = number | string | boolean;

/** Partial aggregates of some rows: the distinct keys and, per aggregation, its states by group. */
export interface GroupPartial {
  keys: KeyValue[][];
  n: number;
  states: unknown[][];
}

/** The dtype of an aggregation's output column. */
export function aggDtype(fn: AggFn | 'custom', input: Dtype): Dtype {
  switch (fn) {
    case 'count':
    case 'size':
    case 'nunique':
      return 'int32';
    case 'min':
    case 'max':
    case 'first':
    case 'last':
      return input;
    case 'custom':
      return 'float64';
    default:
      return 'float64';
  }
}

function keyString(keys: KeyValue[][], g: number): string {
  let s = '';
  for (const k of keys) s += typeof k[g] + ':' + String(k[g]) + '\u0001';
  return s;
}

/** Number each row by its group; rows with a null key get -1 (dropped, like pandas' dropna). */
function groupIds(part: Part, keyCols: Column[]): { gid: Int32Array; keys: KeyValue[][]; n: number } {
  const len = part.length;
  const gid = new Int32Array(len);
  const keys: KeyValue[][] = keyCols.map(() => []);
  let n = 0;
  if (keyCols.length === 1 && keyCols[0]!.dtype === 'string') {
    const col = keyCols[0]!;
    const byCode = new Int32Array(col.dict!.length).fill(-1);
    const codes = col.values;
    for (let i = 0; i < len; i++) {
      if (col.valid && !col.valid[i]) {
        gid[i] = -1;
        continue;
      }
      const c = codes[i]!;
      let g = byCode[c]!;
      if (g < 0) {
        g = byCode[c] = n++;
        keys[0]!.push(col.dict![c]!);
      }
      gid[i] = g;
    }
    return { gid, keys, n };
  }
  if (keyCols.length === 1) {
    const col = keyCols[0]!;
    const map = new Map<number, number>();
    const v = col.values;
    for (let i = 0; i < len; i++) {
      const x = v[i]!;
      if ((col.valid && !col.valid[i]) || x !== x) {
        gid[i] = -1;
        continue;
      }
      let g = map.get(x);
      if (g === undefined) {
        map.set(x, (g = n++));
        keys[0]!.push(col.dtype === 'bool' ? x === 1 : x);
      }
      gid[i] = g;
    }
    return { gid, keys, n };
  }
  const map = new Map<string, number>();
  for (let i = 0; i < len; i++) {
    let s = '';
    let isNull = false;
    const vals: KeyValue[] = [];
    for (const col of keyCols) {
      const x = cell(col, i);
      if (x === null || (typeof x === 'number' && Number.isNaN(x))) {
        isNull = true;
        break;
      }
      vals.push(x);
      s += String(x) + '\u0001';
    }
    if (isNull) {
      gid[i] = -1;
      continue;
    }
    let g = map.get(s);
    if (g === undefined) {
      map.set(s, (g = n++));
      vals.forEach((x, k) => keys[k]!.push(x));
    }
    gid[i] = g;
  }
  return { gid, keys, n };
}

/** States of one aggregation over a partition's rows, by group. */
function chunkStates(spec: AggSpec, col: Column | undefined, gid: Int32Array, n: number, len: number): unknown[] {
  const valid = col?.valid;
  const v = col?.values;
  const ok = (i: number) => gid[i]! >= 0 && (!valid || valid[i] === 1) && !(col!.dtype === 'float64' && v![i] !== v![i]);
  switch (spec.fn) {
    case 'size': {
      const c = new Float64Array(n);
      for (let i = 0; i < len; i++) if (gid[i]! >= 0) c[gid[i]!]!++;
      return [c];
    }
    case 'count':
    case 'sum':
    case 'mean': {
      const s = new Float64Array(n);
      const c = new Float64Array(n);
      if (!valid && col!.dtype !== 'string') {
        // The hot path (no null mask): NaN skipped by comparison, no per-row closure.
        for (let i = 0; i < len; i++) {
          const g = gid[i]!;
          const x = v![i]!;
          if (g >= 0 && x === x) {
            s[g]! += x;
            c[g]!++;
          }
        }
        return [s, c];
      }
      for (let i = 0; i < len; i++) {
        if (!ok(i)) continue;
        const g = gid[i]!;
        c[g]!++;
        if (spec.fn !== 'count') s[g]! += v![i]!;
      }
      return [s, c];
    }
    case 'std':
    case 'var': {
      const c = new Float64Array(n);
      const s = new Float64Array(n);
      for (let i = 0; i < len; i++) if (ok(i)) c[gid[i]!]!++, (s[gid[i]!]! += v![i]!);
      const mean = s.map((x, g) => (c[g] ? x / c[g]! : 0));
      const m2 = new Float64Array(n);
      for (let i = 0; i < len; i++) {
        if (!ok(i)) continue;
        const d = v![i]! - mean[gid[i]!]!;
        m2[gid[i]!]! += d * d;
      }
      return [c, mean, m2];
    }
    case 'min':
    case 'max':
    case 'first':
    case 'last': {
      if ((spec.fn === 'min' || spec.fn === 'max') && (col!.dtype === 'float64' || col!.dtype === 'int32' || col!.dtype === 'date')) {
        // Numbers: a typed array of running extremes (NaN = none yet), no per-row boxing.
        const ext = new Float64Array(n).fill(NaN);
        const isMin = spec.fn === 'min';
        for (let i = 0; i < len; i++) {
          const g = gid[i]!;
          const x = v![i]!;
          if (g < 0 || x !== x || (valid && !valid[i])) continue;
          const cur = ext[g]!;
          if (cur !== cur || (isMin ? x < cur : x > cur)) ext[g] = x;
        }
        return [Array.from(ext, (x) => (x !== x ? null : x))];
      }
      const out: Array<KeyValue | null> = new Array(n).fill(null);
      for (let i = 0; i < len; i++) {
        if (!ok(i)) continue;
        const g = gid[i]!;
        const x = cell(col!, i)!;
        const cur = out[g]!;
        if (cur === null || spec.fn === 'last' || (spec.fn === 'min' && x < cur) || (spec.fn === 'max' && x > cur)) {
          if (spec.fn === 'first' && cur !== null) continue;
          out[g] = x;
        }
      }
      return [out];
    }
    case 'nunique':
    case 'custom': {
      const groups: KeyValue[][] = Array.from({ length: n }, () => []);
      for (let i = 0; i < len; i++) if (ok(i)) groups[gid[i]!]!.push(cell(col!, i)!);
      if (spec.fn === 'nunique') return [groups.map((g) => [...new Set(g)])];
      const custom = spec.custom as CustomAgg;
      return [groups.map((g) => custom.chunk(g))];
    }
  }
}

function hashString(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Select groups `which` of a partial. */
function subset(p: GroupPartial, which: number[]): GroupPartial {
  const pick = (a: unknown) => (ArrayBuffer.isView(a) ? Float64Array.from(which, (g) => (a as Float64Array)[g]!) : which.map((g) => (a as unknown[])[g]));
  return { keys: p.keys.map((k) => which.map((g) => k[g]!)), n: which.length, states: p.states.map((st) => st.map(pick)) };
}

/**
 * Partial aggregates of one partition; with `splitOut > 1`, one partial per hash bucket of the key.
 * @example
 * groupChunk(part, { keys: ['name'], keyDtypes: ['string'], aggs: [{ col: 'x', fn: 'sum', out: 'x', dtype: 'float64' }], splitOut: 1 });
 */
export function groupChunk(part: Part, spec: GroupSpec): GroupPartial[] {
  const keyCols = spec.keys.map((k) => part.columns[part.names.indexOf(k)]!);
  const { gid, keys, n } = groupIds(part, keyCols);
  const states = spec.aggs.map((a) => chunkStates(a, a.col === null ? undefined : part.columns[part.names.indexOf(a.col)], gid, n, part.length));
  const whole: GroupPartial = { keys, n, states };
  if (spec.splitOut <= 1) return [whole];
  const buckets: number[][] = Array.from({ length: spec.splitOut }, () => []);
  for (let g = 0; g < n; g++) buckets[hashString(keyString(keys, g)) % spec.splitOut]!.push(g);
  return buckets.map((b) => subset(whole, b));
}

/** Merge partials by key (order of arguments is partition order, so first/last stay right). */
export function groupCombine(parts: GroupPartial[], spec: GroupSpec): GroupPartial {
  const index = new Map<string, number>();
  const keys: KeyValue[][] = spec.keys.map(() => []);
  const maps = parts.map((p) => {
    const m = new Int32Array(p.n);
    for (let g = 0; g < p.n; g++) {
      const s = keyString(p.keys, g);
      let t = index.get(s);
      if (t === undefined) {
        index.set(s, (t = index.size));
        p.keys.forEach((k, j) => keys[j]!.push(k[g]!));
      }
      m[g] = t;
    }
    return m;
  });
  const n = index.size;
  const states = spec.aggs.map((a, ai) => {
    switch (a.fn) {
      case 'size':
      case 'count':
      case 'sum':
      case 'mean': {
        const width = a.fn === 'size' ? 1 : 2;
        const out = Array.from({ length: width }, () => new Float64Array(n));
        parts.forEach((p, pi) => {
          const st = p.states[ai] as Float64Array[];
          const m = maps[pi]!;
          for (let k = 0; k < width; k++) for (let g = 0; g < p.n; g++) out[k]![m[g]!]! += st[k]![g]!;
        });
        return out;
      }
      case 'std':
      case 'var': {
        const c = new Float64Array(n);
        const mean = new Float64Array(n);
        const m2 = new Float64Array(n);
        parts.forEach((p, pi) => {
          const [pc, pm, pm2] = p.states[ai] as Float64Array[];
          const m = maps[pi]!;
          for (let g = 0; g < p.n; g++) {
            const t = m[g]!;
            const nb = pc![g]!;
            if (!nb) continue;
            const na = c[t]!;
            const tot = na + nb;
            const d = pm![g]! - mean[t]!;
            mean[t] = mean[t]! + (d * nb) / tot;
            m2[t] = m2[t]! + pm2![g]! + (d * d * na * nb) / tot;
            c[t] = tot;
          }
        });
        return [c, mean, m2];
      }
      case 'min':
      case 'max':
      case 'first':
      case 'last': {
        const out: Array<KeyValue | null> = new Array(n).fill(null);
        parts.forEach((p, pi) => {
          const [vals] = p.states[ai] as Array<Array<KeyValue | null>>;
          const m = maps[pi]!;
          for (let g = 0; g < p.n; g++) {
            const x = vals![g]!;
            if (x === null) continue;
            const t = m[g]!;
            const cur = out[t]!;
            if (cur === null || a.fn === 'last' || (a.fn === 'min' && x < cur) || (a.fn === 'max' && x > cur)) {
              if (a.fn === 'first' && cur !== null) continue;
              out[t] = x;
            }
          }
        });
        return [out];
      }
      case 'nunique': {
        const sets = Array.from({ length: n }, () => new Set<KeyValue>());
        parts.forEach((p, pi) => {
          const [vals] = p.states[ai] as KeyValue[][][];
          vals!.forEach((arr, g) => arr.forEach((x) => sets[maps[pi]![g]!]!.add(x)));
        });
        return [sets.map((s) => [...s])];
      }
      case 'custom': {
        const custom = a.custom as CustomAgg;
        const lists: unknown[][] = Array.from({ length: n }, () => []);
        parts.forEach((p, pi) => (p.states[ai]![0] as unknown[]).forEach((st, g) => lists[maps[pi]![g]!]!.push(st)));
        return [lists.map((l) => custom.combine(l))];
      }
    }
  });
  return { keys, n, states };
}

function compareKeys(a: KeyValue, b: KeyValue): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Turn merged partials into a partition: key columns first, then one column per aggregation, sorted by key. */
export function groupFinalize(p: GroupPartial, spec: GroupSpec): Part {
  const order = Array.from({ length: p.n }, (_, g) => g);
  order.sort((x, y) => {
    for (const k of p.keys) {
      const c = compareKeys(k[x]!, k[y]!);
      if (c) return c;
    }
    return 0;
  });
  const columns: Column[] = [];
  spec.keys.forEach((_, j) => columns.push(fromValues(order.map((g) => p.keys[j]![g]!), spec.keyDtypes[j]!)));
  spec.aggs.forEach((a, ai) => {
    const st = p.states[ai]!;
    const dtype = aggDtype(a.fn, a.dtype);
    let vals: Array<KeyValue | null>;
    switch (a.fn) {
      case 'size':
        vals = order.map((g) => (st[0] as Float64Array)[g]!);
        break;
      case 'count':
        vals = order.map((g) => (st[1] as Float64Array)[g]!);
        break;
      case 'sum':
        vals = order.map((g) => (st[0] as Float64Array)[g]!);
        break;
      case 'mean':
        vals = order.map((g) => ((st[1] as Float64Array)[g]! ? (st[0] as Float64Array)[g]! / (st[1] as Float64Array)[g]! : NaN));
        break;
      case 'std':
      case 'var': {
        const [c, , m2] = st as Float64Array[];
        vals = order.map((g) => (c![g]! > 1 ? (a.fn === 'var' ? m2![g]! / (c![g]! - 1) : Math.sqrt(m2![g]! / (c![g]! - 1))) : NaN));
        break;
      }
      case 'nunique':
        vals = order.map((g) => (st[0] as unknown[][])[g]!.length);
        break;
      case 'custom': {
        const custom = a.custom as CustomAgg;
        vals = order.map((g) => custom.finalize((st[0] as unknown[])[g]));
        break;
      }
      default:
        vals = order.map((g) => (st[0] as Array<KeyValue | null>)[g]!);
    }
    columns.push(fromValues(vals, dtype));
  });
  return { names: [...spec.keys, ...spec.aggs.map((a) => a.out)], columns, length: p.n };
}

/** A column from JS values (null → null). */
export function fromValues(vals: ReadonlyArray<KeyValue | null>, dtype: Dtype): Column {
  const n = vals.length;
  const col = emptyColumn(dtype, n);
  let valid: Uint8Array | undefined;
  const codes = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const x = vals[i];
    if (x === null || x === undefined) {
      valid ??= allocArray(Uint8Array, n).fill(1);
      valid[i] = 0;
      continue;
    }
    if (dtype === 'string') {
      const s = String(x);
      let c = codes.get(s);
      if (c === undefined) codes.set(s, (c = col.dict!.push(s) - 1));
      col.values[i] = c;
    } else col.values[i] = typeof x === 'boolean' ? (x ? 1 : 0) : (x as number);
  }
  if (valid) col.valid = valid;
  return col;
}
