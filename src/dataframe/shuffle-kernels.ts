/**
 * Kernels that move rows between partitions: hash buckets (merge) and range buckets (sortValues),
 * the hash join of two partitions, and sorting a partition.
 */
import { allocArray, type Column } from '../io/csv-columns.ts';
import { cell, takeRows, type Part } from './part.ts';
import { rowKeys } from './steps.ts';

export type ShuffleSpec =
  | { kind: 'hash'; on: string[]; n: number }
  | { kind: 'range'; by: string; bounds: Array<number | string>; ascending: boolean; n: number };

function hashString(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Bucket of each row. Hash keys are the values' text, so an int32 1 and a float64 1 meet. */
function buckets(part: Part, spec: ShuffleSpec): Int32Array {
  const b = new Int32Array(part.length);
  if (spec.kind === 'hash') {
    const cols = spec.on.map((c) => part.columns[part.names.indexOf(c)]!);
    for (let i = 0; i < part.length; i++) {
      let s = '';
      for (const c of cols) s += String(cell(c, i)) + '\u0001';
      b[i] = hashString(s) % spec.n;
    }
    return b;
  }
  const col = part.columns[part.names.indexOf(spec.by)]!;
  const nb = spec.n;
  for (let i = 0; i < part.length; i++) {
    const x = cell(col, i);
    if (x === null || (typeof x === 'number' && x !== x)) {
      b[i] = nb - 1; // nulls last, whatever the direction
      continue;
    }
    let k = 0;
    while (k < spec.bounds.length && x > spec.bounds[k]!) k++;
    b[i] = spec.ascending ? k : spec.bounds.length - k;
  }
  return b;
}

/** Split a partition into buckets. */
export function hashPartition(part: Part, spec: ShuffleSpec): Part[] {
  const b = buckets(part, spec);
  const n = spec.n;
  const lists: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < part.length; i++) lists[b[i]!]!.push(i);
  return lists.map((idx) => takeRows(part, idx));
}

function compareCells(a: number | string | boolean | null, b: number | string | boolean | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number' && a !== a) return b !== b ? 0 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable sort of a partition by columns (nulls last). */
export function sortPart(part: Part, by: string[], ascending: boolean[]): Part {
  const cols = by.map((c) => part.columns[part.names.indexOf(c)]!);
  const idx = Array.from({ length: part.length }, (_, i) => i);
  idx.sort((x, y) => {
    for (let k = 0; k < cols.length; k++) {
      const a = cell(cols[k]!, x);
      const b = cell(cols[k]!, y);
      let c = compareCells(a, b);
      if (c && !ascending[k] && a !== null && b !== null) c = -c;
      if (c) return c;
    }
    return x - y;
  });
  return takeRows(part, idx);
}

export interface JoinSpec {
  leftOn: string[];
  rightOn: string[];
  how: 'inner' | 'left' | 'right' | 'outer';
  suffixes: [string, string];
}

/** Output column names of a join: left columns, then right columns except join keys shared by name. */
export function joinNames(left: string[], right: string[], spec: Pick<JoinSpec, 'leftOn' | 'rightOn' | 'suffixes'>): { names: string[]; rightKeep: number[] } {
  const shared = spec.leftOn.filter((k, i) => k === spec.rightOn[i]);
  const rightKeep = right.map((_, i) => i).filter((i) => !shared.includes(right[i]!));
  const rightNames = rightKeep.map((i) => right[i]!);
  const names = [
    ...left.map((n) => (rightNames.includes(n) && !shared.includes(n) ? n + spec.suffixes[0] : n)),
    ...rightNames.map((n) => (left.includes(n) ? n + spec.suffixes[1] : n)),
  ];
  return { names, rightKeep };
}

/** Gather with -1 meaning a null row. */
function gatherOrNull(col: Column, idx: number[]): Column {
  const n = idx.length;
  const values = allocArray(col.values.constructor as typeof Float64Array, n);
  const valid = allocArray(Uint8Array, n);
  let nulls = false;
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    if (j < 0 || (col.valid && !col.valid[j])) {
      nulls = true;
      continue;
    }
    values[i] = col.values[j]!;
    valid[i] = 1;
  }
  const out: Column = { dtype: col.dtype, values };
  if (col.dict) out.dict = col.dict;
  if (nulls) out.valid = valid;
  return out;
}

/** Coalesce two key columns (outer/right joins take the key from whichever side has it). */
function coalesce(a: Column, b: Column, li: number[], ri: number[]): Column {
  const n = li.length;
  const vals: Array<number | string | boolean | null> = [];
  for (let i = 0; i < n; i++) vals.push(li[i]! >= 0 ? cell(a, li[i]!) : ri[i]! >= 0 ? cell(b, ri[i]!) : null);
  const dtype = a.dtype;
  const values = allocArray(a.values.constructor as typeof Float64Array, n);
  const out: Column = { dtype, values };
  const dict: string[] = [];
  const codes = new Map<string, number>();
  let valid: Uint8Array | undefined;
  vals.forEach((v, i) => {
    if (v === null) {
      valid ??= allocArray(Uint8Array, n).fill(1);
      valid[i] = 0;
    } else if (dtype === 'string') {
      let c = codes.get(v as string);
      if (c === undefined) codes.set(v as string, (c = dict.push(v as string) - 1));
      values[i] = c;
    } else values[i] = typeof v === 'boolean' ? +v : (v as number);
  });
  if (dtype === 'string') out.dict = dict;
  if (valid) out.valid = valid;
  return out;
}

/**
 * Hash join of two partitions. Rows with a null key never match (pandas matches NaN keys; SQL does not: we follow SQL).
 * @example
 * joinParts(left, right, { leftOn: ['k'], rightOn: ['k'], how: 'inner', suffixes: ['_x', '_y'] });
 */
export function joinParts(left: Part, right: Part, spec: JoinSpec): Part {
  const lk = rowKeys(left, spec.leftOn.map((c) => left.names.indexOf(c)));
  const rk = rowKeys(right, spec.rightOn.map((c) => right.names.indexOf(c)));
  const hasNull = (k: string) => k.includes('\u0000N');
  const index = new Map<string, number[]>();
  rk.forEach((k, j) => {
    if (hasNull(k)) return;
    const l = index.get(k);
    if (l) l.push(j);
    else index.set(k, [j]);
  });
  const li: number[] = [];
  const ri: number[] = [];
  const rightUsed = new Uint8Array(right.length);
  lk.forEach((k, i) => {
    const m = hasNull(k) ? undefined : index.get(k);
    if (m) for (const j of m) li.push(i), ri.push(j), (rightUsed[j] = 1);
    else if (spec.how === 'left' || spec.how === 'outer') li.push(i), ri.push(-1);
  });
  if (spec.how === 'right' || spec.how === 'outer') for (let j = 0; j < right.length; j++) if (!rightUsed[j]) li.push(-1), ri.push(j);
  const { names, rightKeep } = joinNames(left.names, right.names, spec);
  const columns: Column[] = left.columns.map((c, ci) => {
    const k = spec.leftOn.indexOf(left.names[ci]!);
    if (k >= 0 && spec.leftOn[k] === spec.rightOn[k] && (spec.how === 'right' || spec.how === 'outer')) {
      return coalesce(c, right.columns[right.names.indexOf(spec.rightOn[k]!)]!, li, ri);
    }
    return gatherOrNull(c, li);
  });
  for (const j of rightKeep) columns.push(gatherOrNull(right.columns[j]!, ri));
  return { names, columns, length: li.length };
}
