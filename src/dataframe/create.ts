/**
 * Making DataFrames: readCsv, readJson, readArrow, fromArrow, fromRecords, fromDelayed. Reading
 * builds the graph from file sizes and a small sample (schema inference); no data is parsed until
 * a compute.
 */
import { readFileSync } from 'node:fs';
import { tableFromIPC, type Table } from 'apache-arrow';
import { expandPaths } from '../io/paths.ts';
import { splitBlocks, readBlock } from '../io/blocks.ts';
import { parseBytes } from '../io/bytes.ts';
import { DTYPES, type Dtype } from '../io/csv-columns.ts';
import { DEFAULT_NULLS } from '../io/csv-convert.ts';
import { inferCsvSchema } from '../io/csv-infer.ts';
import type { CsvParseSpec } from '../io/csv-parse.ts';
import type { CsvEngine } from '../io/csv-read.ts';
import { blockKey } from '../graph/keys.ts';
import { tokenize, uniqueToken } from '../graph/tokenize.ts';
import { data, ref, task, type Arg, type GraphNode, type Key } from '../graph/types.ts';
import { OptionError, messages } from '../errors.ts';
import type { Delayed } from '../delayed/delayed.ts';
import { DataFrame, op } from './frame.ts';
import { sliceRows, tableToPart, type Meta } from './part.ts';
import { metaOfRecords, parseJsonLines, recordsToPart } from './readers.ts';

export interface ReadCsvOptions {
  /** Bytes per partition ('64MB', a number, or null for one partition per file). Default 64 MB. */
  blocksize?: number | string | null;
  /** Read only these columns (the query's own columns are pruned further automatically). */
  columns?: string[];
  /** Dtypes by column, overriding inference ('float64', 'int32', 'bool', 'string', 'date'). */
  dtypes?: Record<string, Dtype>;
  /** Columns to parse as dates (ISO 8601; times without a zone are UTC). */
  parseDates?: string[];
  /** One character for the fast tokenizer; longer delimiters use papaparse. Default ','. */
  delimiter?: string;
  /** Whether files start with a header line (default true; without, columns are '0', '1', …). */
  header?: boolean;
  /** Strings read as null (default: pandas' list, including the empty field). */
  nullValues?: string[];
  /** Add a column with each row's file path (true: named 'path'). */
  includePathColumn?: boolean | string;
  /** What to do with a line that has the wrong number of fields (default 'error'). */
  onBadLines?: 'error' | 'skip' | 'warn';
  /** Bytes of the first file used to infer dtypes (default 256 kB, like Dask). */
  sample?: number | string;
  /** 'fast' (the byte tokenizer, default) or 'papaparse' (the reference parser). */
  engine?: CsvEngine;
}

const CSV_OPTIONS = new Set(['blocksize', 'columns', 'dtypes', 'parseDates', 'delimiter', 'header', 'nullValues', 'includePathColumn', 'onBadLines', 'sample', 'engine']);

function checkKeys(opts: object, known: Set<string>, fn: string): void {
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new OptionError(messages.badOption(k, (opts as Record<string, unknown>)[k], `not an option of ${fn}; known: ${[...known].join(', ')}`));
}

/**
 * Read CSV files (a glob, a path, or a list) as a DataFrame, one partition per `blocksize` bytes.
 * @example
 * const df = readCsv('data/*.csv', { parseDates: ['timestamp'] });
 * await df.groupby('name').col('x').sum().compute();
 */
