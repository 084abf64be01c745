/**
 * Writing columns as CSV text (the inverse of the reader: what it writes reads back to the same
 * values). Nulls are empty fields; strings are quoted only when they must be; dates are written
 * as `YYYY-MM-DD HH:MM:SS[.mmm]` (UTC), booleans as True/False like pandas.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import type { Column, Columns } from './csv-columns.ts';

export interface CsvWriteOptions {
  delimiter?: string;
  header?: boolean;
  /** Write float64 values with this many decimals (pandas' `float_format`); default: shortest exact. */
  floatDecimals?: number;
}

function needsQuote(s: string, delim: string): boolean {
  return s.includes(delim) || s.includes('"') || s.includes('\n') || s.includes('\r') || s === '';
}

function quoteText(s: string, delim: string): string {
  return needsQuote(s, delim) ? `"${s.replace(/"/g, '""')}"` : s;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** A date (ms since epoch) as pandas writes it. */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return d.getUTCMilliseconds() ? `${base}.${pad(d.getUTCMilliseconds(), 3)}` : base;
}

function formatter(col: Column, delim: string, decimals: number | undefined): (i: number) => string {
  const v = col.values;
  switch (col.dtype) {
    case 'string': {
      const dict = col.dict!.map((s) => quoteText(s, delim));
      return (i) => dict[v[i]!]!;
    }
    case 'bool':
      return (i) => (v[i] ? 'True' : 'False');
    case 'date':
      return (i) => formatDate(v[i]!);
    case 'float64':
      return decimals === undefined ? (i) => String(v[i]) : (i) => (v[i]! === v[i]! ? v[i]!.toFixed(decimals) : '');
    default:
      return (i) => String(v[i]);
  }
}

/**
 * The CSV text of some columns (header first unless `header: false`).
 * @example
 * formatCsv({ names: ['x'], columns: [{ dtype: 'float64', values: new Float64Array([1.5]) }], length: 1 }); // 'x\n1.5\n'
 */
export function formatCsv(part: Columns, opts: CsvWriteOptions = {}, from = 0, to = part.length): string {
  const delim = opts.delimiter ?? ',';
  const fmts = part.columns.map((c) => formatter(c, delim, opts.floatDecimals));
  const lines: string[] = [];
  if (opts.header !== false && from === 0) lines.push(part.names.map((n) => quoteText(n, delim)).join(delim));
  const nc = part.columns.length;
  for (let i = from; i < to; i++) {
    let line = '';
    for (let c = 0; c < nc; c++) {
      const col = part.columns[c]!;
      if (c) line += delim;
      if (col.valid && !col.valid[i]) continue;
      // A null string and an empty string would read back the same: quote empty strings.
      line += fmts[c]!(i);
    }
    lines.push(line);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/**
 * Write columns to a CSV file, in slices so the text of a large partition is never held at once.
 * @example
 * writeCsvFile(part, 'out/part-0.csv');
 */
export function writeCsvFile(part: Columns, path: string, opts: CsvWriteOptions = {}): void {
  const STEP = 65536;
  writeFileSync(path, '');
  if (part.length === 0) {
    if (opts.header !== false) appendFileSync(path, formatCsv(part, opts));
    return;
  }
  for (let from = 0; from < part.length; from += STEP) appendFileSync(path, formatCsv(part, opts, from, Math.min(part.length, from + STEP)));
}
