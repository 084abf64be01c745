/**
 * The tree reductions of a Bag as (per-partition task, combine task) pairs, for `treeReduce` in
 * graph-parts.ts. Each combine sees a list of partial results; `final` marks the root, which
 * turns the partial into the answer (and fails clearly on an empty bag where there is none).
 * Partial results are small: a number, `[has, value]`, `[count, mean, M2]`, or a Map of groups.
 */
import type { Arg, FnSpec } from '../graph/types.ts';
import { op } from './graph-parts.ts';

export interface Reduction {
  /** A streaming reducer (reducers.ts) fed by the partition's fused pipeline: `[name, ...params]`. */
  stream?: [string, ...Arg[]];
  /** Otherwise, a kernel applied to the computed partition. */
  per?: (partition: Arg) => [FnSpec, Arg[]];
  combine: (partials: Arg[], final: boolean) => [FnSpec, Arg[]];
}

/** `fn` is a function argument (`fnArg(spec)`) or a property name / index where keys are allowed. */
export const reductions = {
  count: (): Reduction => ({ stream: ['count'], combine: (xs) => [op('bag.sum'), [xs]] }),
  sum: (): Reduction => ({ stream: ['sum'], combine: (xs) => [op('bag.sum'), [xs]] }),
  any: (): Reduction => ({ stream: ['any'], combine: (xs) => [op('bag.any'), [xs]] }),
  all: (): Reduction => ({ stream: ['all'], combine: (xs) => [op('bag.all'), [xs]] }),
  minmax: (isMax: boolean): Reduction => ({
    stream: ['minmax', isMax],
    combine: (xs, final) => [op('bag.minmaxCombine'), [xs, isMax, final]],
  }),
  moments: (what: 'mean' | 'var' | 'std', ddof: number): Reduction => ({
    stream: ['moments'],
    combine: (xs, final) => [op('bag.momentsCombine'), [xs, final ? what : null, ddof]],
  }),
  /** A user's reduction: `perPartition(elements)`, then `aggregate(partials)` at every level (Dask's semantics). */
  user: (perPartition: Arg, aggregate: Arg): Reduction => ({
    per: (p) => [op('bag.applyPart'), [perPartition, p]],
    combine: (xs) => [op('bag.apply'), [aggregate, xs]],
  }),
  fold: (binop: Arg, combine: Arg, hasInitial: boolean, initial: Arg): Reduction => ({
    stream: ['fold', binop, hasInitial, initial],
    combine: (xs, final) => [op('bag.foldCombine'), [xs, combine, final]],
  }),
  foldBy: (key: Arg, binop: Arg, hasInitial: boolean, initial: Arg, combine: Arg, hasCombineInitial: boolean, combineInitial: Arg): Reduction => ({
    stream: ['foldBy', key, binop, hasInitial, initial],
    combine: (xs, final) => [op('bag.foldByCombine'), [xs, combine, hasCombineInitial, combineInitial, final]],
  }),
  frequencies: (sort: boolean): Reduction => ({
    stream: ['frequencies'],
    combine: (xs, final) => [op('bag.frequenciesCombine'), [xs, final, sort]],
  }),
  topk: (k: number, key: Arg): Reduction => ({
    per: (p) => [op('bag.topk'), [p, k, key]],
    combine: (xs) => [op('bag.topkCombine'), [xs, k, key]],
  }),
  distinct: (key: Arg): Reduction => ({
    stream: ['distinct', key],
    combine: (xs) => [op('bag.distinctCombine'), [xs, key]],
  }),
};