export function readCsv(globOrPaths: string | string[], opts: ReadCsvOptions = {}): DataFrame {
  checkKeys(opts, CSV_OPTIONS, 'readCsv');
  const paths = expandPaths(globOrPaths, 'readCsv');
  const blocksize = opts.blocksize === null ? null : parseBytes(opts.blocksize ?? '64MB', 'blocksize');
  const sample = parseBytes(opts.sample ?? 256000, 'sample');
  const delimiter = opts.delimiter ?? ',';
  if (delimiter.length === 0 || delimiter.includes('"') || /[\r\n]/.test(delimiter)) throw new OptionError(messages.badOption('delimiter', delimiter, 'a non-empty string without quotes or newlines'));
  const onBadLines = opts.onBadLines ?? 'error';
  if (!['error', 'skip', 'warn'].includes(onBadLines)) throw new OptionError(messages.badOption('onBadLines', onBadLines, "'error', 'skip' or 'warn'"));
  const engine = opts.engine ?? 'fast';
  if (engine !== 'fast' && engine !== 'papaparse') throw new OptionError(messages.badOption('engine', engine, "'fast' or 'papaparse'"));
  const header = opts.header ?? true;
  const nullValues = opts.nullValues ?? DEFAULT_NULLS.slice();
  const schema = inferCsvSchema(paths, { delimiter, header, nullValues, sample, dtypes: opts.dtypes ?? {}, parseDates: opts.parseDates ?? [] });
  const spec: CsvParseSpec = { names: schema.names, dtypes: schema.dtypes, keep: [], delimiter, nullValues, header, onBadLines, dtypeSource: schema.dtypeSource, sampleBytes: sample };
  const pathColumn = opts.includePathColumn === true ? 'path' : typeof opts.includePathColumn === 'string' ? opts.includePathColumn : null;
  let names = schema.names;
  let dtypes = schema.dtypes;
  if (opts.columns) {
    for (const c of opts.columns) if (!names.includes(c)) throw new OptionError(messages.unknownColumn(c, names, 'readCsv columns'));
    dtypes = opts.columns.map((c) => dtypes[names.indexOf(c)]!);
    names = opts.columns.slice();
  }
  if (pathColumn) {
    names = [...names, pathColumn];
    dtypes = [...dtypes, 'string'];
  }
  const blocks = splitBlocks(paths, blocksize);
  const args = blocks.map((block) => ({ block, spec, engine, pathColumn }));
  const meta: Meta = { names, dtypes };
  return new DataFrame({ kind: 'gen', gen: 'csv', args, meta, token: tokenize('read-csv', args, meta) }, []);
}

/**
 * Read JSON-lines files (one object per line) as a DataFrame; dtypes come from a sample of the first file.
 * @example
 * const df = readJson('logs/*.jsonl', { lines: true });
 */
export function readJson(globOrPaths: string | string[], opts: { lines?: boolean; blocksize?: number | string | null; sample?: number } = {}): DataFrame {
  if (opts.lines === false) throw new OptionError(messages.badOption('lines', false, 'only JSON lines (lines: true) are supported'));
  const paths = expandPaths(globOrPaths, 'readJson');
  const blocksize = opts.blocksize === null ? null : parseBytes(opts.blocksize ?? '64MB', 'blocksize');
  const blocks = splitBlocks(paths, blocksize);
  const first = blocks[0];
  const sampleRecs = first ? parseJsonLines(readBlock({ ...first, end: Math.min(first.end, opts.sample ?? 256000) }).data, first.path, () => 1) : [];
  const meta = metaOfRecords(sampleRecs);
  const args = blocks.map((block) => ({ block, meta }));
  return new DataFrame({ kind: 'gen', gen: 'json', args, meta, token: tokenize('read-json', args) }, []);
}

/**
 * Read an Arrow IPC file; each record batch is a partition.
 * @example
 * const df = readArrow('flights.arrow');
 */
export function readArrow(path: string): DataFrame {
  const [abs] = expandPaths(path, 'readArrow');
  let table: Table;
  try {
    table = tableFromIPC(readFileSync(abs!));
  } catch (e) {
    throw new OptionError(messages.unreadable(abs!, (e as Error).message), { cause: e });
  }
  const meta = metaOfTable(table);
  const args = table.batches.length ? table.batches.map((_, batch) => ({ path: abs!, batch })) : [{ path: abs!, batch: 0 }];
  return new DataFrame({ kind: 'gen', gen: 'ipc', args, meta, token: tokenize('read-arrow', args) }, []);
}

function metaOfTable(table: Table): Meta {
  const p = tableToPart(table.slice(0, 0));
  return { names: p.names, dtypes: p.columns.map((c) => c.dtype) };
}

