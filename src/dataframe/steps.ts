/**
 * Per-partition steps: the blockwise part of a DataFrame's plan (select/assign/rename/astype are
 * all `project`, plus filter, mapPartitions, dropNulls, sample, head). A DataFrame keeps its steps
 * as plain data and turns them into one task per partition when a graph is built, after pruning:
 * walking the steps backwards from the columns the result needs tells the reader which columns to
 * parse at all (column pruning), and drops projections nobody reads.
 */
import { tableFromArrays, type Table } from 'apache-arrow';
import { allocArray } from '../io/csv-columns.ts';
import { OptionError, messages } from '../errors.ts';
import { evalExpr, exprColumns, exprDtype, type Expr } from './expr.ts';
import { arrowSchema, emptyPart, metaOf, partToTable, sliceRows, tableToPart, takeRows, type Meta, type Part } from './part.ts';

export type Step =
  | { op: 'project'; cols: Array<[string, Expr]> }
  | { op: 'filter'; mask: Expr; keep?: string[] | null }
  | { op: 'map'; fn: unknown; meta: Meta; args: unknown[] }
  | { op: 'dropNulls'; subset: string[] | null }
  | { op: 'dedupe'; subset: string[] | null }
  | { op: 'sample'; frac: number; seed: number }
  | { op: 'head'; n: number }
  | { op: 'tail'; n: number };

/** The columns after `steps`, given the columns before (checks every column reference). */
export function metaAfter(meta: Meta, steps: readonly Step[]): Meta {
  let m = meta;
  for (const s of steps) {
    switch (s.op) {
      case 'project':
        m = { names: s.cols.map(([n]) => n), dtypes: s.cols.map(([, e]) => exprDtype(e, m)) };
        break;
      case 'filter': {
        const d = exprDtype(s.mask, m);
        if (d !== 'bool') throw new OptionError(messages.opDtype('filter', d, 'bool'));
        break;
      }
      case 'map':
        m = s.meta;
        break;
      case 'dropNulls':
      case 'dedupe':
        for (const c of s.subset ?? []) if (!m.names.includes(c)) throw new OptionError(messages.unknownColumn(c, m.names));
        break;
    }
  }
  return m;
}

/**
 * Prune `steps` for a result that needs the columns `needed` (null: all): returns the steps with
 * unused projections removed and the columns the source must produce (null: all).
 */
export function pruneSteps(steps: readonly Step[], needed: ReadonlySet<string> | null): { steps: Step[]; columns: Set<string> | null } {
  let need: Set<string> | null = needed ? new Set(needed) : null;
  const out: Step[] = [];
  for (let k = steps.length - 1; k >= 0; k--) {
    const s = steps[k]!;
    switch (s.op) {
      case 'project': {
        const cols = need ? s.cols.filter(([n]) => need!.has(n)) : s.cols;
        const next = new Set<string>();
        for (const [, e] of cols) exprColumns(e, next);
        out.push({ op: 'project', cols });
        need = next;
        break;
      }
      case 'filter':
        // Only the columns used after the filter are gathered (the mask's own may be dropped).
        out.push({ ...s, keep: need ? [...need].sort() : null });
        if (need) exprColumns(s.mask, need);
        break;
      case 'map':
        need = null;
        out.push(s);
        break;
      case 'dropNulls':
      case 'dedupe':
        if (need && s.subset) for (const c of s.subset) need.add(c);
        else need = null;
        out.push(s);
        break;
      default:
        out.push(s);
    }
  }
  return { steps: out.reverse(), columns: need };
}

/** Deterministic pseudo-random numbers (mulberry32) for `sample`. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Row keys for dedupe: one string per row over `cols`. */
export function rowKeys(part: Part, cols: readonly number[]): string[] {
  const keys = new Array<string>(part.length);
  for (let i = 0; i < part.length; i++) {
    let k = '';
    for (const c of cols) {
      const col = part.columns[c]!;
      k += col.valid && !col.valid[i] ? '\u0000N' : col.dtype === 'string' ? 's' + col.dict![col.values[i]!] : 'n' + col.values[i];
      k += '\u0001';
    }
    keys[i] = k;
  }
  return keys;
}

function indicesWhere(mask: Uint8Array, n: number): { idx: Int32Array; count: number } {
  let count = 0;
  for (let i = 0; i < n; i++) count += mask[i]!;
  const idx = new Int32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (mask[i]) idx[j++] = i;
  return { idx, count };
}

/** Run one step over a partition (`index` is the partition's position, used to seed `sample`). */
export function applyStep(part: Part, s: Step, index: number): Part {
  switch (s.op) {
    case 'project':
      return { names: s.cols.map(([n]) => n), columns: s.cols.map(([, e]) => evalExpr(part, e)), length: part.length };
    case 'filter': {
      const m = evalExpr(part, s.mask);
      const mask = m.valid ? m.values.map((v, i) => v & m.valid![i]!) : m.values;
      const { idx, count } = indicesWhere(mask as Uint8Array, part.length);
      const kept = s.keep ? { names: s.keep, columns: s.keep.map((n) => part.columns[part.names.indexOf(n)]!), length: part.length } : part;
      return count === part.length ? kept : takeRows(kept, idx, count);
    }
    case 'map': {
      const fn = s.fn as (t: Table, ...args: unknown[]) => Table;
      const out = fn(partToTable(part), ...s.args);
      const res = tableToPart(out);
      const got = metaOf(res);
      if (got.names.join(',') !== s.meta.names.join(',')) throw new OptionError(messages.metaMismatch('mapPartitions', s.meta.names.join(','), got.names.join(',')));
      return res;
    }
    case 'dropNulls': {
      const cols = s.subset ? s.subset.map((c) => part.names.indexOf(c)) : part.names.map((_, i) => i);
      const keep = allocArray(Uint8Array, part.length).fill(1);
      for (const c of cols) {
        const col = part.columns[c]!;
        if (col.valid) for (let i = 0; i < part.length; i++) keep[i]! &= col.valid[i]!;
        if (col.dtype === 'float64') for (let i = 0; i < part.length; i++) if (Number.isNaN(col.values[i])) keep[i] = 0;
      }
      const { idx, count } = indicesWhere(keep, part.length);
      return count === part.length ? part : takeRows(part, idx, count);
    }
    case 'dedupe': {
      const cols = s.subset ? s.subset.map((c) => part.names.indexOf(c)) : part.names.map((_, i) => i);
      const seen = new Set<string>();
      const idx: number[] = [];
      rowKeys(part, cols).forEach((k, i) => {
        if (!seen.has(k)) seen.add(k), idx.push(i);
      });
      return idx.length === part.length ? part : takeRows(part, idx);
    }
    case 'sample': {
      const r = rng(s.seed * 1_000_003 + index);
      const idx: number[] = [];
      for (let i = 0; i < part.length; i++) if (r() < s.frac) idx.push(i);
      return takeRows(part, idx);
    }
    case 'head':
      return sliceRows(part, 0, s.n);
    case 'tail':
      return sliceRows(part, part.length - s.n, part.length);
  }
}

/** Run every step over a partition. */
export function applySteps(part: Part, steps: readonly Step[], index: number): Part {
  let p = part;
  for (const s of steps) p = applyStep(p, s, index);
  return p;
}

/** An empty Arrow table with a meta's columns (what mapPartitions' functions are probed with). */
export function emptyTable(meta: Meta): Table {
  return meta.names.length ? partToTable(emptyPart(meta)) : tableFromArrays({});
}

export { arrowSchema };
