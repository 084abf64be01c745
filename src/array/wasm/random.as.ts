// The random generator's kernel, in AssemblyScript (compiled to WebAssembly by build.mjs into
// ../random-wasm.ts). Not TypeScript: `u64`, `load<T>`, `@inline` are AssemblyScript's. Why
// WebAssembly, and the definition of the values, are in ../README.md ("The random generator").
//
// Element i of an array (its flat C-order index) belongs to group g = i / 128. The group's 128
// bits of state come from Philox4x32-10 of counter (g, 0) under the seed's key; xoroshiro128++
// then yields one 64-bit word per draw. A uniform is one word (its top 53 bits); a normal is one
// word for 98.5% of values (ziggurat: 8 bits of layer, a sign bit, 52 bits of fraction).

/** Values per group (one Philox call each). */
const GROUP: u64 = 128;
/** Length of the exchange buffer, in float64 values (256 KiB: stays in a core's L2 cache). */
const BUF_LEN: i32 = 32768;
const BUF: usize = memory.data(BUF_LEN << 3, 16);
/** Flat start indices of the rows a `rows` or `transposed` call makes (float64: exact below 2^53). */
const STARTS_LEN: i32 = 8192;
const STARTS: usize = memory.data(STARTS_LEN << 3, 16);
/** Philox's four output words. */
const WORDS: usize = memory.data(16, 16);

// Ziggurat tables (Marsaglia & Tsang's 256 layers in Doornik's layout). Layer k spans
// [0, X[k]]; its part [0, X[k+1]] lies under the density. A draw takes fraction f of 52 bits:
// x = f * W[k] (W[k] = X[k] / 2^52) is accepted at once when f < K[k] (K[k] = 2^52 X[k+1] / X[k]).
const LAYERS = 256;
const R: f64 = 3.6541528853610088;
const V: f64 = 4.92867323399e-3;
const K: usize = memory.data(LAYERS << 3, 16);
const W: usize = memory.data(LAYERS << 3, 16);
/** The density at each layer edge, X[0..256] (F[256] = density at 0 = 1). */
const F: usize = memory.data((LAYERS + 1) << 3, 16);
const TWO52: f64 = 4503599627370496;
const P53: f64 = 1.1102230246251565e-16;

/** The layer edges X[0..256] (X[0] is the base strip's pseudo-width V / f(R), X[256] = 0). */
const X: usize = memory.data((LAYERS + 1) << 3, 16);

@inline function at(table: usize, k: i32): f64 {
  return load<f64>(table + (<usize>k << 3));
}

function tables(): void {
  let f = Math.exp(-0.5 * R * R);
  store<f64>(X, V / f);
  store<f64>(X + 8, R);
  store<f64>(X + (<usize>LAYERS << 3), 0);
  for (let i = 2; i < LAYERS; i++) {
    const x = Math.sqrt(-2 * Math.log(V / at(X, i - 1) + f));
    store<f64>(X + (<usize>i << 3), x);
    f = Math.exp(-0.5 * x * x);
  }
  for (let k = 0; k < LAYERS; k++) {
    store<u64>(K + (<usize>k << 3), <u64>Math.floor((at(X, k + 1) / at(X, k)) * TWO52));
    store<f64>(W + (<usize>k << 3), at(X, k) / TWO52);
  }
  for (let k = 0; k <= LAYERS; k++) store<f64>(F + (<usize>k << 3), Math.exp(-0.5 * at(X, k) * at(X, k)));
}
tables();

// xoroshiro128++ state (Blackman & Vigna), set per group.
let s0: u64 = 0;
let s1: u64 = 0;

/** Philox4x32-10 of counter (c0..c3) under key (k0, k1): the four words into WORDS. */
export function philox(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  for (let r = 0; r < 10; r++) {
    const p0 = <u64>c0 * 0xd2511f53;
    const p1 = <u64>c2 * 0xcd9e8d57;
    const n0 = <u32>(p1 >> 32) ^ c1 ^ k0;
    const n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
    k0 += 0x9e3779b9;
    k1 += 0xbb67ae85;
  }
  store<u32>(WORDS, c0);
  store<u32>(WORDS + 4, c1);
  store<u32>(WORDS + 8, c2);
  store<u32>(WORDS + 12, c3);
}

/** The stream of group g: s0 = words 0,1 and s1 = words 2,3 of Philox(g), low word first. */
@inline function seedGroup(g: u64, k0: u32, k1: u32): void {
  philox(<u32>g, <u32>(g >> 32), 0, 0, k0, k1);
  s0 = load<u64>(WORDS);
  s1 = load<u64>(WORDS + 8);
  if ((s0 | s1) == 0) s0 = 1; // the one state xoroshiro cannot leave
}

