/**
 * Partitions: the plain-data `Columns` of src/io (typed arrays in SharedArrayBuffer on worker
 * threads, small string dictionaries) and their conversion to and from Arrow tables at the edges
 * (compute(), mapPartitions, readArrow/toArrow). See README.md for why partitions are not Arrow
 * tables while they move between threads.
 */
import {
  Bool,
  Data,
  DateDay,
  Dictionary,
  Field,
  Float64,
  Int32,
  makeData,
  Schema,
  Table,
  TimestampMillisecond,
  Type,
  Utf8,
  Vector,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import { allocArray, arrayTypeOf, emptyColumn, type Column, type Columns, type Dtype } from '../io/csv-columns.ts';
import { OptionError, messages } from '../errors.ts';

export type Part = Columns;
export type { Column, Dtype };

/** Column names and dtypes of a DataFrame (Dask's `meta`, without data). */
export interface Meta {
  names: string[];
  dtypes: Dtype[];
}

/** The Arrow type used for a dtype. */
export function arrowType(dtype: Dtype): DataType {
  switch (dtype) {
    case 'float64':
      return new Float64();
    case 'int32':
      return new Int32();
    case 'bool':
      return new Bool();
    case 'string':
      return new Dictionary(new Utf8(), new Int32());
    case 'date':
      return new TimestampMillisecond();
  }
}

/** The Arrow schema of a meta. */
export function arrowSchema(meta: Meta): Schema {
  return new Schema(meta.names.map((n, i) => new Field(n, arrowType(meta.dtypes[i]!), true)));
}

function bitmap(valid: Uint8Array): Uint8Array {
  const out = new Uint8Array((valid.length + 7) >> 3);
  for (let i = 0; i < valid.length; i++) if (valid[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

function unbitmap(bits: Uint8Array, offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = i + offset;
    out[i] = (bits[j >> 3]! >> (j & 7)) & 1;
  }
  return out;
}

function nullCount(valid: Uint8Array | undefined): number {
  if (!valid) return 0;
  let k = 0;
  for (let i = 0; i < valid.length; i++) if (!valid[i]) k++;
  return k;
}

/** One column as an Arrow Vector (numbers are shared, not copied; bools, dates and null masks are re-encoded). */
export function columnToVector(col: Column, length: number): Vector {
  const nulls = nullCount(col.valid);
  const nullBitmap = nulls > 0 ? bitmap(col.valid!) : undefined;
  let d: Data;
  switch (col.dtype) {
    case 'float64':
      d = makeData({ type: new Float64(), data: col.values as Float64Array, length, nullCount: nulls, nullBitmap });
      break;
    case 'int32':
      d = makeData({ type: new Int32(), data: col.values as Int32Array, length, nullCount: nulls, nullBitmap });
      break;
    case 'bool':
      d = makeData({ type: new Bool(), data: bitmap(col.values as Uint8Array), length, nullCount: nulls, nullBitmap });
      break;
    case 'date': {
      const ms = new BigInt64Array(length);
      for (let i = 0; i < length; i++) ms[i] = BigInt(Math.round(col.values[i]!));
      d = makeData({ type: new TimestampMillisecond(), data: ms, length, nullCount: nulls, nullBitmap });
      break;
    }
    case 'string': {
      const dictionary = vectorFromArray(col.dict ?? [], new Utf8());
      d = makeData({ type: new Dictionary(new Utf8(), new Int32()), data: col.values as Int32Array, length, nullCount: nulls, nullBitmap, dictionary });
      break;
    }
  }
  return new Vector([d]);
}

/**
 * A partition as an Arrow Table.
 * @example
 * partToTable({ names: ['x'], columns: [{ dtype: 'float64', values: new Float64Array([1, 2]) }], length: 2 });
 */
export function partToTable(part: Part): Table {
  if (part.names.length === 0) return new Table(new Schema([]));
  const vectors: Record<string, Vector> = {};
  part.names.forEach((n, i) => (vectors[n] = columnToVector(part.columns[i]!, part.length)));
  return new Table(vectors);
}

/** The dtype shoal uses for an Arrow type, or undefined when unsupported. */
export function dtypeOfArrow(type: DataType): Dtype | undefined {
  switch (type.typeId) {
    case Type.Float:
      return 'float64';
    case Type.Int: {
      const t = type as unknown as { bitWidth: number; isSigned: boolean };
      return t.bitWidth < 32 || (t.bitWidth === 32 && t.isSigned) ? 'int32' : 'float64';
    }
    case Type.Bool:
      return 'bool';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Dictionary:
      return dtypeOfArrow((type as Dictionary).dictionary) === 'string' ? 'string' : undefined;
    case Type.Timestamp:
    case Type.Date:
      return 'date';
    default:
      return undefined;
  }
}

/** An Arrow vector as a column of `dtype` (values are decoded once, into typed arrays). */
export function vectorToColumn(v: Vector, name: string): Column {
  const dtype = dtypeOfArrow(v.type);
  if (!dtype) throw new OptionError(messages.badDtype(name, String(v.type)));
  const n = v.length;
  const col = emptyColumn(dtype, n);
  let valid: Uint8Array | undefined;
  if (v.nullCount > 0) {
    valid = allocArray(Uint8Array, n);
    let at = 0;
    for (const d of v.data) {
      if (d.nullBitmap && d.nullCount > 0) valid.set(unbitmap(d.nullBitmap, d.offset, d.length), at);
      else valid.fill(1, at, at + d.length);
      at += d.length;
    }
    col.valid = valid;
  }
  if (dtype === 'string') {
    const codes = new Map<string, number>();
    const dict: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = v.get(i) as string | null;
      if (s === null) continue;
      let c = codes.get(s);
      if (c === undefined) {
        codes.set(s, (c = dict.length));
        dict.push(s);
      }
      col.values[i] = c;
    }
    col.dict = dict;
  } else if (dtype === 'date') {
    const isDay = v.type instanceof DateDay;
    for (let i = 0; i < n; i++) {
      const x = v.get(i) as number | Date | bigint | null;
      col.values[i] = x === null ? 0 : typeof x === 'bigint' ? Number(x) : x instanceof Date ? x.getTime() : isDay ? x : Number(x);
    }
  } else if (dtype === 'bool') {
    for (let i = 0; i < n; i++) col.values[i] = v.get(i) ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) {
      const x = v.get(i) as number | bigint | null;
      col.values[i] = x === null ? 0 : Number(x);
    }
  }
  return col;
}

/**
 * An Arrow Table as a partition.
 * @example
 * tableToPart(tableFromArrays({ x: new Float64Array([1, 2]) })).length; // 2
 */
export function tableToPart(table: Table): Part {
  const names = table.schema.fields.map((f) => f.name);
  return { names, columns: names.map((n, i) => vectorToColumn(table.getChildAt(i)!, n)), length: table.numRows };
}

export function metaOf(part: Part): Meta {
  return { names: part.names.slice(), dtypes: part.columns.map((c) => c.dtype) };
}

/** A partition with no rows and the given columns. */
export function emptyPart(meta: Meta): Part {
  return { names: meta.names.slice(), columns: meta.dtypes.map((d) => emptyColumn(d, 0)), length: 0 };
}

/** The value of row `i` of a column as a JS value (null, number, boolean, string; dates as ms). */
export function cell(col: Column, i: number): number | string | boolean | null {
  if (col.valid && !col.valid[i]) return null;
  switch (col.dtype) {
    case 'string':
      return col.dict![col.values[i]!]!;
    case 'bool':
      return col.values[i] === 1;
    default:
      return col.values[i]!;
  }
}

/** Rows `idx` of a column (a gather). */
export function takeColumn(col: Column, idx: Int32Array | number[], n = idx.length): Column {
  const values = allocArray(arrayTypeOf(col.dtype) as typeof Float64Array, n) as Float64Array;
  const src = col.values;
  for (let i = 0; i < n; i++) values[i] = src[idx[i]!]!;
  const out: Column = { dtype: col.dtype, values };
  if (col.dict) out.dict = col.dict;
  if (col.valid) {
    const valid = allocArray(Uint8Array, n);
    for (let i = 0; i < n; i++) valid[i] = col.valid[idx[i]!]!;
    out.valid = valid;
  }
  return out;
}

/** Rows `idx` of a partition. */
export function takeRows(part: Part, idx: Int32Array | number[], n = idx.length): Part {
  return { names: part.names, columns: part.columns.map((c) => takeColumn(c, idx, n)), length: n };
}

/** Rows `[start, end)` of a partition (views, no copy). */
export function sliceRows(part: Part, start: number, end: number): Part {
  const s = Math.max(0, Math.min(start, part.length));
  const e = Math.max(s, Math.min(end, part.length));
  return {
    names: part.names,
    columns: part.columns.map((c) => {
      const out: Column = { dtype: c.dtype, values: c.values.subarray(s, e) };
      if (c.dict) out.dict = c.dict;
      if (c.valid) out.valid = c.valid.subarray(s, e);
      return out;
    }),
    length: e - s,
  };
}

/**
 * Concatenate partitions with the same columns (string dictionaries are merged).
 * @example
 * concatParts([a, b]).length === a.length + b.length;
 */
export function concatParts(parts: readonly Part[], meta?: Meta): Part {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  const first = parts[0];
  const m = meta ?? (first ? metaOf(first) : { names: [], dtypes: [] });
  if (nonEmpty.length === 0) return first ?? emptyPart(m);
  const total = nonEmpty.reduce((s, p) => s + p.length, 0);
  const columns = m.names.map((name, c) => {
    const dtype = m.dtypes[c]!;
    const out = emptyColumn(dtype, total);
    const hasNulls = nonEmpty.some((p) => p.columns[c]!.valid);
    if (hasNulls) out.valid = allocArray(Uint8Array, total);
    let at = 0;
    let dict: string[] | undefined;
    let codes: Map<string, number> | undefined;
    if (dtype === 'string') {
      dict = [];
      codes = new Map();
    }
    for (const p of nonEmpty) {
      const col = p.columns[c]!;
      if (col.dtype !== dtype) throw new OptionError(messages.dtypeMix(name, dtype, col.dtype));
      if (dtype === 'string') {
        const remap = new Int32Array(col.dict!.length);
        col.dict!.forEach((s, k) => {
          let code = codes!.get(s);
          if (code === undefined) codes!.set(s, (code = dict!.length)), dict!.push(s);
          remap[k] = code;
        });
        const vals = col.values;
        for (let i = 0; i < p.length; i++) out.values[at + i] = remap[vals[i]!] ?? 0;
      } else out.values.set(col.values as Float64Array, at);
      if (hasNulls) {
        if (col.valid) out.valid!.set(col.valid, at);
        else out.valid!.fill(1, at, at + p.length);
      }
      at += p.length;
    }
    if (dict) out.dict = dict;
    return out;
  });
  return { names: m.names.slice(), columns, length: total };
}

/** Column `name` of a partition, or an error naming the columns that exist. */
export function columnOf(part: Part, name: string): Column {
  const i = part.names.indexOf(name);
  if (i < 0) throw new OptionError(messages.unknownColumn(name, part.names));
  return part.columns[i]!;
}