function checkNpartitions(n: unknown): number {
  if (!Number.isInteger(n) || (n as number) < 1) throw new OptionError(messages.badOption('npartitions', n, 'a whole number >= 1'));
  return n as number;
}

/**
 * An Arrow Table as a DataFrame of `npartitions` row ranges.
 * @example
 * const df = fromArrow(tableFromArrays({ x: new Float64Array([1, 2, 3]) }), { npartitions: 2 });
 */
export function fromArrow(table: Table, opts: { npartitions?: number } = {}): DataFrame {
  const n = checkNpartitions(opts.npartitions ?? 1);
  const whole = tableToPart(table);
  const parts = Array.from({ length: n }, (_, i) => sliceRows(whole, Math.floor((i * whole.length) / n), Math.floor(((i + 1) * whole.length) / n)));
  return fromParts(parts.map((p) => ({ ...p, columns: p.columns.map((c) => ({ ...c, values: c.values.slice(), ...(c.valid ? { valid: c.valid.slice() } : {}) })) })), metaOfTable(table), 'from-arrow');
}

/**
 * Plain objects as a DataFrame (dtypes from the values: numbers, strings, booleans, Dates).
 * @example
 * fromRecords([{ name: 'a', x: 1 }, { name: 'b', x: 2 }], { npartitions: 2 });
 */
export function fromRecords(records: ReadonlyArray<Record<string, unknown>>, opts: { npartitions?: number; dtypes?: Record<string, Dtype> } = {}): DataFrame {
  const n = checkNpartitions(opts.npartitions ?? 1);
  const meta = metaOfRecords(records);
  for (const [k, d] of Object.entries(opts.dtypes ?? {})) {
    if (!DTYPES.includes(d)) throw new OptionError(messages.badDtype(k, d));
    const i = meta.names.indexOf(k);
    if (i < 0) throw new OptionError(messages.unknownColumn(k, meta.names, 'fromRecords dtypes'));
    meta.dtypes[i] = d;
  }
  const parts = Array.from({ length: n }, (_, i) => recordsToPart(records.slice(Math.floor((i * records.length) / n), Math.floor(((i + 1) * records.length) / n)), meta));
  return fromParts(parts, meta, 'from-records');
}

function fromParts(parts: ReturnType<typeof tableToPart>[], meta: Meta, name: string): DataFrame {
  const token = uniqueToken();
  const graph = new Map<Key, GraphNode>();
  const keys = parts.map((p, i) => {
    const k = blockKey(`${name}-${token}`, [i]);
    graph.set(k, data(k, p));
    return k;
  });
  return DataFrame.fromKeys(graph, keys, meta);
}

/**
 * Partitions made by Delayed calls that return Arrow Tables (or arrays of records). `meta` gives
 * the columns (Dask's `meta`): `{ column: dtype }`.
 * @example
 * const parts = files.map((f) => delayed(loadTable)(f));
 * const df = fromDelayed(parts, { meta: { x: 'float64' } });
 */
export function fromDelayed(parts: ReadonlyArray<Delayed<unknown>>, opts: { meta: Record<string, Dtype> }): DataFrame {
  if (!opts?.meta) throw new OptionError(messages.badOption('meta', undefined, "fromDelayed needs { meta: { column: dtype } } (the Delayed results are not computed to find it)"));
  const meta: Meta = { names: Object.keys(opts.meta), dtypes: Object.values(opts.meta) };
  for (const [k, d] of Object.entries(opts.meta)) if (!DTYPES.includes(d)) throw new OptionError(messages.badDtype(k, d));
  const graph = new Map<Key, GraphNode>();
  const name = `from-delayed-${tokenize(parts.map((p) => p.key))}`;
  const keys = parts.map((p, i) => {
    for (const [k, v] of p.__graph__()) graph.set(k, v);
    const k = blockKey(name, [i]);
    graph.set(k, task(k, op('df.fromValue'), [ref(p.key), meta as unknown as Arg]));
    return k;
  });
  return DataFrame.fromKeys(graph, keys, meta);
}
