/**
 * Graph building blocks for Bags that do not need the Bag class: kernel specs, the tree reduction
 * (Dask's `Bag.reduction`), the groupBy shuffle, repartitioning, cartesian products and running
 * accumulations. Each returns new keys and the layer (a small graph) that defines them.
 */
import { messages, OptionError } from '../errors.ts';
import { blockKey } from '../graph/keys.ts';
import { ref, task, type Arg, type FnSpec, type GraphNode, type Key } from '../graph/types.ts';
import { builtins } from '../schedulers/builtin-ops.ts';
import { specOf } from '../schedulers/specs.ts';
import { bagKernels } from './kernels.ts';

export type Layer = Map<Key, GraphNode>;

/** The spec of a Bag kernel (or an engine builtin) by name. */
export function op(name: keyof typeof bagKernels | 'getitem'): FnSpec {
  return specOf(name === 'getitem' ? builtins.getitem : bagKernels[name]);
}

/** Dask's default fan-in of tree reductions. */
export const DEFAULT_SPLIT_EVERY = 8;

/** `splitEvery`: a whole number >= 2, or false / Infinity for one aggregate over all partials. */
export function checkSplitEvery(v: number | false | undefined): number {
  if (v === undefined) return DEFAULT_SPLIT_EVERY;
  if (v === false || v === Infinity) return Infinity;
  if (!Number.isInteger(v) || v < 2) throw new OptionError(messages.badOption('splitEvery', v, 'must be a whole number >= 2, or false for a single aggregate'));
  return v;
}

export interface TreeSpec {
  /** Key prefix (e.g. 'sum'); keys are `${name}-part-${token}[i]`, `${name}-combine-${token}[d,i]`, `${name}-${token}`. */
  name: string;
  token: string;
  /** The task computing a partial result from partition `i`. */
  perPartition: (i: number) => [FnSpec, Arg[]];
  /** The task combining a list of partial results; `final` for the last one. */
  combine: (partials: Arg[], final: boolean) => [FnSpec, Arg[]];
  splitEvery: number;
}

/**
 * A tree reduction over partitions `keys`: one task per partition, then groups of `splitEvery`
 * partial results combined level by level, then one final combine.
 * @example
 * treeReduce(4, { name: 'sum', token, perPartition: (i) => [op('bag.sum'), [ref(keys[i])]], combine: (xs) => [op('bag.sum'), [xs]], splitEvery: 8 });
 */
export function treeReduce(npartitions: number, spec: TreeSpec): { key: Key; layer: Layer } {
  const layer: Layer = new Map();
  let level: Key[] = Array.from({ length: npartitions }, (_, i) => {
    const key = blockKey(`${spec.name}-part-${spec.token}`, [i]);
    const [fn, args] = spec.perPartition(i);
    layer.set(key, task(key, fn, args));
    return key;
  });
  for (let depth = 0; level.length > spec.splitEvery; depth++) {
    const next: Key[] = [];
    for (let i = 0; i * spec.splitEvery < level.length; i++) {
      const key = blockKey(`${spec.name}-combine-${spec.token}`, [depth, i]);
      const [fn, args] = spec.combine(level.slice(i * spec.splitEvery, (i + 1) * spec.splitEvery).map(ref), false);
      layer.set(key, task(key, fn, args));
      next.push(key);
    }
    level = next;
  }
  const key = `${spec.name}-${spec.token}`;
  const [fn, args] = spec.combine(level.map(ref), true);
  layer.set(key, task(key, fn, args));
  return { key, layer };
}

/** Dask's default fan-out of a task shuffle stage (`max_branch`). */
export const DEFAULT_MAX_BRANCH = 32;

/**
 * groupBy's shuffle. Every element goes to output partition `hash(key) % nout`. With few
 * partitions (at most `maxBranch` in and out) it is one all-to-all stage: each input partition is
 * cut into `nout` buckets (one task), each bucket is picked out where it was made (one small
 * task), and each output partition gathers its bucket from every input. Only buckets move.
 *
 * With more partitions that would be nin × nout tasks, so it runs in stages, as Dask's task
 * shuffle: partitions are numbered in base k (k ≤ maxBranch) and stage s routes each element by
 * digit s of its destination among the k partitions that differ only in that digit. After the
 * last stage partition v holds exactly the elements bound for v, in their original order (stage s
 * concatenates by source digit s, so the final order is the original index order). Tasks:
 * stages × k^stages × (k + 2) instead of nin × nout.
 */
