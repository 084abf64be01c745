/**
 * Large values between processes travel as files in shared memory (`/dev/shm`, else the temp
 * directory), and only the file's path goes over the IPC channel. Node's IPC pipe is read in 64 KB
 * pieces and re-assembled, and `v8.serialize` grows its buffer as it goes: ~100-300 MB/s for
 * a 16 MB typed array here. A file costs one copy on each side.
 *
 * The file holds the value serialized by v8, except that large typed arrays (and Buffers) are not
 * copied into the serialized bytes (`out-of-band.ts`): they are written straight from their own
 * memory after them, and read straight into a new buffer of their own (one copy each way, no
 * intermediate buffer):
 *
 *   [u32 magic][u32 header length][header: v8 bytes, large views as placeholders][pad to 8]
 *   [view 0 bytes][pad to 8][view 1 bytes]...
 *
 * Every file has exactly one owner at a time: whoever was sent its path reads it and deletes it
 * (or, for the calling process relaying a value between workers, keeps it until the value is
 * released and gives each receiver a hard link of its own). Names say who wrote them and for whom
 * (`p<pid>-…` written by a worker, `to<pid>-…` addressed to one), so the files of a dead worker can
 * be swept; the pool's directory (private: 0700, files 0600) is removed when the pool closes, when
 * the program exits, by the workers themselves when their parent dies (Ctrl-C, SIGKILL), and, if
 * everything was killed at once, by the next pool that starts (its lock names a dead owner).
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, linkSync, openSync, readdirSync, readSync, renameSync, rmSync, unlinkSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bytesOf, OutOfBandDeserializer, OutOfBandSerializer } from './out-of-band.ts';
import { makeOwnedDir } from './workspace.ts';

export { VIEW_TYPES } from './out-of-band.ts';

/**
 * Values whose estimated size (`sizeOf`) is at least this many bytes travel as files; below it the
 * IPC channel is as fast (one message, no file system calls). The environment variable
 * `SHOAL_BULK_MIN` overrides it (bytes, or `off`), read when a pool starts; its workers inherit it.
 * For benchmarks comparing both paths.
 */
export function bulkMinFromEnv(): number {
  return bulkMin(process.env.SHOAL_BULK_MIN);
}
const MAGIC = 0x5348424b; // 'SHBK'

function bulkMin(env: string | undefined): number {
  if (env === undefined || env === '') return 256 * 1024;
  if (env === 'off') return Infinity;
  const n = Number(env);
  return Number.isFinite(n) && n >= 0 ? n : 256 * 1024;
}

const pad8 = (n: number) => (8 - (n % 8)) % 8;
const ZEROS = new Uint8Array(8);

function readFully(fd: number, into: Uint8Array, pos: number): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, into.byteLength - done, pos + done);
    if (n === 0) throw new Error(`bulk file truncated at byte ${pos + done}`);
    done += n;
  }
}

/** Write `value` to a new file at `path` (which must not exist). */
export function writeBulk(path: string, value: unknown): void {
  const ser = new OutOfBandSerializer();
  ser.writeHeader();
  ser.writeValue(value);
  const header = ser.releaseBuffer();
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32LE(MAGIC, 0);
  prefix.writeUInt32LE(header.length, 4);
  const parts: Uint8Array[] = [prefix, header];
  const p = pad8(header.length);
  if (p) parts.push(ZEROS.subarray(0, p));
  for (const v of ser.views) {
    parts.push(bytesOf(v));
    const q = pad8(v.byteLength);
    if (q) parts.push(ZEROS.subarray(0, q));
  }
  const reused = claimSpare(path);
  const fd = openSync(path, reused ? 'r+' : 'wx', 0o600);
  try {
    const total = writeAll(fd, parts);
    if (reused) ftruncateSync(fd, total);
  } catch (e) {
    closeSync(fd);
    unlinkQuietly(path);
    throw e;
  }
  closeSync(fd);
}

function writeAll(fd: number, parts: Uint8Array[]): number {
  let pos = 0;
  let rest = parts;
  while (rest.length) {
    let n = writevSync(fd, rest, pos);
    pos += n;
    // A short write: skip what went out and go on with the rest.
    let k = 0;
    while (k < rest.length && n >= rest[k]!.byteLength) n -= rest[k++]!.byteLength;
    rest = rest.slice(k);
    if (n > 0) {
      const first = rest[0]!;
      rest[0] = new Uint8Array(first.buffer, first.byteOffset + n, first.byteLength - n);
    }
  }
  return pos;
}

