/**
 * The counter-based random generator: element `i` (the flat C-order index in the whole array)
 * gets its value from (seed, i) alone, so the same seed gives the same array whatever the
 * chunking, the scheduler or the order tasks run in.
 *
 * The generator runs as WebAssembly (wasm/random.as.ts, compiled into random-wasm.ts): it needs
 * 64-bit integer arithmetic, which JavaScript only has as slow BigInts, and a branch-free sign
 * (measured: 4.4 ns per normal and 2.0 ns per uniform, against 9 and 3.2 ns for the best
 * JavaScript version, which drew 32-bit words). Each thread instantiates the module once; values
 * are made into the module's own 256 KiB buffer and copied out, into regions of its memory that
 * reductions read in place (`rowsView`, `transposedView`), or summed where they are made.
 *
 * Definition (test/array/random.test.ts holds an independent BigInt reference of it):
 * - group g = floor(i / 128) is keyed by Philox4x32-10 (Salmon et al., SC'11) of counter
 *   (g mod 2^32, floor(g / 2^32), 0, 0) under key (seed mod 2^32, floor(seed / 2^32));
 *   its words w0..w3 seed xoroshiro128++ with s0 = w0 + 2^32 w1, s1 = w2 + 2^32 w3;
 * - a uniform is the next 64-bit word's top 53 bits times 2^-53, then `low + (high - low) u`;
 *   integers are `floor` of that; element j of a group is the group's j-th word;
 * - a normal is Marsaglia & Tsang's ziggurat over 256 layers: word r gives the layer r & 255,
 *   the sign bit 8 and the fraction r >>> 12 (52 bits); rejected draws (1.5%) take further
 *   words, so a group's normals are drawn in order from its start.
 */
import { setFlagsFromString } from 'node:v8';
import { RANDOM_WASM } from './random-wasm.ts';

/** Distributions: 0 normal(loc=p1, scale=p2), 1 uniform [p1, p2), 2 integers [p1, p2). */
export const NORMAL = 0;
export const UNIFORM = 1;
export const INTEGERS = 2;

/** The part of the WebAssembly API used here (the project's `lib` has no DOM types, which declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (limits: { initial: number; maximum: number; shared: boolean }) => Memory;
};
interface Memory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}

/** The module's exports (wasm/random.as.ts); pointers are byte addresses in its memory. */
interface Kernel {
  philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void;
  fill(dist: number, start: number, n: number, a: number, b: number, k0: number, k1: number, dst: number): void;
  add(dist: number, start: number, n: number, a: number, b: number, k0: number, k1: number, dst: number): void;
  rows(dist: number, nrows: number, inner: number, a: number, b: number, k0: number, k1: number, dst: number): void;
  transposed(dist: number, nrows: number, inner: number, a: number, b: number, k0: number, k1: number, dst: number): void;
  sum(dist: number, start: number, n: number, a: number, b: number, k0: number, k1: number): number;
  moments(dist: number, start: number, n: number, a: number, b: number, k0: number, k1: number, shift: number): number;
  sum2(): number;
  buffer(): number;
  bufferLength(): number;
  starts(): number;
  startsLength(): number;
  words(): number;
  heapStart(): number;
}

/** Pages (64 KiB) the memory starts with and may grow to (src/array/wasm/build.mjs: MAX_PAGES). */
const INITIAL_PAGES = 16;
const MAX_PAGES = 16384;

let kernel: Kernel | undefined;
/**
 * The instance's memory. Shared, so that growing it never moves or detaches it: a view made
 * before a grow stays valid (an unshared memory's buffer is replaced on every grow).
 */
let memory: Memory;
let buf: Float64Array;
let BUF = 0;
/** Values the exchange buffer holds. */
let LEN = 0;
let starts: Float64Array;
/** Next free byte of memory for regions. */
let top = 0;
const regions = new Map<number, { ptr: number; bytes: number }>();

/** This thread's instance of the module (made on first use). */
function k(): Kernel {
  if (kernel === undefined) {
    // Compiled whole by the optimizing tier up front (~15 ms per thread). By default V8 compiles
    // each function lazily with its baseline tier (Liftoff) and optimizes it later, but
    // WebAssembly has no on-stack replacement: a long first call (1e7 values) would run whole at
    // baseline speed (measured: 250 ms against 46). The flags are read at compile time and set
    // back to V8's defaults at once.
    let module: object;
    setFlagsFromString('--no-liftoff');
    setFlagsFromString('--no-wasm-lazy-compilation');
    try {
      module = new WebAssembly.Module(Buffer.from(RANDOM_WASM, 'base64'));
    } finally {
      setFlagsFromString('--liftoff');
      setFlagsFromString('--wasm-lazy-compilation');
    }
    memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
    kernel = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Kernel;
    LEN = kernel.bufferLength();
    BUF = kernel.buffer();
    buf = new Float64Array(memory.buffer, BUF, LEN);
    starts = new Float64Array(memory.buffer, kernel.starts(), kernel.startsLength());
    top = kernel.heapStart();
  }
  return kernel;
}

