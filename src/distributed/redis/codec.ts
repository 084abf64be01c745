/**
 * BullMQ stores job data as JSON; shoal's messages hold typed arrays, Maps and other values JSON
 * cannot carry. They travel as v8 serialization (the structured clone Node's IPC already uses),
 * base64 in a JSON string field.
 */
import { deserialize, serialize } from 'node:v8';

export interface Packed {
  b: string;
}

/** @example unpack(pack({ a: new Float64Array([1]) })) */
export function pack(value: unknown): Packed {
  return { b: serialize(value).toString('base64') };
}

export function unpack<T>(p: Packed): T {
  return deserialize(Buffer.from(p.b, 'base64')) as T;
}