@inline function next(): u64 {
  const a = s0;
  const t = s1 ^ a;
  const r = rotl<u64>(a + s1, 17) + a;
  s0 = rotl<u64>(a, 49) ^ t ^ (t << 21);
  s1 = rotl<u64>(t, 28);
  return r;
}

/** A double in [0, 1) from the top 53 bits of the next word. */
@inline function uniform(): f64 {
  return <f64>(next() >> 11) * P53;
}

/** x with the sign bit of word r's bit 8 (no branch: a random sign would mispredict half the time). */
@inline function signed(x: f64, r: u64): f64 {
  return reinterpret<f64>(reinterpret<u64>(x) | ((r & 0x100) << 55));
}

/** Beyond R (layer 0's tail, 0.03% of values): Marsaglia's method. */
function tail(r: u64): f64 {
  let x: f64, y: f64;
  do {
    x = Math.log(1 - uniform()) / R;
    y = Math.log(1 - uniform());
  } while (-2 * y < x * x);
  return signed(R - x, r);
}

/** Draw r missed the fast test: the tail, or a wedge point accepted; NaN to draw again. */
function slow(r: u64): f64 {
  const k = <usize>(r & 0xff);
  if (k == 0) return tail(r);
  const x = <f64>(r >> 12) * load<f64>(W + (k << 3));
  const fk = load<f64>(F + (k << 3));
  const fk1 = load<f64>(F + ((k + 1) << 3));
  if (fk1 + uniform() * (fk - fk1) < Math.exp(-0.5 * x * x)) return signed(x, r);
  return NaN;
}

/** The next standard normal of the stream. */
@inline function normal(): f64 {
  while (true) {
    const r = next();
    const k = <usize>(r & 0xff);
    const f = r >> 12;
    const x = signed(<f64>f * load<f64>(W + (k << 3)), r); // computed before the test: measured faster
    if (f < load<u64>(K + (k << 3))) return x;
    const v = slow(r);
    if (!isNaN(v)) return v;
  }
}

// What a run does with each value: store it, add it to what is stored, sum it, or sum it and
// its square (about a shift).
const STORE = 0;
const ADD = 1;
const SUM = 2;
const MOMENTS = 3;

let acc1: f64 = 0;
let acc2: f64 = 0;

/**
 * Values of flat elements start .. start+n (distribution dist: 0 normal(a + b z), 1 uniform
 * a + b u, 2 integers floor(a + b u)) under key (k0, k1), used as `what` says: stored from
 * byte address `dst` or added to what is there (STORE, ADD), or summed into acc1 / acc1, acc2
 * about `shift`.
 */
@inline function run(what: i32, dist: i32, start: u64, n: u64, a: f64, b: f64, k0: u32, k1: u32, shift: f64, dst: usize): void {
  const end = start + n;
  let o = dst;
  let t1: f64 = 0, t2: f64 = 0;
  for (let g = start / GROUP; g * GROUP < end; g++) {
    seedGroup(g, k0, k1);
    const g0 = g * GROUP;
    const first = max(start, g0);
    const stop = min(end, g0 + GROUP);
    let skip = first - g0;
    if (dist != 0) {
      // A uniform is one word: the values before `start` are stepped over.
      for (; skip > 0; skip--) next();
    } else {
      // A normal can take several words: the group's values before `start` are drawn and dropped.
      for (; skip > 0; skip--) normal();
    }
    for (let i = first; i < stop; i++) {
      let v: f64 = dist == 0 ? a + b * normal() : a + b * uniform();
      if (dist == 2) v = Math.floor(v);
      if (what == STORE) {
        store<f64>(o, v);
        o += 8;
      } else if (what == ADD) {
        store<f64>(o, load<f64>(o) + v);
        o += 8;
      } else if (what == SUM) {
        t1 += v;
      } else {
        const d = v - shift;
        t1 += d;
        t2 += d * d;
      }
    }
  }
  acc1 = t1;
  acc2 = t2;
}

// Each (what, dist) pair gets its own copy of `run` (inlined with constants), so the inner loop
// has no branch on them.
export function fill(dist: i32, start: f64, n: i32, a: f64, b: f64, k0: u32, k1: u32, dst: usize): void {
  if (dist == 0) run(STORE, 0, <u64>start, <u64>n, a, b, k0, k1, 0, dst);
  else if (dist == 1) run(STORE, 1, <u64>start, <u64>n, a, b, k0, k1, 0, dst);
  else run(STORE, 2, <u64>start, <u64>n, a, b, k0, k1, 0, dst);
}

