/**
 * A worker's values, with exact byte accounting and spilling (Dask's `SpillBuffer`): above
 * 0.6 × memoryLimit the least recently used values are written to disk (v8 serialization) and
 * read back transparently on their next use. `bytes` counts what is in memory, `spilledBytes`
 * what is on disk (both by `sizeOf`, so a value counts the same wherever it is). The spill folder
 * is private (0700) and so is every file in it (0600): spilled values are the user's data.
 */
import { closeSync, openSync, readFileSync, readSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Key } from '../graph/types.ts';
import { VIEW_TYPES } from '../schedulers/bulk.ts';
import { makePrivateDirs } from '../schedulers/workspace.ts';
import { sizeOf } from './sizeof.ts';

export const SPILL_FRACTION = 0.6;
export const PAUSE_FRACTION = 0.8;
export const TERMINATE_FRACTION = 0.95;
/** The private folder holding a cluster's (or a `shoal worker`'s) spill folders starts with this. */
export const SPACE_PREFIX = 'shoal-worker-space-';

interface Spilled {
  file: string;
  nbytes: number;
  /** A typed array written as its raw bytes: the constructor's name (no serialized copy either way). */
  typed?: string;
}

// Typed arrays spill as their raw bytes and come back through their constructor, found by name
// (the engine's table of view types, less DataView and Buffer).
type TypedCtor = new (buffer: ArrayBuffer) => ArrayBufferView;
const TYPED: Record<string, TypedCtor> = Object.fromEntries(
  VIEW_TYPES.filter((c) => c !== DataView && c !== Buffer).map((c) => [c.name, c as TypedCtor]),
);

/** Read a whole file into a fresh ArrayBuffer (no intermediate Buffer). */
function readInto(file: string, size: number): ArrayBuffer {
  const ab = new ArrayBuffer(size);
  const fd = openSync(file, 'r');
  try {
    let off = 0;
    while (off < size) off += readSync(fd, new Uint8Array(ab, off), 0, size - off, off);
  } finally {
    closeSync(fd);
  }
  return ab;
}

export class Store {
  /** In memory, in least-recently-used-first order (a Map keeps insertion order). */
  private readonly fast = new Map<Key, { value: unknown; nbytes: number }>();
  private readonly slow = new Map<Key, Spilled>();
  bytes = 0;
  spilledBytes = 0;
  /** Counters: values written to and read back from disk. */
  spills = 0;
  unspills = 0;
  private readonly limit: number | undefined;
  private readonly dir: string | undefined;
  private nextFile = 0;
  private readonly collect: (() => void) | undefined;
  private freedSinceCollect = 0;

  /**
   * `collect` runs a garbage collection: values written to disk (and their serialized copies)
   * are only garbage until V8 collects them, and the nanny measures the process's real memory.
   */
  constructor(opts: { memoryLimit?: number; spillDir?: string; collect?: () => void }) {
    this.limit = opts.memoryLimit;
    this.dir = opts.spillDir;
    this.collect = opts.collect;
    if (this.dir && this.limit) makePrivateDirs(this.dir);
  }

  has(key: Key): boolean {
    return this.fast.has(key) || this.slow.has(key);
  }

  /** Store a value; returns its size in bytes. */
  set(key: Key, value: unknown): number {
    this.delete(key);
    const nbytes = sizeOf(value);
    this.fast.set(key, { value, nbytes });
    this.bytes += nbytes;
    this.maybeSpill(key);
    return nbytes;
  }

  get(key: Key): unknown {
    const e = this.fast.get(key);
    if (e) {
      if (this.limit) {
        // Most recently used goes last.
        this.fast.delete(key);
        this.fast.set(key, e);
      }
      return e.value;
    }
    const s = this.slow.get(key);
    if (!s) return undefined;
    const value = s.typed ? new TYPED[s.typed]!(readInto(s.file, s.nbytes)) : deserialize(readFileSync(s.file));
    if (!s.typed) this.freedSinceCollect += s.nbytes; // the bytes read
    this.slow.delete(key);
    this.spilledBytes -= s.nbytes;
    unlinkSync(s.file);
    this.unspills++;
    this.fast.set(key, { value, nbytes: s.nbytes });
    this.bytes += s.nbytes;
    this.maybeSpill(key);
    return value;
  }

  delete(key: Key): void {
    const e = this.fast.get(key);
    if (e) {
      this.fast.delete(key);
      this.bytes -= e.nbytes;
      return;
    }
    const s = this.slow.get(key);
    if (s) {
      this.slow.delete(key);
      this.spilledBytes -= s.nbytes;
      rmSync(s.file, { force: true });
    }
  }

  /** Keep memory under the spill threshold by writing the oldest values to disk (never `keep`). */
  private maybeSpill(keep: Key): void {
    if (!this.limit || !this.dir) return;
    const target = SPILL_FRACTION * this.limit;
    if (this.bytes <= target) return;
    for (const [key, e] of this.fast) {
      if (this.bytes <= target) break;
      if (key === keep) continue;
      const v = e.value;
      const typed = ArrayBuffer.isView(v) && TYPED[v.constructor.name] === v.constructor ? v.constructor.name : undefined;
      let bytes: Uint8Array;
      try {
        // Typed arrays go to disk as their own bytes (also from shared memory); the rest serialized.
        bytes = typed ? new Uint8Array((v as ArrayBufferView).buffer, (v as ArrayBufferView).byteOffset, (v as ArrayBufferView).byteLength) : serialize(v);
      } catch {
        continue; // cannot be written (functions inside): stays in memory
      }
      const file = join(this.dir, `${this.nextFile++}.bin`);
      writeFileSync(file, bytes, { mode: 0o600 });
      this.fast.delete(key);
      this.bytes -= e.nbytes;
      this.slow.set(key, typed ? { file, nbytes: e.nbytes, typed } : { file, nbytes: e.nbytes });
      this.spilledBytes += e.nbytes;
      this.spills++;
      this.freedSinceCollect += typed ? e.nbytes : 2 * e.nbytes; // the value (and its serialized copy)
    }
    if (this.collect && this.freedSinceCollect > 0.05 * this.limit) {
      this.freedSinceCollect = 0;
      this.collect();
    }
  }

  /** Managed memory above the pause threshold (spilling could not keep up). */
  shouldPause(): boolean {
    return this.limit !== undefined && this.bytes > PAUSE_FRACTION * this.limit;
  }

  /** Remove the spill directory (at shutdown). */
  dispose(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
