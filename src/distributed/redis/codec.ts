/**
 * BullMQ stores job data as JSON; shoal's messages hold typed arrays, Maps and other values JSON
 * cannot carry. They travel as v8 serialization (the structured clone Node's IPC already uses),
 * base64 in a JSON string field. Instruction and event jobs carry an HMAC of their bytes (`s`,
 * with the job key derived from the token): a job written into Redis by someone without the
 * token is dropped before it is decoded.
 */
import { deserialize, serialize } from 'node:v8';
import { RedisClusterError, redisMessages } from '../../errors.ts';
import { mac, macOk } from './signing.ts';

/** A job's data: the message inline (base64), or where to fetch its bytes over HTTP (bulk batches). */
export interface Packed {
  b?: string;
  /** A key on the data server at `at` holding the v8 bytes (Redis never carries bulk data). */
  ref?: string;
  at?: string;
  /** HMAC of `b`, or of the bytes behind `ref`. */
  s?: string;
}

/** @example unpack(pack({ a: new Float64Array([1]) }, key), key) */
export function pack(value: unknown, key?: Buffer): Packed {
  const b = serialize(value).toString('base64');
  return key ? { b, s: mac(key, b) } : { b };
}

/** Decode a job; with `key`, one whose signature does not match throws (it is not decoded). */
export function unpack<T>(p: Packed, key?: Buffer): T {
  if (key && !macOk(key, p.b ?? '', p.s)) throw new RedisClusterError(redisMessages.badJob());
  return deserialize(Buffer.from(p.b!, 'base64')) as T;
}

/** Decode v8 bytes fetched for a `ref` job, checking them against the job's signature. */
export function unpackBytes<T>(u8: Uint8Array, key: Buffer, sig: string | undefined): T {
  if (!macOk(key, u8, sig)) throw new RedisClusterError(redisMessages.badJob());
  return deserialize(Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)) as T;
}
