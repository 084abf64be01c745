/**
 * Reduction kernels. A block is reduced to a *partial* with the reduced axes kept as length 1;
 * partials of the same output region combine elementwise (so a tree of combines needs no
 * concatenation), and the last step turns a partial into the output block. Partials are float64
 * typed arrays, or arrays of them: [count, mean, M2] for moments, [value, index] for arg-reductions.
 */
import { defineOps } from '../../schedulers/registry.ts';
import { prod, stridesOf } from '../chunks.ts';
import { allocShared, dtypeOf, type DType, type TypedArray } from '../dtype.ts';

/** Simple folds: the partial is one float64 array. */
export type FoldKind = 'sum' | 'prod' | 'min' | 'max' | 'any' | 'all' | 'nansum' | 'nanprod' | 'nanmin' | 'nanmax';
export type Partial = Float64Array | Float64Array[];

const INIT: Record<FoldKind, number> = { sum: 0, prod: 1, min: Infinity, max: -Infinity, any: 0, all: 1, nansum: 0, nanprod: 1, nanmin: NaN, nanmax: NaN };

/**
 * Call `row(inBase, outBase, len, outStep)` for every row (run along the last axis) of a block of
 * `shape`, where reduced axes (`mask[d]`) map to index 0 of the output.
 */
function forRows(shape: readonly number[], mask: readonly boolean[], row: (inBase: number, outBase: number, len: number, outStep: number) => void): number {
  const nd = shape.length;
  const oshape = shape.map((d, i) => (mask[i] ? 1 : d));
  const ostr = new Array<number>(nd);
  let acc = 1;
  for (let d = nd - 1; d >= 0; d--) {
    ostr[d] = mask[d] ? 0 : acc;
    acc *= oshape[d]!;
  }
  if (nd === 0) {
    row(0, 0, 1, 0);
    return 1;
  }
  const inner = shape[nd - 1]!;
  const total = prod(shape);
  if (inner === 0 || total === 0) return acc;
  const rows = total / inner;
  const idx = new Array<number>(nd).fill(0);
  for (let r = 0; r < rows; r++) {
    let ob = 0;
    for (let d = 0; d < nd - 1; d++) ob += idx[d]! * ostr[d]!;
    row(r * inner, ob, inner, ostr[nd - 1]!);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return acc;
}

function outSize(shape: readonly number[], mask: readonly boolean[]): number {
  let n = 1;
  for (let d = 0; d < shape.length; d++) if (!mask[d]) n *= shape[d]!;
  return n;
}

/** Fold one block into a partial. */
function foldChunk(kind: FoldKind, x: TypedArray, shape: number[], mask: boolean[]): Float64Array {
  const out = new Float64Array(outSize(shape, mask)).fill(INIT[kind]);
  // All axes reduced, contiguous: one tight loop per kind.
  if (mask.every(Boolean)) {
    out[0] = foldRange(kind, x, 0, x.length, INIT[kind]);
    return out;
  }
  const lead = mask.findIndex((m) => !m);
  if (kind === 'sum' && lead > 0 && mask.every((m, d) => m === d < lead)) {
    // Reducing leading axes (`sum({ axis: 0 })` of a matrix): add whole rows, two at a time.
    let rows = 1;
    for (let d = 0; d < lead; d++) rows *= shape[d]!;
    return sumRows(x, rows, out.length, out);
  }
  if (kind === 'sum') {
    // The common case gets its own loop (no per-element dispatch).
    forRows(shape, mask, (ib, ob, len, os) => {
      if (os === 0) out[ob] = foldRange(kind, x, ib, ib + len, out[ob]!);
      else for (let j = 0; j < len; j++) out[ob + j]! += x[ib + j]!;
    });
    return out;
  }
  forRows(shape, mask, (ib, ob, len, os) => {
    if (os === 0) out[ob] = foldRange(kind, x, ib, ib + len, out[ob]!);
    else for (let j = 0; j < len; j++) out[ob + j] = step(kind, out[ob + j]!, x[ib + j]!);
  });
  return out;
}

/** `out[j] += x[r * cols + j]` over all rows r. */
function sumRows(x: TypedArray, rows: number, cols: number, out: Float64Array): Float64Array {
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const b = r * cols;
    const b2 = b + cols;
    for (let j = 0; j < cols; j++) out[j]! += x[b + j]! + x[b2 + j]!;
  }
  for (; r < rows; r++) {
    const b = r * cols;
    for (let j = 0; j < cols; j++) out[j]! += x[b + j]!;
  }
  return out;
}

