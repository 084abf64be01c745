/**
 * The plain-data column representation that CSV parsing produces and DataFrame partitions are
 * made of. Plain objects of typed arrays (no classes) so a partition survives `structuredClone`
 * between threads and processes; inside a worker thread the arrays are allocated in
 * SharedArrayBuffer, so moving a partition to another thread copies no column.
 */
import { isMainThread } from 'node:worker_threads';

/** Column types: numbers, 32-bit ints, booleans, dictionary-encoded strings, dates (ms since epoch, UTC). */
export type Dtype = 'float64' | 'int32' | 'bool' | 'string' | 'date';
export const DTYPES: readonly Dtype[] = ['float64', 'int32', 'bool', 'string', 'date'];

/**
 * One column. `values` holds numbers (`float64`, `date` as ms), ints (`int32`), 0/1 bytes
 * (`bool`) or dictionary codes into `dict` (`string`). `valid[i] === 0` marks a null; absent
 * `valid` means no nulls.
 */
export interface Column {
  dtype: Dtype;
  values: Float64Array | Int32Array | Uint8Array;
  dict?: string[];
  valid?: Uint8Array;
}

/** A set of equally long named columns: a DataFrame partition. */
export interface Columns {
  names: string[];
  columns: Column[];
  length: number;
}

type TypedCtor<T> = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

/**
 * A typed array of `n` elements in ordinary memory. Kernels allocate their working arrays here
 * (V8 counts this memory when deciding to collect garbage; SharedArrayBuffer memory it notices
 * late, which let dead intermediates pile up); partitions that leave a task on a worker thread are
 * moved into SharedArrayBuffer once by `shareColumns`.
 * @example
 * const xs = allocArray(Float64Array, 1000);
 */
export function allocArray<T>(ctor: TypedCtor<T>, n: number): T {
  return new ctor(new ArrayBuffer(Math.max(0, n) * ctor.BYTES_PER_ELEMENT), 0, Math.max(0, n));
}

function toShared<T extends Float64Array | Int32Array | Uint8Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as TypedCtor<T>;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength), 0, a.length);
  (out as unknown as Float64Array).set(a as unknown as Float64Array);
  return out;
}

/**
 * The same columns with their arrays in SharedArrayBuffer when running on a worker thread, so the
 * partition passes to other threads (and the calling thread) by reference; unchanged elsewhere
 * (child processes cannot share memory; the calling thread does not need to).
 * @example
 * return shareColumns(part); // at the end of a kernel that returns a partition
 */
export function shareColumns(part: Columns): Columns {
  if (isMainThread) return part;
  return {
    names: part.names,
    length: part.length,
    columns: part.columns.map((c) => ({ ...c, values: toShared(c.values), ...(c.valid ? { valid: toShared(c.valid) } : {}) })),
  };
}

/** The typed-array constructor that stores values of `dtype`. */
export function arrayTypeOf(dtype: Dtype): TypedCtor<Float64Array> | TypedCtor<Int32Array> | TypedCtor<Uint8Array> {
  switch (dtype) {
    case 'float64':
    case 'date':
      return Float64Array;
    case 'int32':
    case 'string':
      return Int32Array;
    case 'bool':
      return Uint8Array;
  }
}

/**
 * An empty column of `n` rows of `dtype` (zeros, no nulls).
 * @example
 * emptyColumn('float64', 3); // { dtype: 'float64', values: Float64Array [0, 0, 0] }
 */
export function emptyColumn(dtype: Dtype, n: number): Column {
  const values = allocArray(arrayTypeOf(dtype) as TypedCtor<Float64Array>, n);
  return dtype === 'string' ? { dtype, values, dict: [] } : { dtype, values };
}
