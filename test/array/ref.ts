/**
 * Plain references for array tests: a tiny dense n-d array in JS (flat values + shape) and
 * straightforward loops computing what NumPy would.
 */
import fc from 'fast-check';

export interface Dense {
  data: number[];
  shape: number[];
}

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** All index tuples of a shape in C order. */
export function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const n = size(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    out.push(idx.slice());
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

export function get(a: Dense, idx: readonly number[]): number {
  const s = strides(a.shape);
  return a.data[idx.reduce((acc, v, d) => acc + v * s[d]!, 0)]!;
}

/** Nested arrays of a dense array (like toArray). */
export function nest(a: Dense): unknown {
  if (a.shape.length === 0) return a.data[0];
  const walk = (d: number, base: number): unknown => {
    const s = strides(a.shape);
    if (d === a.shape.length) return a.data[base];
    return Array.from({ length: a.shape[d]! }, (_, i) => walk(d + 1, base + i * s[d]!));
  };
  return walk(0, 0);
}

/** Broadcast elementwise map over dense arrays or numbers. */
export function ewRef(f: (...v: number[]) => number, ...xs: (Dense | number)[]): Dense {
  const shapes = xs.map((x) => (typeof x === 'number' ? [] : x.shape));
  const nd = Math.max(...shapes.map((s) => s.length));
  const shape = new Array<number>(nd).fill(1);
  for (const s of shapes) s.forEach((v, i) => { if (v !== 1) shape[nd - s.length + i] = v; });
  const data = indices(shape).map((idx) =>
    f(...xs.map((x) => (typeof x === 'number' ? x : get(x, idx.slice(nd - x.shape.length).map((v, d) => (x.shape[d] === 1 ? 0 : v)))))),
  );
  return { data, shape };
}

/** Reduce `a` over `axes` with `f` (given the list of values of each output element). */
export function reduceRef(a: Dense, axes: number[] | undefined, f: (vals: number[], positions: number[]) => number, keepdims = false): Dense {
  const ax = axes ?? a.shape.map((_, i) => i);
  const oshape = a.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const groups = new Map<number, { vals: number[]; pos: number[] }>();
  const os = strides(oshape);
  indices(a.shape).forEach((idx, flat) => {
    const o = idx.reduce((acc, v, d) => acc + (ax.includes(d) ? 0 : v * os[d]!), 0);
    let g = groups.get(o);
    if (!g) groups.set(o, (g = { vals: [], pos: [] }));
    g.vals.push(a.data[flat]!);
    g.pos.push(ax.length === 1 ? idx[ax[0]!]! : flat);
  });
  const data = indices(oshape).map((_, o) => f(groups.get(o)!.vals, groups.get(o)!.pos));
  return { data, shape: keepdims ? oshape : oshape.filter((_, i) => !ax.includes(i)) };
}

/** A random shape of 1..maxDims axes with lengths 1..maxLen, and chunks for it. */
export const shapeArb = (maxDims = 3, maxLen = 7) => fc.array(fc.integer({ min: 1, max: maxLen }), { minLength: 1, maxLength: maxDims });

/** Explicit random chunks for a shape. */
export function chunksArb(shape: readonly number[]): fc.Arbitrary<number[][]> {
  return fc.tuple(...shape.map((d) => fc.array(fc.integer({ min: 1, max: d }), { minLength: 1, maxLength: d }).map((cuts) => {
    const out: number[] = [];
    let left = d;
    for (const c of cuts) {
      if (left === 0) break;
      const n = Math.min(c, left);
      out.push(n);
      left -= n;
    }
    if (left > 0) out.push(left);
    return out;
  })));
}

/** A dense array of small random values (integers/2 so float sums are exact). */
export function denseArb(shape: readonly number[]): fc.Arbitrary<Dense> {
  return fc.array(fc.integer({ min: -20, max: 20 }), { minLength: size(shape), maxLength: size(shape) }).map((v) => ({ data: v.map((x) => x / 2), shape: shape.slice() }));
}

/** Seeded plain JS random values (a small LCG) for fixed test arrays. */
export function lcg(seed: number, n: number, lo = -5, hi = 5): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}

export function close(a: number, b: number, tol = 1e-9): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}

export function allClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!close(a[i]!, b[i]!, tol)) return false;
  return true;
}