// Spare files. Filling new pages of /dev/shm costs as much as copying into them again (page
// allocation, ~1 ms per MB on the project's machine), so a file that has been read is kept as a
// spare, up to SPARES per pool, and the next large write overwrites one instead of starting from
// nothing. Any process may claim any spare: the rename is atomic, so only one gets it. Spares are
// deleted when the pool goes idle (`dropSpares`) and with the pool's directory.
const SPARES = 2;
const SPARE = 'spare-';
let spareSeq = 0;

function spares(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.startsWith(SPARE));
  } catch {
    return [];
  }
}

/** Rename a spare to `path` if there is one (true), so its pages are overwritten, not allocated. */
function claimSpare(path: string): boolean {
  const dir = dirname(path);
  for (const name of spares(dir)) {
    try {
      renameSync(join(dir, name), path);
      return true;
    } catch {
      // another process claimed it first
    }
  }
  return false;
}

/** Done with a file just read: keep it as a spare if there are fewer than SPARES, else delete it. */
function retire(path: string): void {
  const dir = dirname(path);
  if (spares(dir).length < SPARES) {
    try {
      renameSync(path, join(dir, `${SPARE}${process.pid}-${spareSeq++}`));
      return;
    } catch {
      // gone meanwhile (a sweep): nothing to keep
    }
  }
  unlinkQuietly(path);
}

/** Delete the spare files of a pool's directory (the pool is idle: give the memory back). */
export function dropSpares(dir: string): void {
  sweep(dir, [SPARE]);
}

/** Read the value in the file at `path`; the file is deleted (or kept as a spare, see below). */
export function readBulk(path: string): unknown {
  const fd = openSync(path, 'r');
  try {
    const prefix = Buffer.alloc(8);
    readFully(fd, prefix, 0);
    if (prefix.readUInt32LE(0) !== MAGIC) throw new Error(`${path} is not a shoal transfer file`);
    const headerLength = prefix.readUInt32LE(4);
    const header = Buffer.allocUnsafe(headerLength);
    readFully(fd, header, 8);
    const de = new OutOfBandDeserializer(header);
    de.readHeader();
    const value = de.readValue();
    let pos = 8 + headerLength + pad8(headerLength);
    for (const fill of de.fills) {
      readFully(fd, fill, pos);
      pos += fill.byteLength + pad8(fill.byteLength);
    }
    // A relayed value's file has other names (links the calling process holds or gave to other
    // workers): it must not be overwritten as a spare.
    const shared = fstatSync(fd).nlink > 1;
    closeSync(fd);
    if (shared) unlinkQuietly(path);
    else retire(path);
    return value;
  } catch (e) {
    closeSync(fd);
    unlinkQuietly(path);
    throw e;
  }
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Give `path` a second name (no data copied). */
export function linkBulk(path: string, to: string): void {
  linkSync(path, to);
}

/**
 * A new private directory (0700, its files 0600) for one pool's transfer files: in /dev/shm if
 * usable, else the temp dir. Directories left by programs that no longer run (everything killed
 * at once) are removed first (`workspace.ts`).
 */
export function makeBulkDir(): string {
  for (const base of ['/dev/shm', tmpdir()]) {
    try {
      if (!existsSync(base)) continue;
      return makeOwnedDir(base, 'shoal-transfer-');
    } catch {
      // not writable: try the next
    }
  }
  throw new Error('no writable directory for transfer files');
}

/** Delete the files in `dir` whose names start with one of `prefixes`, except those in `keep`. */
export function sweep(dir: string, prefixes: string[], keep?: ReadonlySet<string>): number {
  let n = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!prefixes.some((p) => name.startsWith(p))) continue;
    const path = join(dir, name);
    if (keep?.has(path)) continue;
    unlinkQuietly(path);
    n++;
  }
  return n;
}

/** Remove a pool's transfer directory and everything in it. */
export function removeBulkDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // best effort: a sweep at the next start catches what is left
  }
}
