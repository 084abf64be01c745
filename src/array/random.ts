/**
 * A counter-based random generator: element `i` (the flat C-order index in the whole array) gets
 * its value from (seed, i) alone, so the same seed gives the same array whatever the chunking,
 * the scheduler or the order tasks run in.
 *
 * Elements are taken in groups of GROUP consecutive indices. Group `g` is keyed by Philox4x32-10
 * (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11) of counter `g` under the
 * seed; those 128 bits seed a small sequential generator (xoshiro128**) that yields the group's
 * values in order. A chunk whose rows start inside a group replays the group from its start and
 * discards the first few values. One Philox call per 128 values instead of per value is what makes
 * normals cheap enough in JavaScript (the 32x32→64 multiplies of Philox need 16-bit limbs),
 * while the counter-based property is kept.
 *
 * Uniforms come in pairs (elements 2j, 2j+1 of a group) made of three consecutive 32-bit words
 * (a, b, c): a * 2^-32 + (c >>> 11) * 2^-53 and b * 2^-32 + (c & 0x1fffff) * 2^-53, 53 random
 * bits each (until this definition: two words per value; 1.5 is ~30% faster and the bits of
 * xoshiro128**'s outputs are all of full quality, so none is wasted).
 *
 * Normals use Marsaglia & Tsang's ziggurat (Doornik's ZIGNOR layout, 256 layers): one 64-bit draw
 * (two words: a 53-bit fraction and 8 bits of layer) and a table compare for 98.5% of values.
 */

/** Values per Philox call (128 rather than 64 measured ~9% faster, also for 1000-wide rows that start mid-group). */
export const GROUP = 128;

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const M0_HI = M0 >>> 16;
const M0_LO = M0 & 0xffff;
const M1_HI = M1 >>> 16;
const M1_LO = M1 & 0xffff;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/**
 * The high 32 bits of the 64-bit product of uint32 `a` and the constant `mh * 2^16 + ml`, from
 * 16-bit limbs (every partial product stays below 2^32, so it is exact in integer arithmetic;
 * measured 30% faster than splitting one factor and flooring doubles).
 */