function step(kind: FoldKind, a: number, v: number): number {
  switch (kind) {
    case 'sum': return a + v;
    case 'prod': return a * v;
    case 'min': return v < a || v !== v ? v : a;
    case 'max': return v > a || v !== v ? v : a;
    case 'any': return a !== 0 || v !== 0 ? 1 : 0;
    case 'all': return a !== 0 && v !== 0 ? 1 : 0;
    case 'nansum': return v !== v ? a : a + v;
    case 'nanprod': return v !== v ? a : a * v;
    case 'nanmin': return v !== v ? a : a !== a || v < a ? v : a;
    case 'nanmax': return v !== v ? a : a !== a || v > a ? v : a;
  }
}

function foldRange(kind: FoldKind, x: TypedArray, lo: number, hi: number, init: number): number {
  let a = init;
  switch (kind) {
    case 'sum': {
      // Four accumulators: independent adds pipeline better (and round a little less).
      let a1 = 0, a2 = 0, a3 = 0;
      let i = lo;
      for (; i + 3 < hi; i += 4) {
        a += x[i]!;
        a1 += x[i + 1]!;
        a2 += x[i + 2]!;
        a3 += x[i + 3]!;
      }
      for (; i < hi; i++) a += x[i]!;
      return a + a1 + (a2 + a3);
    }
    case 'nansum':
      for (let i = lo; i < hi; i++) {
        const v = x[i]!;
        if (v === v) a += v;
      }
      return a;
    default:
      for (let i = lo; i < hi; i++) a = step(kind, a, x[i]!);
      return a;
  }
}

function combineFold(kind: FoldKind, parts: Float64Array[]): Float64Array {
  const out = Float64Array.from(parts[0]!);
  const k = kind === 'sum' || kind === 'nansum' ? 'sum' : kind === 'prod' || kind === 'nanprod' ? 'prod' : kind;
  for (let p = 1; p < parts.length; p++) {
    const q = parts[p]!;
    for (let i = 0; i < out.length; i++) out[i] = step(k, out[i]!, q[i]!);
  }
  return out;
}

/** [count, mean, M2] per output element: two passes over the block (mean first), so M2 is stable. */
function momentsChunk(x: TypedArray, shape: number[], mask: boolean[], skipNaN: boolean): Float64Array[] {
  if (mask.every(Boolean)) return momentsAll(x, skipNaN);
  const m = outSize(shape, mask);
  const n = new Float64Array(m);
  const mean = new Float64Array(m);
  const m2 = new Float64Array(m);
  forRows(shape, mask, (ib, ob, len, os) => {
    for (let j = 0; j < len; j++) {
      const v = x[ib + j]!;
      if (skipNaN && v !== v) continue;
      n[ob + j * os]! += 1;
      mean[ob + j * os]! += v;
    }
  });
  for (let i = 0; i < m; i++) mean[i] = n[i]! > 0 ? mean[i]! / n[i]! : 0;
  forRows(shape, mask, (ib, ob, len, os) => {
    if (os === 0) {
      const mu = mean[ob]!;
      let s = 0;
      for (let j = 0; j < len; j++) {
        const d = x[ib + j]! - mu;
        if (!skipNaN || d === d) s += d * d;
      }
      m2[ob]! += s;
    } else
      for (let j = 0; j < len; j++) {
        const d = x[ib + j]! - mean[ob + j]!;
        if (!skipNaN || d === d) m2[ob + j]! += d * d;
      }
  });
  return [n, mean, m2];
}

