/**
 * Per-partition reductions as streaming accumulators: each element is added as the fused pipeline
 * produces it, so a reduction after `map`/`filter` never builds the partition's array (less memory,
 * and for `readText` the lines are never all held at once). Worker side; imports nothing heavy.
 */
import type { AnyFn } from '../schedulers/registry.ts';

/** A key of a group: a function of the element, or a property name / index of it. */
export type KeyArg = AnyFn | string | number;

export function keyFn(key: KeyArg): AnyFn {
  if (typeof key === 'function') {
    // Dask's topk(key=lambda a, b: b): a key taking several arguments gets the element spread.
    if (key.length > 1) return (x: unknown) => (Array.isArray(x) ? key(...x) : key(x));
    return key;
  }
  return (x: unknown) => (x as Record<string | number, unknown>)[key];
}

/**
 * Keys used in Maps: primitives are themselves; arrays and objects (tuple keys) compare by their
 * JSON text, so equal structures land in the same group in every process.
 */
export function canon(k: unknown): unknown {
  return k !== null && typeof k === 'object' ? `\u0000${JSON.stringify(k)}` : k;
}

/** Groups keyed by canonical key: id -> [original key, value]. A Map crosses processes as is. */
export type Groups<V> = Map<unknown, [unknown, V]>;

/** `[has, value]`: a partial result that may be empty (an empty partition has no min). */
export type Maybe = [has: boolean, value: unknown];

export interface Reducer {
  add(x: unknown): void;
  done(): unknown;
}

/** Chan et al.'s pairwise update of [count, mean, M2] (numerically stable variance). */
export function mergeMoments(a: number[], b: number[]): number[] {
  const [na, ma, qa] = a as [number, number, number];
  const [nb, mb, qb] = b as [number, number, number];
  if (nb === 0) return a;
  if (na === 0) return b;
  const n = na + nb;
  const d = mb - ma;
  return [n, ma + (d * nb) / n, qa + qb + (d * d * na * nb) / n];
}

/** The streaming reducers by name; `params` come from the task (functions already resolved). */
export const reducers: Record<string, (...params: never[]) => Reducer> = {
  count: () => {
    let n = 0;
    return { add: () => void n++, done: () => n };
  },
  sum: () => {
    let s = 0;
    return { add: (x) => void (s += x as number), done: () => s };
  },
  any: () => {
    let r = false;
    return { add: (x) => void (r ||= Boolean(x)), done: () => r };
  },
  all: () => {
    let r = true;
    return { add: (x) => void (r &&= Boolean(x)), done: () => r };
  },
  minmax: (isMax: boolean) => {
    let has = false;
    let m: unknown;
    return {
      add: (x) => {
        if (!has || (isMax ? (x as number) > (m as number) : (x as number) < (m as number))) m = x;
        has = true;
      },
      done: (): Maybe => [has, m],
    };
  },
  moments: () => {
    // Welford's update, one element at a time.
    let n = 0;
    let mean = 0;
    let m2 = 0;
    return {
      add: (x) => {
        n++;
        const d = (x as number) - mean;
        mean += d / n;
        m2 += d * ((x as number) - mean);
      },
      done: () => [n, mean, m2],
    };
  },
  fold: (binop: AnyFn, hasInitial: boolean, initial: unknown) => {
    let has = hasInitial;
    let acc = initial;
    return {
      add: (x) => {
        acc = has ? binop(acc, x) : x;
        has = true;
      },
      done: (): Maybe => [has, acc],
    };
  },
  frequencies: () => {
    const g: Groups<number> = new Map();
    return {
      add: (x) => {
        const id = canon(x);
        const e = g.get(id);
        if (e) e[1]++;
        else g.set(id, [x, 1]);
      },
      done: () => g,
    };
  },
  foldBy: (key: KeyArg, binop: AnyFn, hasInitial: boolean, initial: unknown) => {
    const kf = keyFn(key);
    const g: Groups<unknown> = new Map();
    return {
      add: (x) => {
        const k = kf(x);
        const id = canon(k);
        const e = g.get(id);
        if (e) e[1] = binop(e[1], x);
        else g.set(id, [k, hasInitial ? binop(typeof initial === 'function' ? initial() : initial, x) : x]);
      },
      done: () => g,
    };
  },
  distinct: (key: KeyArg | null) => {
    const kf = key === null ? null : keyFn(key);
    const seen = new Set<unknown>();
    const out: unknown[] = [];
    return {
      add: (x) => {
        const id = canon(kf ? kf(x) : x);
        if (!seen.has(id)) {
          seen.add(id);
          out.push(x);
        }
      },
      done: () => out,
    };
  },
};
