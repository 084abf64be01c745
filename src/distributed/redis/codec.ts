/**
 * BullMQ stores job data as JSON; shoal's messages hold typed arrays, Maps and other values JSON
 * cannot carry. They travel as v8 serialization (the structured clone Node's IPC already uses),
 * base64 in a JSON string field.
 */
import { deserialize, serialize } from 'node:v8';

/** A job's data: the message inline (base64), or where to fetch its bytes over HTTP (bulk batches). */
export interface Packed {
  b?: string;
  /** A key on the data server at `at` holding the v8 bytes (Redis never carries bulk data). */
  ref?: string;
  at?: string;
}

/** @example unpack(pack({ a: new Float64Array([1]) })) */
export function pack(value: unknown): Packed {
  return { b: serialize(value).toString('base64') };
}

export function unpack<T>(p: Packed): T {
  return deserialize(Buffer.from(p.b!, 'base64')) as T;
}

/** Decode v8 bytes fetched for a `ref` job. */
export function unpackBytes<T>(u8: Uint8Array): T {
  return deserialize(Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)) as T;
}