/** Moments of a whole block: two tight passes. */
function momentsAll(x: TypedArray, skipNaN: boolean): Float64Array[] {
  let n = 0;
  let s0 = 0, s1 = 0;
  const len = x.length;
  if (skipNaN) {
    for (let i = 0; i < len; i++) {
      const v = x[i]!;
      if (v === v) {
        n++;
        s0 += v;
      }
    }
  } else {
    n = len;
    let i = 0;
    for (; i + 1 < len; i += 2) {
      s0 += x[i]!;
      s1 += x[i + 1]!;
    }
    if (i < len) s0 += x[i]!;
  }
  const mean = n > 0 ? (s0 + s1) / n : 0;
  let q0 = 0, q1 = 0;
  if (skipNaN) {
    for (let i = 0; i < len; i++) {
      const d = x[i]! - mean;
      if (d === d) q0 += d * d;
    }
  } else {
    let i = 0;
    for (; i + 1 < len; i += 2) {
      const d0 = x[i]! - mean;
      const d1 = x[i + 1]! - mean;
      q0 += d0 * d0;
      q1 += d1 * d1;
    }
    if (i < len) {
      const d = x[i]! - mean;
      q0 += d * d;
    }
  }
  return [Float64Array.of(n), Float64Array.of(mean), Float64Array.of(q0 + q1)];
}

/** Chan et al.'s pairwise update of [count, mean, M2]. */
function combineMoments(parts: Float64Array[][]): Float64Array[] {
  const [n, mean, m2] = parts[0]!.map((a) => Float64Array.from(a)) as [Float64Array, Float64Array, Float64Array];
  for (let p = 1; p < parts.length; p++) {
    const [nb, mb, qb] = parts[p]! as [Float64Array, Float64Array, Float64Array];
    for (let i = 0; i < n.length; i++) {
      const na = n[i]!;
      const nbi = nb[i]!;
      if (nbi === 0) continue;
      if (na === 0) {
        n[i] = nbi;
        mean[i] = mb[i]!;
        m2[i] = qb[i]!;
        continue;
      }
      const tot = na + nbi;
      const delta = mb[i]! - mean[i]!;
      mean[i] = mean[i]! + (delta * nbi) / tot;
      m2[i] = m2[i]! + qb[i]! + ((delta * delta * na) / tot) * nbi;
      n[i] = tot;
    }
  }
  return [n, mean, m2];
}

/**
 * [value, index] of the min or max per output element. `start`/`fullShape` place the block in the
 * whole array; `axis` is the reduced axis, or -1 for a flat index over all axes.
 */
function argChunk(isMax: boolean, x: TypedArray, shape: number[], axis: number, start: number[], fullShape: number[]): Float64Array[] {
  const nd = shape.length;
  const mask = shape.map((_, d) => axis < 0 || d === axis);
  const m = outSize(shape, mask);
  const val = new Float64Array(m).fill(NaN);
  const pos = new Float64Array(m).fill(-1);
  const fstr = stridesOf(fullShape);
  const idx = new Array<number>(nd).fill(0);
  let r = 0;
  forRows(shape, mask, (ib, ob, len, os) => {
    // Global position of this row's first element, and the step along the row.
    let base: number;
    let stepAlong: number;
    if (axis < 0) {
      base = 0;
      for (let d = 0; d < nd; d++) base += (start[d]! + idx[d]!) * fstr[d]!;
      stepAlong = 1;
    } else if (axis === nd - 1) {
      base = start[axis]!;
      stepAlong = 1;
    } else {
      base = start[axis]! + idx[axis]!;
      stepAlong = 0;
    }
    for (let j = 0; j < len; j++) {
      const o = ob + j * os;
      const v = x[ib + j]!;
      const cur = val[o]!;
      const p = base + j * stepAlong;
      if (pos[o] === -1 || (cur === cur && (v !== v || (isMax ? v > cur : v < cur)))) {
        val[o] = v;
        pos[o] = p;
      }
    }
    r++;
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  });
  return [val, pos];
}

