/**
 * Schema inference for CSV: the header and the dtypes are read from a sample of the first
 * non-empty file (Dask's `sample`, 256 kB by default), once, when the DataFrame is built. Every
 * block is then parsed with that schema, and a later value that does not fit fails with a message
 * naming the file, line, column, value and the `dtypes` fix.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isGzip, readWhole } from './blocks.ts';
import { DTYPES, type Dtype } from './csv-columns.ts';
import { textToBool, textToFloat, textToInt } from './csv-convert.ts';
import { bomAt, fastPathHandles, readRecord } from './csv-parse.ts';
import { papa } from './csv-papa.ts';
import { OptionError, ShoalError, messages } from '../errors.ts';
import { assertUtf8, type EncodingErrors } from './utf8.ts';

export interface InferOptions {
  delimiter: string;
  header: boolean;
  nullValues: string[];
  sample: number;
  dtypes: Record<string, Dtype>;
  parseDates: string[];
  /** Bytes that are not UTF-8 in the sample: an error (default) or U+FFFD. */
  encodingErrors?: EncodingErrors;
}

export interface CsvSchema {
  names: string[];
  dtypes: Dtype[];
  dtypeSource: Record<string, 'inferred' | 'given'>;
}

function readHead(path: string, bytes: number): { data: Buffer; whole: boolean } {
  if (isGzip(path)) {
    const all = readWhole(path);
    return { data: all.subarray(0, bytes), whole: all.length <= bytes };
  }
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const data = Buffer.allocUnsafe(Math.min(bytes, size));
    const got = readSync(fd, data, 0, data.length, 0);
    return { data: data.subarray(0, got), whole: size <= bytes };
  } finally {
    closeSync(fd);
  }
}

/**
 * Fail unless the sample is UTF-8. With a header, its line is checked first (a bad byte there is
 * named by column number), then the rest (named by the header's names); without one, the columns
 * are '0', '1', ….
 */
function checkSample(path: string, bytes: Buffer, offset: number, delimiter: string, header: boolean): void {
  const fields = delimiter.length === 1 ? readRecord(bytes, 0, delimiter.charCodeAt(0)).fields : [];
  if (!header) return assertUtf8(bytes, path, offset, fields.map((_, i) => String(i)), delimiter);
  const nl = bytes.indexOf(10);
  const first = nl === -1 ? bytes.length : nl + 1;
  assertUtf8(bytes.subarray(0, first), path, offset, [], delimiter);
  assertUtf8(bytes.subarray(first), path, offset + first, fields, delimiter);
}

/** Records of a sample (complete lines only, unless the sample is the whole file). */
function sampleRecords(path: string, data: Buffer, whole: boolean, delimiter: string, header: boolean, encodingErrors: EncodingErrors): string[][] {
  let end = data.length;
  if (!whole) end = data.lastIndexOf(10) + 1;
  const bom = bomAt(data, 0);
  const bytes = data.subarray(bom, end);
  if (encodingErrors === 'strict') checkSample(path, bytes, bom, delimiter, header);
  if (!fastPathHandles({ delimiter })) {
    const res = papa().parse<string[]>(bytes.toString('utf8'), { delimiter, quoteChar: '"', skipEmptyLines: true });
    return res.data;
  }
  const out: string[][] = [];
  const delim = delimiter.charCodeAt(0);
  for (let pos = 0; pos < bytes.length; ) {
    if (bytes[pos] === 10 || (bytes[pos] === 13 && bytes[pos + 1] === 10)) {
      pos += bytes[pos] === 10 ? 1 : 2;
      continue;
    }
    const rec = readRecord(bytes, pos, delim);
    if (!rec.closed) break; // a quoted field runs past the sample
    out.push(rec.fields);
    pos = rec.next;
  }
  return out;
}

/** The narrowest dtype that holds every non-null value: int32, float64, bool, else string. */
export function inferDtype(values: readonly string[], nulls: ReadonlySet<string>): Dtype {
  let int = true;
  let float = true;
  let bool = true;
  let any = false;
  for (const v of values) {
    if (nulls.has(v)) continue;
    any = true;
    if (int && textToInt(v) === undefined) int = false;
    if (float && textToFloat(v) === undefined) float = false;
    if (bool && textToBool(v) === undefined) bool = false;
    if (!int && !float && !bool) return 'string';
  }
  if (!any) return 'float64'; // all null: like pandas, a float column of NaN
  return int ? 'int32' : float ? 'float64' : bool ? 'bool' : 'string';
}

/**
 * Read the header and infer dtypes from the first `sample` bytes of the first non-empty file.
 * @example
 * inferCsvSchema(['datasets/weather.csv'], { delimiter: ',', header: true, nullValues: [''], sample: 256000, dtypes: {}, parseDates: ['date'] });
 * // { names: ['location', 'date', …], dtypes: ['string', 'date', 'float64', …], … }
 */
export function inferCsvSchema(paths: readonly string[], opts: InferOptions): CsvSchema {
  const path = paths.find((p) => statSync(p).size > 0);
  if (path === undefined) throw new ShoalError('ERR_SHOAL_IO', messages.csvAllEmpty(paths.length));
  const { data, whole } = readHead(path, opts.sample);
  const records = sampleRecords(path, data, whole, opts.delimiter, opts.header, opts.encodingErrors ?? 'strict');
  if (records.length === 0) throw new ShoalError('ERR_SHOAL_IO', messages.csvSampleTooSmall(path, opts.sample));
  const names = opts.header ? records[0]! : records[0]!.map((_, i) => String(i));
  const rows = opts.header ? records.slice(1) : records;
  const nulls = new Set(opts.nullValues);
  const dtypeSource: Record<string, 'inferred' | 'given'> = {};
  for (const [name, dt] of Object.entries(opts.dtypes)) {
    if (!names.includes(name)) throw new OptionError(messages.unknownColumn(name, names, 'dtypes'));
    if (!DTYPES.includes(dt)) throw new OptionError(messages.badDtype(name, dt));
  }
  for (const name of opts.parseDates) if (!names.includes(name)) throw new OptionError(messages.unknownColumn(name, names, 'parseDates'));
  const dtypes = names.map((name, c) => {
    const given = opts.dtypes[name] ?? (opts.parseDates.includes(name) ? 'date' : undefined);
    if (given) {
      dtypeSource[name] = 'given';
      return given;
    }
    dtypeSource[name] = 'inferred';
    return inferDtype(rows.map((r) => r[c] ?? ''), nulls);
  });
  return { names, dtypes, dtypeSource };
}
