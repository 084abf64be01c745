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
 * A typed array of `n` elements, in SharedArrayBuffer when running in a worker thread (so results
 * pass to other threads by reference), in ordinary memory elsewhere (child processes cannot share
 * memory, and the calling thread does not need to).
 * @example
 * const xs = allocArray(Float64Array, 1000);
 */
export function allocArray<T>(ctor: TypedCtor<T>, n: number): T {
  const bytes = Math.max(0, n) * ctor.BYTES_PER_ELEMENT;
  const buf = isMainThread ? new ArrayBuffer(bytes) : new SharedArrayBuffer(bytes);
  return new ctor(buf, 0, n);
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
