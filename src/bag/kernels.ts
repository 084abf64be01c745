/**
 * Every Bag kernel, registered by name (`defineOps`): workers import this module by URL and the
 * graph refers to kernels as `{ kind: 'op', name }`. User functions arrive as arguments, already
 * resolved from their specs by the worker runtime. Loaded in workers: imports nothing heavy.
 */
import { messages } from '../errors.ts';
import { defineOps, type AnyFn } from '../schedulers/registry.ts';
import { asArray } from './partition.ts';
import { runPipeline, type StepArgs } from './pipeline-kernel.ts';
import { canon, keyFn, mergeMoments, type Groups, type KeyArg, type Maybe } from './reducers.ts';
import { writeLines } from './text-kernel.ts';

/** FNV-1a of the canonical key's text: the same partition for the same key in every process. */
function hashKey(k: unknown): number {
  const c = canon(k);
  const s = typeof c === 'string' ? `s${c}` : `${typeof c}${String(c)}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function concatAll(parts: unknown[][]): unknown[] {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Array<unknown>(n);
  let i = 0;
  for (const p of parts) for (let j = 0; j < p.length; j++) out[i++] = p[j];
  return out;
}

function topkOf(items: unknown[], k: number, key: KeyArg | null): unknown[] {
  const kf = key === null ? null : keyFn(key);
  const keyed = items.map((x, i) => [kf ? kf(x) : x, i, x] as [unknown, number, unknown]);
  // Largest first; ties keep their order in the bag, so the answer does not depend on partitioning.
  keyed.sort((a, b) => ((a[0] as number) < (b[0] as number) ? 1 : (a[0] as number) > (b[0] as number) ? -1 : a[1] - b[1]));
  return keyed.slice(0, k).map((e) => e[2]);
}

function distinctOf(items: unknown[], key: KeyArg | null, seen = new Set<unknown>(), out: unknown[] = []): unknown[] {
  const kf = key === null ? null : keyFn(key);
  for (const x of items) {
    const id = canon(kf ? kf(x) : x);
    if (!seen.has(id)) {
      seen.add(id);
      out.push(x);
    }
  }
  return out;
}

export const bagKernels = defineOps(import.meta.url, {
  /** All pending transforms of one partition (see pipeline-kernel.ts). */
  'bag.pipeline': (part: unknown, steps: StepArgs[], index: number) => runPipeline(part, steps, index),
  /** `[start, stop)` as an array. */
  'bag.range': (start: number, stop: number) => {
    const out = new Array<number>(Math.max(0, stop - start));
    for (let i = 0; i < out.length; i++) out[i] = start + i;
    return out;
  },
  /** A partition made from any iterable (a Delayed's generator, a Set, ...). */
  'bag.reify': (x: unknown) => asArray(x),
  /** Several partitions as one (repartition to fewer). */
  'bag.concat': (...parts: unknown[]) => concatAll(parts.map(asArray)),
  /** One partition cut into `n` nearly equal pieces (repartition to more), as Dask's `split`. */
  'bag.split': (part: unknown, n: number) => {
    const xs = asArray(part);
    const out: unknown[][] = [];
    for (let i = 0; i < n; i++) out.push(xs.slice(Math.floor((xs.length / n) * i), Math.floor((xs.length / n) * (i + 1))));
    return out;
  },
  /** Every pair of an element of `a` with an element of `b`. */
  'bag.product': (a: unknown, b: unknown) => {
    const xs = asArray(a);
    const ys = asArray(b);
    const out: unknown[] = [];
    for (const x of xs) for (const y of ys) out.push([x, y]);
    return out;
  },
  /** Running `binop` over one partition, continuing from the previous partition's carry. */
  'bag.accumulate': (binop: AnyFn, part: unknown, carry: Maybe | null, hasInitial: boolean, initial: unknown) => {
    let [has, acc] = carry ?? [hasInitial, initial];
    const out: unknown[] = carry === null && hasInitial ? [initial] : [];
    for (const x of asArray(part)) {
      acc = has ? binop(acc, x) : x;
      has = true;
      out.push(acc);
    }
    return [out, [has, acc]];
  },

  // ---- reductions: per partition, then combined in a tree ----
  /** A user's function of a whole partition / of a list of partial results. */
  'bag.apply': (f: AnyFn, x: unknown) => f(x),
  'bag.applyPart': (f: AnyFn, part: unknown) => f(asArray(part)),
  'bag.sum': (xs: unknown) => {
    let s = 0;
    for (const x of asArray(xs)) s += x as number;
    return s;
  },
  'bag.any': (xs: unknown) => asArray(xs).some(Boolean),
  'bag.all': (xs: unknown) => asArray(xs).every(Boolean),
  'bag.minmaxCombine': (partials: Maybe[], isMax: boolean, final: boolean) => {
    let out: Maybe = [false, undefined];
    for (const [has, v] of partials) {
      if (!has) continue;
      if (!out[0] || (isMax ? (v as number) > (out[1] as number) : (v as number) < (out[1] as number))) out = [true, v];
    }
    if (!final) return out;
    if (!out[0]) throw new RangeError(messages.bagEmpty(isMax ? 'max()' : 'min()'));
    return out[1];
  },
  'bag.foldCombine': (partials: Maybe[], combine: AnyFn, final: boolean) => {
    let has = false;
    let acc: unknown;
    for (const [h, v] of partials) {
      if (!h) continue;
      acc = has ? combine(acc, v) : v;
      has = true;
    }
    if (!final) return [has, acc];
    if (!has) throw new RangeError(messages.bagEmpty('fold() with no initial value'));
    return acc;
  },
  'bag.momentsCombine': (partials: number[][], what: 'mean' | 'var' | 'std' | null, ddof: number) => {
    let m = [0, 0, 0];
    for (const p of partials) m = mergeMoments(m, p);
    if (what === null) return m;
    const [n, mean, m2] = m as [number, number, number];
    if (n === 0) throw new RangeError(messages.bagEmpty(`${what}()`));
    if (what === 'mean') return mean;
    const v = m2 / (n - ddof);
    return what === 'var' ? v : Math.sqrt(v);
  },
  'bag.frequenciesCombine': (partials: Groups<number>[], final: boolean, sort: boolean) => {
    const g: Groups<number> = new Map();
    for (const p of partials) {
      for (const [id, [k, c]] of p) {
        const e = g.get(id);
        if (e) e[1] += c;
        else g.set(id, [k, c]);
      }
    }
    if (!final) return g;
    const out = [...g.values()];
    if (sort) out.sort((a, b) => b[1] - a[1]); // stable: equal counts keep first-seen order
    return out;
  },
  'bag.topk': (part: unknown, k: number, key: KeyArg | null) => topkOf(asArray(part), k, key),
  'bag.topkCombine': (partials: unknown[][], k: number, key: KeyArg | null) => topkOf(concatAll(partials), k, key),
  'bag.distinctCombine': (partials: unknown[][], key: KeyArg | null) => {
    const seen = new Set<unknown>();
    const out: unknown[] = [];
    for (const p of partials) distinctOf(p, key, seen, out);
    return out;
  },
  'bag.foldByCombine': (partials: Groups<unknown>[], combine: AnyFn, hasInitial: boolean, initial: unknown, final: boolean) => {
    const g: Groups<unknown> = new Map();
    for (const p of partials) {
      for (const [id, [k, v]] of p) {
        const e = g.get(id);
        if (e) e[1] = combine(e[1], v);
        else g.set(id, [k, hasInitial ? combine(typeof initial === 'function' ? initial() : initial, v) : v]);
      }
    }
    return final ? [...g.values()] : g;
  },

  // ---- groupBy: a shuffle ----
  /**
   * Cut one partition into buckets by the destination of each element (`hash(key) % nout`): with
   * `k = 1`, one bucket per destination; in a staged shuffle, `k` buckets by digit `stage` of the
   * destination in base `k`.
   */
  'bag.shuffleSplit': (part: unknown, key: KeyArg, nout: number, k: number, stage: number) => {
    const kf = keyFn(key);
    const n = k === 1 ? nout : k;
    const div = k ** stage;
    const buckets: unknown[][] = Array.from({ length: n }, () => []);
    for (const x of asArray(part)) {
      const dest = hashKey(kf(x)) % nout;
      buckets[k === 1 ? dest : Math.floor(dest / div) % k]!.push(x);
    }
    return buckets;
  },
  /** One output partition: its bucket from every input partition, grouped as [key, values]. */
  'bag.shuffleGroup': (key: KeyArg, ...buckets: unknown[][]) => {
    const kf = keyFn(key);
    const g: Groups<unknown[]> = new Map();
    for (const b of buckets) {
      for (const x of b) {
        const k = kf(x);
        const id = canon(k);
        const e = g.get(id);
        if (e) e[1].push(x);
        else g.set(id, [k, [x]]);
      }
    }
    return [...g.values()];
  },

  // ---- text files ----
  'bag.writeText': writeLines,
});