function combineArg(isMax: boolean, parts: Float64Array[][]): Float64Array[] {
  const val = Float64Array.from(parts[0]![0]!);
  const pos = Float64Array.from(parts[0]![1]!);
  for (let p = 1; p < parts.length; p++) {
    const [v2, p2] = parts[p]! as [Float64Array, Float64Array];
    for (let i = 0; i < val.length; i++) {
      const a = val[i]!;
      const b = v2[i]!;
      if (p2[i]! < 0) continue;
      // NaN wins (NumPy's arg-reductions propagate NaN); ties go to the smaller index.
      const better = pos[i]! < 0 || (a === a && (b !== b || (isMax ? b > a : b < a))) || ((a === b || (a !== a && b !== b)) && p2[i]! < pos[i]!);
      if (better) {
        val[i] = b;
        pos[i] = p2[i]!;
      }
    }
  }
  return [val, pos];
}

/** The reduction kinds the graph names; `chunk`, `combine` and `finish` dispatch on them. */
export type ReduceKind = FoldKind | 'moments' | 'nanmoments' | 'argmin' | 'argmax';

export function chunk(kind: ReduceKind, x: TypedArray, shape: number[], mask: boolean[], axis: number, start: number[], fullShape: number[]): Partial {
  if (shape.some(Number.isNaN)) shape = [x.length]; // a block of unknown length (1-D)
  if (kind === 'moments' || kind === 'nanmoments') return momentsChunk(x, shape, mask, kind === 'nanmoments');
  if (kind === 'argmin' || kind === 'argmax') return argChunk(kind === 'argmax', x, shape, axis, start, fullShape);
  return foldChunk(kind, x, shape, mask);
}

export function combine(kind: ReduceKind, parts: Partial[]): Partial {
  if (parts.length === 1) return parts[0]!;
  if (kind === 'moments' || kind === 'nanmoments') return combineMoments(parts as Float64Array[][]);
  if (kind === 'argmin' || kind === 'argmax') return combineArg(kind === 'argmax', parts as Float64Array[][]);
  return combineFold(kind, parts as Float64Array[]);
}

/** What to take from the final partial: the fold itself, or a statistic of moments. */
export type FinishKind = 'value' | 'mean' | 'var' | 'std' | 'index';

function finish(kind: ReduceKind, what: FinishKind, dtype: DType, ddof: number, parts: Partial[]): TypedArray {
  const p = combine(kind, parts);
  let values: Float64Array;
  if (what === 'value') values = p as Float64Array;
  else if (what === 'index') values = (p as Float64Array[])[1]!;
  else {
    const [n, mean, m2] = p as Float64Array[];
    values = new Float64Array(n!.length);
    for (let i = 0; i < values.length; i++) {
      const c = n![i]!;
      if (what === 'mean') values[i] = c > 0 ? mean![i]! : NaN;
      else {
        const v = c - ddof > 0 ? m2![i]! / (c - ddof) : NaN;
        values[i] = what === 'std' ? Math.sqrt(v) : v;
      }
    }
  }
  const out = allocShared(dtype, values.length);
  out.set(values);
  return out;
}

/** Keep the values of `x` where `mask` is non-zero (a boolean-mask block). */
function compress(x: TypedArray, mask: TypedArray): TypedArray {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  const out = allocShared(dtypeOf(x)!, n);
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i] !== 0) out[k++] = x[i]!;
  return out;
}

export const reduceKernels = defineOps(import.meta.url, {
  'array.compress': compress,
  'array.length': (x: TypedArray) => x.length,
  'array.reduce.chunk': chunk,
  'array.reduce.combine': (kind: ReduceKind, ...parts: Partial[]) => combine(kind, parts),
  'array.reduce.finish': (kind: ReduceKind, what: FinishKind, dtype: DType, ddof: number, ...parts: Partial[]) => finish(kind, what, dtype, ddof, parts),
});
