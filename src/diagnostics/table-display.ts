/**
 * Arrow Tables (what a DataFrame's `compute()` returns) as a readable table: HTML in a notebook,
 * aligned text in a terminal. Duck-typed so diagnostics does not depend on the DataFrame layer.
 */
import { escapeHtml } from './notebook.ts';

/** The part of an Arrow Table we read. */
interface TableLike {
  numRows: number;
  schema: { fields: Array<{ name: string; type: unknown }> };
  getChild(name: string): { get(i: number): unknown } | null;
}

const HEAD = 10;
const TAIL = 5;

/** Whether `x` looks like an Arrow Table. */
export function isArrowTable(x: unknown): x is TableLike {
  const t = x as TableLike;
  return typeof x === 'object' && x !== null && typeof t.numRows === 'number' && Array.isArray(t.schema?.fields) && typeof t.getChild === 'function';
}

/** Rows shown: all when few, else the first 10 and the last 5 with a gap (`null`) between. */
function shownRows(n: number): Array<number | null> {
  if (n <= HEAD + TAIL) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: HEAD }, (_, i) => i), null, ...Array.from({ length: TAIL }, (_, i) => n - TAIL + i)];
}

function cell(v: unknown, isTime: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (isTime && (typeof v === 'number' || typeof v === 'bigint')) v = new Date(Number(v));
  if (v instanceof Date) return v.toISOString().replace('T00:00:00.000Z', '').replace('.000Z', 'Z');
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return String(v);
}

function grid(t: TableLike): { names: string[]; rows: Array<string[] | null> } {
  const names = t.schema.fields.map((f) => f.name);
  const cols = names.map((n) => t.getChild(n));
  // Arrow dates and timestamps come back as epoch milliseconds: show them as dates.
  const isTime = t.schema.fields.map((f) => /^(Timestamp|Date)/.test(String(f.type)));
  const rows = shownRows(t.numRows).map((i) => (i === null ? null : cols.map((c, j) => cell(c?.get(i), isTime[j]!))));
  return { names, rows };
}

/**
 * An HTML table of an Arrow Table's first and last rows, with its size and column types.
 * @example
 * display(await df.groupby('name').sum().compute());   // in a notebook
 */
export function tableHtml(t: TableLike): string {
  const { names, rows } = grid(t);
  const types = t.schema.fields.map((f) => escapeHtml(String(f.type)));
  const head = `<tr>${names.map((n, i) => `<th title="${types[i]}">${escapeHtml(n)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => (r === null ? `<tr>${names.map(() => '<td>…</td>').join('')}</tr>` : `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`))
    .join('');
  return `<div><table><thead>${head}</thead><tbody>${body}</tbody></table><p>${t.numRows} rows × ${names.length} columns</p></div>`;
}

/**
 * The same rows as aligned text, for terminals and logs.
 * @example
 * console.log(tableText(await df.head(5)));
 */
export function tableText(t: TableLike): string {
  const { names, rows } = grid(t);
  const widths = names.map((n, c) => Math.max(n.length, ...rows.map((r) => (r ? r[c]!.length : 1))));
  const line = (cells: string[]) => cells.map((s, c) => s.padStart(widths[c]!)).join('  ');
  const out = [line(names), ...rows.map((r) => (r ? line(r) : line(names.map(() => '…'))))];
  out.push(`[${t.numRows} rows × ${names.length} columns]`);
  return out.join('\n');
}
