/**
 * The counter-based random generator: element `i` (the flat C-order index in the whole array)
 * gets its value from (seed, i) alone, so the same seed gives the same array whatever the
 * chunking, the scheduler or the order tasks run in.
 *
 * The generator runs as WebAssembly (wasm/random.as.ts, compiled into random-wasm.ts): it needs
 * 64-bit integer arithmetic, which JavaScript only has as slow BigInts, and a branch-free sign
 * (measured: 4.4 ns per normal and 2.0 ns per uniform, against 9 and 3.2 ns for the best
 * JavaScript version, which drew 32-bit words). Each thread instantiates the module once; values
 * are made into the module's own 256 KiB buffer and copied out, or summed where they are made.
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
import { RANDOM_WASM } from './random-wasm.ts';

/** Values per Philox call. */
export const GROUP = 128;

/** Distributions: 0 normal(loc=p1, scale=p2), 1 uniform [p1, p2), 2 integers [p1, p2). */
export const NORMAL = 0;
export const UNIFORM = 1;
export const INTEGERS = 2;

/** The part of the WebAssembly API used here (the project's `lib` has no DOM types, which declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

/** The module's exports (wasm/random.as.ts). */
interface Kernel {
  memory: { buffer: ArrayBuffer };
  philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void;
  fill(dist: number, start: number, n: number, a: number, b: number, k0: number, k1: number, at: number): void;
  add(dist: number, start: number, n: number, a: number, b: number, k0: number, k1: number, at: number): void;
  sum(dist: number, start: number, n: number, a: number, b: number, k0: number, k1: number): number;
  moments(dist: number, start: number, n: number, a: number, b: number, k0: number, k1: number, shift: number): number;
  sum2(): number;
  buffer(): number;
  words(): number;
  bufferLength(): number;
}

let kernel: Kernel | undefined;
let buf: Float64Array;
/** Values the exchange buffer holds. */
let LEN = 0;

/** This thread's instance of the module (made on first use; its memory never grows). */
function k(): Kernel {
  if (kernel === undefined) {
    const module = new WebAssembly.Module(Buffer.from(RANDOM_WASM, 'base64'));
    kernel = new WebAssembly.Instance(module, {}).exports as unknown as Kernel;
    LEN = kernel.bufferLength();
    buf = new Float64Array(kernel.memory.buffer, kernel.buffer(), LEN);
  }
  return kernel;
}

/** The kernel's (a, b): loc and scale for normals, low and span for uniforms and integers. */
function params(dist: number, p1: number, p2: number): number {
  return dist === NORMAL ? p2 : p2 - p1;
}

/** Philox4x32-10 of counter (c0..c3) under key (k0, k1); writes the 4 output words into `out`. */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  const w = k();
  w.philox(c0 >>> 0, c1 >>> 0, c2 >>> 0, c3 >>> 0, k0 >>> 0, k1 >>> 0);
  out.set(new Uint32Array(w.memory.buffer, w.words(), 4));
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
    w.fill(dist, start + done, n, p1, b, k0, k1, 0);
    out.set(n === LEN ? buf : buf.subarray(0, n), at + done);
  }
}

/** `fillSegment` for uniforms into every `stride`-th element of `out` from `at` (one row of a block into a column of its transpose). */
export function stridedUniformSegment(out: Float64Array, at: number, stride: number, start: number, len: number, low: number, high: number, k0: number, k1: number): void {
  const w = k();
  for (let done = 0; done < len; done += LEN) {
    const n = Math.min(LEN, len - done);
    w.fill(UNIFORM, start + done, n, low, high - low, k0, k1, 0);
    let o = at + done * stride;
    for (let i = 0; i < n; i++, o += stride) out[o] = buf[i]!;
  }
}

/**
 * Values of rows of one length added into an accumulator of that length: `acc[j] += value of
 * flat element starts[r] + j` for every row r. The accumulator stays in the kernel's buffer
 * while the rows are added (a reduction over leading axes, with no block stored).
 */
export function addRows(acc: Float64Array, starts: ArrayLike<number>, dist: number, p1: number, p2: number, k0: number, k1: number): void {
  const w = k();
  const b = params(dist, p1, p2);
  const n = acc.length;
  for (let done = 0; done < n; done += LEN) {
    const m = Math.min(LEN, n - done);
    const part = buf.subarray(0, m);
    part.set(acc.subarray(done, done + m));
    for (let r = 0; r < starts.length; r++) w.add(dist, starts[r]! + done, m, p1, b, k0, k1, 0);
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