export function add(dist: i32, start: f64, n: i32, a: f64, b: f64, k0: u32, k1: u32, dst: usize): void {
  if (dist == 0) run(ADD, 0, <u64>start, <u64>n, a, b, k0, k1, 0, dst);
  else if (dist == 1) run(ADD, 1, <u64>start, <u64>n, a, b, k0, k1, 0, dst);
  else run(ADD, 2, <u64>start, <u64>n, a, b, k0, k1, 0, dst);
}

/** `nrows` rows of `inner` values, row r from flat index STARTS[r], one after another from `dst`. */
export function rows(dist: i32, nrows: i32, inner: i32, a: f64, b: f64, k0: u32, k1: u32, dst: usize): void {
  for (let r = 0; r < nrows; r++) fill(dist, load<f64>(STARTS + (<usize>r << 3)), inner, a, b, k0, k1, dst + (<usize>r * <usize>inner << 3));
}

/**
 * The block of `nrows` rows of `inner` values (as `rows`) stored transposed from `dst`: value
 * (r, c) at dst[c * nrows + r]. Made in panels of rows that fill BUF, each copied out eight
 * columns at a time, so both sides are walked a cache line at a time. Needs inner <= BUF_LEN.
 */
export function transposed(dist: i32, nrows: i32, inner: i32, a: f64, b: f64, k0: u32, k1: u32, dst: usize): void {
  const per = max(1, BUF_LEN / inner);
  const col = <usize>nrows << 3; // bytes between columns of the output
  for (let r0 = 0; r0 < nrows; r0 += per) {
    const h = min(per, nrows - r0);
    for (let r = 0; r < h; r++) fill(dist, load<f64>(STARTS + (<usize>(r0 + r) << 3)), inner, a, b, k0, k1, BUF + (<usize>r * <usize>inner << 3));
    let c = 0;
    for (; c + 7 < inner; c += 8) {
      let o = dst + <usize>c * col + (<usize>r0 << 3);
      let i = BUF + (<usize>c << 3);
      for (let r = 0; r < h; r++) {
        store<f64>(o, load<f64>(i));
        store<f64>(o + col, load<f64>(i, 8));
        store<f64>(o + 2 * col, load<f64>(i, 16));
        store<f64>(o + 3 * col, load<f64>(i, 24));
        store<f64>(o + 4 * col, load<f64>(i, 32));
        store<f64>(o + 5 * col, load<f64>(i, 40));
        store<f64>(o + 6 * col, load<f64>(i, 48));
        store<f64>(o + 7 * col, load<f64>(i, 56));
        o += 8;
        i += <usize>inner << 3;
      }
    }
    for (; c < inner; c++) {
      let o = dst + <usize>c * col + (<usize>r0 << 3);
      for (let r = 0; r < h; r++) {
        store<f64>(o, load<f64>(BUF + ((<usize>r * <usize>inner + <usize>c) << 3)));
        o += 8;
      }
    }
  }
}

/** The sum of the values. */
export function sum(dist: i32, start: f64, n: f64, a: f64, b: f64, k0: u32, k1: u32): f64 {
  if (dist == 0) run(SUM, 0, <u64>start, <u64>n, a, b, k0, k1, 0, 0);
  else if (dist == 1) run(SUM, 1, <u64>start, <u64>n, a, b, k0, k1, 0, 0);
  else run(SUM, 2, <u64>start, <u64>n, a, b, k0, k1, 0, 0);
  return acc1;
}

/** Sums of (v - shift) (returned) and of its square (then `sum2()`). */
export function moments(dist: i32, start: f64, n: f64, a: f64, b: f64, k0: u32, k1: u32, shift: f64): f64 {
  if (dist == 0) run(MOMENTS, 0, <u64>start, <u64>n, a, b, k0, k1, shift, 0);
  else if (dist == 1) run(MOMENTS, 1, <u64>start, <u64>n, a, b, k0, k1, shift, 0);
  else run(MOMENTS, 2, <u64>start, <u64>n, a, b, k0, k1, shift, 0);
  return acc1;
}

export function sum2(): f64 {
  return acc2;
}

export function buffer(): usize {
  return BUF;
}

export function starts(): usize {
  return STARTS;
}

export function startsLength(): i32 {
  return STARTS_LEN;
}

/** The first byte after the module's own data: the caller's regions start here. */
export function heapStart(): usize {
  return (__heap_base + 15) & ~15;
}

export function words(): usize {
  return WORDS;
}

export function bufferLength(): i32 {
  return BUF_LEN;
}
