/**
 * Splitting files into byte ranges that workers read independently, cut at line boundaries.
 *
 * The rule (Dask's `read_bytes` with a delimiter): a block owns every line whose first byte lies in
 * `[start, end)`. A reader skips the partial line at its start (the previous block owns it) and reads
 * past `end` to finish its last line, so blocks never split or duplicate a line and no coordination
 * between workers is needed. Gzip files cannot be entered in the middle: they are one block each.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ShoalError, messages } from '../errors.ts';

/** One byte range of one file. Plain data, so it travels to workers as a task argument. */
export interface Block {
  path: string;
  /** First byte of the range (in the decompressed file for `.gz`). */
  start: number;
  /** One past the last byte of the range; lines starting before it belong to this block. */
  end: number;
  /** Position of this block within its file (0 holds the file's first line, e.g. a CSV header). */
  index: number;
  /** Whether the file is gzip-compressed (read whole). */
  compressed: boolean;
}

/** The bytes of the complete lines a block owns, and where they start in the file. */
export interface BlockBytes {
  data: Buffer;
  /** Byte offset of `data[0]` in the (decompressed) file: used to compute line numbers for errors. */
  offset: number;
}

const NL = 0x0a;
const STEP = 1 << 16;

/** Whether a path is read through gunzip. */
export function isGzip(path: string): boolean {
  return /\.gz$/i.test(path);
}

/**
 * Cut files into blocks of about `blocksize` bytes (`null`: one block per file). Empty files give no
 * block. Sizes come from `stat`, so this is cheap and runs when the collection is built.
 * @example
 * splitBlocks(['/data/a.csv'], 64e6); // [{ path: '/data/a.csv', start: 0, end: 64e6, index: 0, … }, …]
 */
export function splitBlocks(paths: readonly string[], blocksize: number | null): Block[] {
  const blocks: Block[] = [];
  for (const path of paths) {
    const size = statOrThrow(path);
    if (size === 0) continue;
    if (isGzip(path)) {
      blocks.push({ path, start: 0, end: Infinity, index: 0, compressed: true });
      continue;
    }
    const step = blocksize ?? size;
    for (let start = 0, index = 0; start < size; start += step, index++) {
      blocks.push({ path, start, end: Math.min(start + step, size), index, compressed: false });
    }
  }
  return blocks;
}

/**
 * Read the complete lines a block owns (see the module comment). Synchronous: it runs inside a
 * worker task, where blocking is what we want.
 * @example
 * const { data } = readBlock(splitBlocks(['a.txt'], 1e6)[0]!);
 * data.toString('utf8').split('\n');
 */
export function readBlock(block: Block): BlockBytes {
  if (block.compressed) return { data: readWhole(block.path), offset: 0 };
  let fd: number;
  try {
    fd = openSync(block.path, 'r');
  } catch (err) {
    throw unreadable(block.path, err);
  }
  try {
    const size = fstatSync(fd).size;
    const end = Math.min(block.end, size);
    // Where our first line starts: at `start` if the byte before it ends a line, else after the
    // next newline (the line in progress belongs to the previous block).
    let first = block.start;
    if (first > 0) {
      const prev = Buffer.alloc(1);
      readSync(fd, prev, 0, 1, first - 1);
      if (prev[0] !== NL) first = scanNewline(fd, first, size) + 1;
    }
    if (first >= end) return { data: Buffer.alloc(0), offset: first };
    // Our last line starts before `end`; it ends at the first newline at or after end - 1.
    const stop = scanNewline(fd, end - 1, size) + 1;
    const data = Buffer.allocUnsafe(stop - first);
    let got = 0;
    while (got < data.length) {
      const n = readSync(fd, data, got, data.length - got, first + got);
      if (n === 0) break;
      got += n;
    }
    return { data: got === data.length ? data : data.subarray(0, got), offset: first };
  } catch (err) {
    if (err instanceof ShoalError) throw err;
    throw unreadable(block.path, err);
  } finally {
    closeSync(fd);
  }
}

/**
 * The 1-based line number of the line containing byte `offset` of `path` (decompressed for `.gz`).
 * Reads the file up to `offset`: meant for error messages, not hot paths.
 * @example
 * lineNumberAt('a.csv', 0); // 1
 */
export function lineNumberAt(path: string, offset: number): number {
  let line = 1;
  if (isGzip(path)) {
    const data = readWhole(path);
    for (let i = 0; i < Math.min(offset, data.length); i++) if (data[i] === NL) line++;
    return line;
  }
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(STEP);
    for (let pos = 0; pos < offset; ) {
      const n = readSync(fd, buf, 0, Math.min(STEP, offset - pos), pos);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (buf[i] === NL) line++;
      pos += n;
    }
    return line;
  } finally {
    closeSync(fd);
  }
}

/** The whole file, gunzipped when it ends in `.gz`. */
export function readWhole(path: string): Buffer {
  try {
    const raw = readFileSync(path);
    return isGzip(path) ? gunzipSync(raw) : raw;
  } catch (err) {
    throw unreadable(path, err);
  }
}

/** Position of the first newline at or after `from`, or `size - 1` when the file ends first. */
function scanNewline(fd: number, from: number, size: number): number {
  const buf = Buffer.allocUnsafe(STEP);
  for (let pos = from; pos < size; pos += STEP) {
    const n = readSync(fd, buf, 0, Math.min(STEP, size - pos), pos);
    const i = buf.subarray(0, n).indexOf(NL);
    if (i >= 0) return pos + i;
    if (n === 0) break;
  }
  return size - 1;
}

function statOrThrow(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    throw unreadable(path, err);
  }
}

function unreadable(path: string, err: unknown): ShoalError {
  const detail = err instanceof Error ? err.message : String(err);
  return new ShoalError('ERR_SHOAL_IO', messages.unreadable(path, detail), { cause: err });
}
