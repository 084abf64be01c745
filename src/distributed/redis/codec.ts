/**
 * BullMQ stores job data as JSON; shoal's messages hold typed arrays, Maps and other values JSON
 * cannot carry. They travel as v8 serialization (the structured clone Node's IPC already uses),
 * base64 in a JSON string field, or (bulk batches) as bytes a worker fetches over HTTP.
 *
 * Every instruction and event job is sealed: an HMAC with the job key over the queue's name, the
 * sender, its sequence number on that queue and the job's content — the inline bytes, or for a
 * bulk batch the address to fetch from, the key there and the SHA-256 of the bytes. The reader
 * checks the seal before it decodes anything or opens any connection, refuses a sequence number
 * it has already passed (a job copied back into the queue), and checks fetched bytes against the
 * sealed digest before decoding them. So a job written into Redis by someone without the secret
 * never runs, never becomes a result, and never makes a worker connect anywhere.
 */
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { RedisClusterError, redisMessages } from '../../errors.ts';
import { sameMac, type Secret } from '../secret.ts';

/** A job's data. */
export interface Packed {
  /** The message inline: v8 bytes in base64. */
  b?: string;
  /** Bulk: a key on the data server at `at` holding the v8 bytes, whose SHA-256 (hex) is `d`. */
  ref?: string;
  at?: string;
  d?: string;
  /** The sender (the client, or `<worker>.<attempt>`) and its sequence number on this queue. */
  from?: string;
  n?: number;
  /** The seal: HMAC over the queue, `from`, `n` and the content. */
  s?: string;
}

function seal(key: Secret, queue: string, p: Packed): string {
  // A JSON array, so no field's content can be shifted into another's.
  return key.mac(JSON.stringify([queue, p.from, p.n, p.ref ?? null, p.at ?? null, p.d ?? null]), '\n', p.b ?? '').toString('base64');
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Seals the jobs one sender puts on one queue, numbering them.
 * @example
 * const out = new JobSealer(keys.job, instructionQueue(session, worker, 0), 'client');
 * await queue.add('b', out.pack(batch));
 */
export class JobSealer {
  private n = 0;
  constructor(
    private readonly key: Secret,
    private readonly queue: string,
    private readonly from: string,
  ) {}

  /** A message inline. */
  pack(value: unknown): Packed {
    return this.inline(serialize(value));
  }

  /** v8 bytes inline. */
  inline(bytes: Uint8Array): Packed {
    const p: Packed = { b: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), from: this.from, n: ++this.n };
    p.s = seal(this.key, this.queue, p);
    return p;
  }

  /** v8 bytes the reader fetches from `at` under `ref`. */
  ref(ref: string, at: string, bytes: Uint8Array): Packed {
    const p: Packed = { ref, at, d: sha256(bytes), from: this.from, n: ++this.n };
    p.s = seal(this.key, this.queue, p);
    return p;
  }
}

/**
 * Checks the jobs read from one queue: `check` first (the seal and the sequence), then `open`
 * (inline) or, for a bulk job, `openBytes` with what was fetched from its checked address.
 */
export class JobOpener {
  /** The last sequence number taken from each sender. */
  private readonly last = new Map<string, number>();
  constructor(
    private readonly key: Secret,
    private readonly queue: string,
  ) {}

  /** Throws `RedisClusterError` (badJob) unless the job is sealed with the key and not seen before. */
  check(p: Packed): void {
    const fields = typeof p === 'object' && p !== null ? [p.b, p.ref, p.at, p.d] : [0];
    if (!fields.every((f) => f === undefined || typeof f === 'string') || typeof p.s !== 'string' || typeof p.from !== 'string' || !Number.isSafeInteger(p.n)) {
      throw new RedisClusterError(redisMessages.badJob());
    }
    if (!sameMac(Buffer.from(p.s, 'base64'), Buffer.from(seal(this.key, this.queue, p), 'base64'))) throw new RedisClusterError(redisMessages.badJob());
    if (p.n! <= (this.last.get(p.from) ?? 0)) throw new RedisClusterError(redisMessages.replayedJob());
    this.last.set(p.from, p.n!);
  }

  /** The message of a checked inline job. */
  open<T>(p: Packed): T {
    return deserialize(Buffer.from(p.b ?? '', 'base64')) as T;
  }

  /** The message of a checked bulk job, from the bytes fetched for it (checked against its digest). */
  openBytes<T>(p: Packed, bytes: Uint8Array): T {
    if (!sameMac(Buffer.from(sha256(bytes)), Buffer.from(p.d ?? ''))) throw new RedisClusterError(redisMessages.badBulkBytes(p.ref ?? '', p.at ?? ''));
    return deserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as T;
  }
}