function mulhi(a: number, mh: number, ml: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const lh = al * mh;
  const hl = ah * ml;
  const mid = ((al * ml) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * mh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** Philox4x32-10 of counter (c0..c3) under key (k0, k1); writes the 4 output words into `out`. */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(c0, M0_HI, M0_LO);
    const lo0 = Math.imul(c0, M0) >>> 0;
    const hi1 = mulhi(c2, M1_HI, M1_LO);
    const lo1 = Math.imul(c2, M1) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** xoshiro128** over 32-bit words, seeded per group by Philox. */
class Stream {
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  /** One group of values (normals are drawn a whole group at a time). */
  readonly group = new Float64Array(GROUP);
  private readonly words = new Uint32Array(4);

  seed(group: number, k0: number, k1: number): void {
    philox4x32(group >>> 0, Math.floor(group / 4294967296) >>> 0, 0, 0, k0, k1, this.words);
    this.s0 = this.words[0]! | 0;
    this.s1 = this.words[1]! | 0;
    this.s2 = this.words[2]! | 0;
    this.s3 = this.words[3]! | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the one state xoshiro cannot leave
  }

  /** Step over `words` 32-bit words. */
  skip(words: number): void {
    let s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    for (let i = words; i > 0; i--) {
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.s0 = s0; this.s1 = s1; this.s2 = s2; this.s3 = s3;
  }

  /** The next 32-bit word (as an unsigned number). */
  next(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** A double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.next() >>> 5;
    const b = this.next() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

/** One stream per thread: its state is set from the key at every group, so every call can reuse it. */
const shared = new Stream();

// Ziggurat tables (Doornik 2005, "An Improved Ziggurat Method to Generate Normal Random Samples").
// 256 layers (Marsaglia & Tsang's constants): 98.5% of draws take the fast path (128: 97.2%).
const ZIG_C = 256;
const ZIG_R = 3.6541528853610088;
const ZIG_V = 4.92867323399e-3;
const ZX = new Float64Array(ZIG_C + 1);
const ZR = new Float64Array(ZIG_C);
/** The density at each layer edge, so a wedge test needs one exp, not three. */
const ZF = new Float64Array(ZIG_C + 1);
{
  let f = Math.exp(-0.5 * ZIG_R * ZIG_R);
  ZX[0] = ZIG_V / f;
  ZX[1] = ZIG_R;
  ZX[ZIG_C] = 0;
  for (let i = 2; i < ZIG_C; i++) {
    ZX[i] = Math.sqrt(-2 * Math.log(ZIG_V / ZX[i - 1]! + f));
    f = Math.exp(-0.5 * ZX[i]! * ZX[i]!);
  }
  for (let i = 0; i < ZIG_C; i++) ZR[i] = ZX[i + 1]! / ZX[i]!;
  for (let i = 0; i <= ZIG_C; i++) ZF[i] = Math.exp(-0.5 * ZX[i]! * ZX[i]!);
}

function normalTail(s: Stream, negative: boolean): number {
  let x: number;
  let y: number;
  do {
    x = Math.log(1 - s.uniform()) / ZIG_R;
    y = Math.log(1 - s.uniform());
  } while (-2 * y < x * x);
  return negative ? x - ZIG_R : ZIG_R - x;
}

/** Distributions: 0 normal(loc=p1, scale=p2), 1 uniform [p1, p2), 2 integers [p1, p2). */
export const NORMAL = 0;
export const UNIFORM = 1;
export const INTEGERS = 2;

/** The 64-bit generator key of a seed (a whole number below 2^53). */
export function seedKey(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

/**
 * Fill `out[at .. at+len)` with the values of flat elements `start .. start+len` of the stream
 * keyed by (k0, k1). The generator state lives in locals (xoshiro128** inlined) and each
 * distribution has its own loop, because this loop is the whole cost of making random arrays
 * (measured: 3.4 ns per uniform this way, 8.5 ns through a shared loop with a branch; later ~2.7 ns
 * per uniform with 1.5 words per value and two values per iteration, ~7.5 ns per normal with the
 * ziggurat's wedges inline; CPU ns on the bench machine, which drifts by tens of percent).
 */
export function fillSegment(out: Float64Array, at: number, start: number, len: number, dist: number, p1: number, p2: number, k0: number, k1: number, s: Stream = shared): void {
  if (dist === NORMAL) fillNormal(out, at, start, len, p1, p2, k0, k1, s);
  else {
    fillUniform(out, at, start, len, p1, p2 - p1, k0, k1, s);
    // Integers are floor(low + span * u) = low + floor(span * u) for whole `low`.
    if (dist === INTEGERS) for (let i = at; i < at + len; i++) out[i] = Math.floor(out[i]!);
  }
}

/** `fillSegment` for uniforms, adding each value to `out[at..]` instead of storing it. */
export function addUniformSegment(out: Float64Array, at: number, start: number, len: number, low: number, high: number, k0: number, k1: number): void {
  fillUniform(out, at, start, len, low, high - low, k0, k1, shared, true);
}

/** `fillSegment` for uniforms into every `stride`-th element of `out` from `at` (one row of a block into a column of its transpose). */
export function stridedUniformSegment(out: Float64Array, at: number, stride: number, start: number, len: number, low: number, high: number, k0: number, k1: number): void {
  fillUniform(out, at, start, len, low, high - low, k0, k1, shared, false, stride);
}

/** 2^-27, 2^-32 and 2^-53: scales of exact products that sum to a 53-bit fraction. */
const P27 = 7.450580596923828e-9;
const P32 = 2.3283064365386963e-10;
const P53 = 1.1102230246251565e-16;

/**
 * Uniforms of elements `start .. start+len` into `out[at..]`: stored, or with `add` added to what
 * is there (a reduction summing rows as they are made: no second pass over a stored block).
 *
 * Uniforms come in pairs made of three 32-bit words (a, b, c) of the group's stream:
 * a * 2^-32 + (c >>> 11) * 2^-53 and b * 2^-32 + (c & 0x1fffff) * 2^-53. Each value has 53
 * random bits, none shared; 1.5 words per value instead of 2 (measured 15% faster).
 */
function fillUniform(out: Float64Array, at: number, start: number, len: number, low: number, span: number, k0: number, k1: number, s: Stream, add = false, stride = 1): void {
  const end = start + len;
  let o = at;
  for (let g = Math.floor(start / GROUP); g * GROUP < end; g++) {
    s.seed(g, k0, k1);
    const first = Math.max(start, g * GROUP);
    let n = Math.min(end, (g + 1) * GROUP) - first;
    // Pairs of the group before `start` are drawn and dropped (three words each); a start inside
    // a pair takes that pair's second value.
    const k = first - g * GROUP;
    s.skip(3 * (k >> 1));
    if (k & 1) {
      s.next();
      const b = s.next();
      const c = s.next();
      const v = low + span * ((b >>> 0) * P32 + (c & 0x1fffff) * P53);
      if (add) out[o] += v;
      else out[o] = v;
      o += stride;
      n--;
    }
    if (stride !== 1) stridedUniformRun(out, o, n, stride, low, span, s);
    else if (add) addUniformRun(out, o, n, low, span, s);
    else uniformRun(out, o, n, low, span, s);
    o += n * stride;
  }
}

/**
 * The next `n` uniforms of the stream (from the start of a pair) into `out[o..]`. Two values per
 * iteration; each value as two exact products summed (no int64 round trip). The stream's state
 * is not written back: a run ends a group.
 */
function uniformRun(out: Float64Array, o: number, n: number, low: number, span: number, s: Stream): void {
  let s0 = s.s0, s1 = s.s1, s2 = s.s2, s3 = s.s3;
  const oend = o + n;
  let m = 0, t = 0;
  for (; o + 1 < oend; o += 2) {
    m = Math.imul(s1, 5);
    const a = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const b = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const c = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    out[o] = low + span * ((a >>> 0) * P32 + (c >>> 11) * P53);
    out[o + 1] = low + span * ((b >>> 0) * P32 + (c & 0x1fffff) * P53);
  }
  if (o < oend) {
    // A run ending inside a pair: its first value (the pair's three words are still drawn).
    m = Math.imul(s1, 5);
    const a = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const c = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    out[o] = low + span * ((a >>> 0) * P32 + (c >>> 11) * P53);
  }
}

/** `uniformRun` adding each value to `out[o..]` instead of storing it. */
function addUniformRun(out: Float64Array, o: number, n: number, low: number, span: number, s: Stream): void {
  let s0 = s.s0, s1 = s.s1, s2 = s.s2, s3 = s.s3;
  const oend = o + n;
  let m = 0, t = 0;
  for (; o + 1 < oend; o += 2) {
    m = Math.imul(s1, 5);
    const a = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const b = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const c = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    out[o] += low + span * ((a >>> 0) * P32 + (c >>> 11) * P53);
    out[o + 1] += low + span * ((b >>> 0) * P32 + (c & 0x1fffff) * P53);
  }
  if (o < oend) {
    // A run ending inside a pair: its first value (the pair's three words are still drawn).
    m = Math.imul(s1, 5);
    const a = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const c = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    out[o] += low + span * ((a >>> 0) * P32 + (c >>> 11) * P53);
  }
}

/** `uniformRun` storing every `stride`-th element (a row made straight into a column of a transposed block). */
function stridedUniformRun(out: Float64Array, o: number, n: number, stride: number, low: number, span: number, s: Stream): void {
  let s0 = s.s0, s1 = s.s1, s2 = s.s2, s3 = s.s3;
  const step = 2 * stride;
  let m = 0, t = 0;
  for (let i = 0; i + 1 < n; i += 2, o += step) {
    m = Math.imul(s1, 5);
    const a = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const b = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const c = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    out[o] = low + span * ((a >>> 0) * P32 + (c >>> 11) * P53);
    out[o + stride] = low + span * ((b >>> 0) * P32 + (c & 0x1fffff) * P53);
  }
  if ((n & 1) === 1) {
    // A run ending inside a pair: its first value (the pair's three words are still drawn).
    m = Math.imul(s1, 5);
    const a = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const c = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    out[o] = low + span * ((a >>> 0) * P32 + (c >>> 11) * P53);
  }
}

function fillNormal(out: Float64Array, at: number, start: number, len: number, loc: number, scale: number, k0: number, k1: number, s: Stream): void {
  const end = start + len;
  let o = at;
  for (let g = Math.floor(start / GROUP); g * GROUP < end; g++) {
    const g0 = g * GROUP;
    const stop = Math.min(end, g0 + GROUP);
    if (start <= g0) {
      o = normalRun(out, o, stop - g0, loc, scale, g, k0, k1, s);
      continue;
    }
    // A group that starts before `start`: drawn from its start (a rejection may use extra words,
    // so values before `start` cannot be skipped) into `s.group`, and the part from `start` copied.
    normalRun(s.group, 0, stop - g0, loc, scale, g, k0, k1, s);
    out.set(s.group.subarray(start - g0, stop - g0), o);
    o += stop - start;
  }
}

/** The first `n` normals of group `g` into `out[o..]`; returns the index after the last. */
function normalRun(out: Float64Array, o: number, n: number, loc: number, scale: number, g: number, k0: number, k1: number, s: Stream): number {
  s.seed(g, k0, k1);
  let s0 = s.s0, s1 = s.s1, s2 = s.s2, s3 = s.s3;
  const oend = o + n;
  let m = 0, t = 0;
  while (o < oend) {
    m = Math.imul(s1, 5);
    const a = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const b = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    const u = ((a >>> 5) * P27 + (b >>> 6) * P53) * 2 - 1; // exact: 2 * x / 2^53 - 1
    const k = (b & 0x3f) | ((a & 3) << 6); // 8 of the bits the 53-bit fraction did not use
    if (Math.abs(u) < ZR[k]!) {
      out[o++] = loc + scale * (u * ZX[k]!);
      continue;
    }
    if (k === 0) {
      // The tail beyond R (0.03% of values): out of line, through the Stream's state.
      s.s0 = s0; s.s1 = s1; s.s2 = s2; s.s3 = s3;
      out[o++] = loc + scale * normalTail(s, u < 0);
      s0 = s.s0; s1 = s.s1; s2 = s.s2; s3 = s.s3;
      continue;
    }
    // A wedge (1.5%): accept x when a uniform point between the layer's edge densities lies under
    // the curve; otherwise draw again from the top (no value written).
    m = Math.imul(s1, 5);
    const c = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const d = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    const x = u * ZX[k]!;
    if (ZF[k + 1]! + ((c >>> 5) * P27 + (d >>> 6) * P53) * (ZF[k]! - ZF[k + 1]!) < Math.exp(-0.5 * x * x)) out[o++] = loc + scale * x;
  }
  return o;
}

/** The thread's stream (see `shared`). */
export function newStream(): Stream {
  return shared;
}