export function shuffle(keys: readonly Key[], key: Arg, nout: number, token: string, maxBranch = DEFAULT_MAX_BRANCH): { keys: Key[]; layer: Layer } {
  const layer: Layer = new Map();
  const nin = keys.length;
  const width = Math.max(nin, nout);
  const stages = width <= maxBranch ? 1 : Math.ceil(Math.log(width) / Math.log(maxBranch) - 1e-9);
  let k = stages === 1 ? nout : Math.ceil(width ** (1 / stages) - 1e-9);
  while (stages > 1 && k ** stages < width) k++;
  const total = stages === 1 ? nin : k ** stages;
  // cur[v]: the key holding virtual partition v, or null when it is empty.
  let cur: (Key | null)[] = Array.from({ length: total }, (_, v) => (v < nin ? keys[v]! : null));
  if (stages === 1) {
    const buckets: Key[][] = Array.from({ length: nout }, () => []);
    cur.forEach((src, i) => {
      const split = blockKey(`groupby-split-${token}`, [i]);
      layer.set(split, task(split, op('bag.shuffleSplit'), [ref(src!), key, nout, 1, 0]));
      for (let j = 0; j < nout; j++) {
        const b = blockKey(`groupby-bucket-${token}`, [i, j]);
        layer.set(b, task(b, op('getitem'), [ref(split), j]));
        buckets[j]!.push(b);
      }
    });
    return { keys: buckets.map((bs, j) => group(layer, token, j, key, bs)), layer };
  }
  const digit = (v: number, s: number) => Math.floor(v / k ** s) % k;
  for (let s = 0; s < stages; s++) {
    const splits = cur.map((src, v) => {
      if (src === null) return null;
      const split = blockKey(`groupby-split-${token}`, [s, v]);
      layer.set(split, task(split, op('bag.shuffleSplit'), [ref(src), key, nout, k, s]));
      return split;
    });
    cur = cur.map((_, v) => {
      const inputs: Key[] = [];
      for (let j = 0; j < k; j++) {
        const from = v + (j - digit(v, s)) * k ** s; // v with digit s replaced by j
        const split = splits[from];
        if (split === null || split === undefined) continue;
        const b = blockKey(`groupby-bucket-${token}`, [s, from, digit(v, s)]);
        layer.set(b, task(b, op('getitem'), [ref(split), digit(v, s)]));
        inputs.push(b);
      }
      if (inputs.length === 0) return null;
      const joined = blockKey(`groupby-stage-${token}`, [s, v]);
      layer.set(joined, task(joined, op('bag.concat'), inputs.map(ref)));
      return joined;
    });
  }
  return { keys: Array.from({ length: nout }, (_, j) => group(layer, token, j, key, cur[j] ? [cur[j]!] : [])), layer };
}

/** Output partition j: its elements grouped as [key, elements]. */
function group(layer: Layer, token: string, j: number, key: Arg, inputs: Key[]): Key {
  const k = blockKey(`groupby-${token}`, [j]);
  layer.set(k, task(k, op('bag.shuffleGroup'), [key, ...inputs.map(ref)]));
  return k;
}

/**
 * Dask's `repartition(npartitions)`: to fewer partitions by concatenating neighbours, to more by
 * splitting each partition into nearly equal pieces. Element order is kept.
 */
export function repartition(keys: readonly Key[], nout: number, token: string): { keys: Key[]; layer: Layer } {
  const layer: Layer = new Map();
  const name = `repartition-${nout}-${token}`;
  const nin = keys.length;
  const out: Key[] = [];
  if (nout < nin) {
    const ratio = nin / nout;
    const bounds = Array.from({ length: nout + 1 }, (_, i) => Math.floor(i * ratio));
    bounds[nout] = nin;
    for (let j = 0; j < nout; j++) {
      const k = blockKey(name, [j]);
      layer.set(k, task(k, op('bag.concat'), keys.slice(bounds[j], bounds[j + 1]).map(ref)));
      out.push(k);
    }
    return { keys: out, layer };
  }
  const div = Math.floor(nout / nin);
  const nsplits = keys.map((_, i) => (i === nin - 1 ? div + (nout % nin) : div));
  keys.forEach((k, i) => {
    const split = blockKey(`${name}-split`, [i]);
    layer.set(split, task(split, op('bag.split'), [ref(k), nsplits[i]!]));
    for (let s = 0; s < nsplits[i]!; s++) {
      const piece = blockKey(name, [out.length]);
      layer.set(piece, task(piece, op('getitem'), [ref(split), s]));
      out.push(piece);
    }
  });
  return { keys: out, layer };
}

/** Every pair of partitions (i of a, j of b) gives partition i * m + j. */
export function product(a: readonly Key[], b: readonly Key[], token: string): { keys: Key[]; layer: Layer } {
  const layer: Layer = new Map();
  const out: Key[] = [];
  for (const ka of a) {
    for (const kb of b) {
      const k = blockKey(`product-${token}`, [out.length]);
      layer.set(k, task(k, op('bag.product'), [ref(ka), ref(kb)]));
      out.push(k);
    }
  }
  return { keys: out, layer };
}

/**
 * A running reduction across partitions: partition i continues from partition i-1's last value
 * (its carry, a small task on the same worker), so only the carry moves between workers.
 */
export function accumulate(keys: readonly Key[], binop: Arg, hasInitial: boolean, initial: unknown, token: string): { keys: Key[]; layer: Layer } {
  const layer: Layer = new Map();
  const out: Key[] = [];
  let carry: Key | null = null;
  keys.forEach((k, i) => {
    const part = blockKey(`accumulate-part-${token}`, [i]);
    layer.set(part, task(part, op('bag.accumulate'), [binop, ref(k), carry === null ? null : ref(carry), hasInitial, initial as Arg]));
    const elems = blockKey(`accumulate-${token}`, [i]);
    layer.set(elems, task(elems, op('getitem'), [ref(part), 0]));
    carry = blockKey(`accumulate-carry-${token}`, [i]);
    layer.set(carry, task(carry, op('getitem'), [ref(part), 1]));
    out.push(elems);
  });
  return { keys: out, layer };
}
