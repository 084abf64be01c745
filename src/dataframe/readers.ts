/**
 * Partition readers besides CSV: Arrow IPC files (one partition per record batch) and JSON lines
 * (byte blocks like CSV, records converted to columns with a schema inferred from a sample).
 */
import { readFileSync } from 'node:fs';
import { tableFromIPC, Table } from 'apache-arrow';
import { lineNumberAt, readBlock, type Block } from '../io/blocks.ts';
import { type Dtype } from '../io/csv-columns.ts';
import { textToDate } from '../io/csv-convert.ts';
import { ShoalError, messages } from '../errors.ts';
import { fromValues } from './groupby-agg.ts';
import { tableToPart, type Meta, type Part } from './part.ts';

/**
 * Record batch `batch` of an Arrow IPC file, with only `columns`.
 * @example
 * readIpcPart({ path: 'flights.arrow', batch: 0 }, ['delay']);
 */
export function readIpcPart(arg: { path: string; batch: number }, columns: string[]): Part {
  const table = tableFromIPC(readFileSync(arg.path));
  const batch = table.batches[arg.batch];
  const t = batch ? new Table(batch) : table.slice(0, 0);
  return tableToPart(t.select(columns));
}

export interface JsonPartArg {
  block: Block;
  meta: Meta;
}

/** The dtype of JS values (numbers: int32 when every one is an int in range). */
export function dtypeOfValues(values: readonly unknown[]): Dtype {
  let kind: Dtype | undefined;
  let allInt = true;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    let k: Dtype;
    if (typeof v === 'number') {
      k = 'float64';
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) allInt = false;
    } else if (typeof v === 'boolean') k = 'bool';
    else if (v instanceof Date) k = 'date';
    else k = 'string';
    if (kind === undefined) kind = k;
    else if (kind !== k) return 'string';
  }
  if (kind === 'float64' && allInt) return 'int32';
  return kind ?? 'float64';
}

/** Column names and dtypes of records (keys in first-seen order). */
export function metaOfRecords(records: ReadonlyArray<Record<string, unknown>>): Meta {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (!seen.has(k)) seen.add(k), names.push(k);
  return { names, dtypes: names.map((n) => dtypeOfValues(records.map((r) => r[n]))) };
}

/**
 * Records as a partition of `meta`'s columns.
 * @example
 * recordsToPart([{ x: 1 }, { x: 2 }], { names: ['x'], dtypes: ['int32'] }).length; // 2
 */
export function recordsToPart(records: ReadonlyArray<Record<string, unknown>>, meta: Meta): Part {
  const columns = meta.names.map((n, c) => {
    const dtype = meta.dtypes[c]!;
    const vals = records.map((r) => {
      const v = r[n];
      if (v === null || v === undefined) return null;
      if (dtype === 'date') return v instanceof Date ? v.getTime() : typeof v === 'number' ? v : (textToDate(String(v)) ?? null);
      if (dtype === 'string') return typeof v === 'string' ? v : JSON.stringify(v);
      return v as number | boolean;
    });
    return fromValues(vals, dtype);
  });
  return { names: meta.names.slice(), columns, length: records.length };
}

/** The records of a JSON-lines block, with `file:line` on a line that is not JSON. */
export function parseJsonLines(data: Buffer, path: string, firstLine: () => number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const lines = data.toString('utf8').split('\n');
  lines.forEach((line, i) => {
    const t = line.trim();
    if (!t) return;
    try {
      out.push(JSON.parse(t) as Record<string, unknown>);
    } catch (e) {
      throw new ShoalError('ERR_SHOAL_IO', messages.jsonBadLine(path, firstLine() + i, (e as Error).message), { cause: e });
    }
  });
  return out;
}

export function readJsonPart(arg: JsonPartArg, columns: string[]): Part {
  const { data, offset } = readBlock(arg.block);
  const records = parseJsonLines(data, arg.block.path, () => lineNumberAt(arg.block.path, offset));
  const idx = columns.map((c) => arg.meta.names.indexOf(c));
  return recordsToPart(records, { names: columns, dtypes: idx.map((i) => arg.meta.dtypes[i]!) });
}