/**
 * The byte address of region `slot` of the kernel's memory, with room for `n` float64 values
 * (its contents garbage), or -1 when the memory cannot grow that far. A region is reused by the
 * next call for its slot; a larger request takes new space (the old is not reused: sizes settle
 * after a task or two).
 */
function region(slot: number, n: number): number {
  k();
  const bytes = Math.ceil((n * 8) / 64) * 64;
  let r = regions.get(slot);
  if (r === undefined || r.bytes < bytes) {
    const end = top + bytes;
    const have = memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / 65536);
      if (have / 65536 + pages > MAX_PAGES) return -1;
      memory.grow(pages);
    }
    r = { ptr: top, bytes };
    top = end;
    regions.set(slot, r);
  }
  return r.ptr;
}

/** The kernel's (a, b): loc and scale for normals, low and span for uniforms and integers. */
function params(dist: number, p1: number, p2: number): number {
  return dist === NORMAL ? p2 : p2 - p1;
}

/** Philox4x32-10 of counter (c0..c3) under key (k0, k1); writes the 4 output words into `out`. */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  const w = k();
  w.philox(c0 >>> 0, c1 >>> 0, c2 >>> 0, c3 >>> 0, k0 >>> 0, k1 >>> 0);
  out.set(new Uint32Array(memory.buffer, w.words(), 4));
}

/** The 64-bit generator key of a seed (a whole number below 2^53). */
export function seedKey(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

/** Fill `out[at .. at+len)` with the values of flat elements `start .. start+len` (see the definition above). */
export function fillSegment(out: Float64Array, at: number, start: number, len: number, dist: number, p1: number, p2: number, k0: number, k1: number): void {
  const w = k();
  const b = params(dist, p1, p2);
  for (let done = 0; done < len; done += LEN) {
    const n = Math.min(LEN, len - done);
    w.fill(dist, start + done, n, p1, b, k0, k1, BUF);
    out.set(n === LEN ? buf : buf.subarray(0, n), at + done);
  }
}

/**
 * The rows of a float64 random block in region `slot` of the kernel's memory: row r (`inner`
 * values) from flat index `rowStarts[r]`, one after another. The view is valid until the next
 * call for the same slot; null when the memory cannot hold it.
 */
export function rowsView(slot: number, rowStarts: Float64Array, inner: number, dist: number, p1: number, p2: number, k0: number, k1: number): Float64Array | null {
  const w = k();
  const n = rowStarts.length * inner;
  const ptr = region(slot, n);
  if (ptr < 0) return null;
  const b = params(dist, p1, p2);
  for (let r0 = 0; r0 < rowStarts.length; r0 += starts.length) {
    const h = Math.min(starts.length, rowStarts.length - r0);
    starts.set(rowStarts.subarray(r0, r0 + h));
    w.rows(dist, h, inner, p1, b, k0, k1, ptr + r0 * inner * 8);
  }
  return new Float64Array(memory.buffer, ptr, n);
}

/**
 * `rowsView` stored transposed: value (r, c) at [c * rows + r]. Null when the memory cannot hold
 * it, or when rows are longer than the kernel's buffer or more than it takes starts for.
 */
export function transposedView(slot: number, rowStarts: Float64Array, inner: number, dist: number, p1: number, p2: number, k0: number, k1: number): Float64Array | null {
  const w = k();
  if (inner > LEN || rowStarts.length > starts.length) return null;
  const n = rowStarts.length * inner;
  const ptr = region(slot, n);
  if (ptr < 0) return null;
  starts.set(rowStarts);
  w.transposed(dist, rowStarts.length, inner, p1, params(dist, p1, p2), k0, k1, ptr);
  return new Float64Array(memory.buffer, ptr, n);
}

/**
 * Values of rows of one length added into an accumulator of that length: `acc[j] += value of
 * flat element starts[r] + j` for every row r. The accumulator stays in the kernel's buffer
 * while the rows are added (a reduction over leading axes, with no block stored).
 */
export function addRows(acc: Float64Array, rowStarts: ArrayLike<number>, dist: number, p1: number, p2: number, k0: number, k1: number): void {
  const w = k();
  const b = params(dist, p1, p2);
  const n = acc.length;
  for (let done = 0; done < n; done += LEN) {
    const m = Math.min(LEN, n - done);
    const part = buf.subarray(0, m);
    part.set(acc.subarray(done, done + m));
    for (let r = 0; r < rowStarts.length; r++) w.add(dist, rowStarts[r]! + done, m, p1, b, k0, k1, BUF);
    acc.set(part, done);
  }
}

/** The sum of the values of flat elements `start .. start+len`. */
export function sumSegment(start: number, len: number, dist: number, p1: number, p2: number, k0: number, k1: number): number {
  return k().sum(dist, start, len, p1, params(dist, p1, p2), k0, k1);
}

/** Sums of (value - shift) and of its square over flat elements `start .. start+len`. */
export function momentsSegment(start: number, len: number, dist: number, p1: number, p2: number, k0: number, k1: number, shift: number): [number, number] {
  const w = k();
  const s1 = w.moments(dist, start, len, p1, params(dist, p1, p2), k0, k1, shift);
  return [s1, w.sum2()];
}
