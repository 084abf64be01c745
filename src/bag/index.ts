/**
 * Bag: parallel map / filter / fold over partitioned sequences of JS values (Dask's `dask.bag`).
 * Exported from the package as the `bag` namespace.
 */
export { Bag, type BagArg, type BagArgs, type TakeOptions, type ToTextFilesOptions, type BagReduceOptions, type ReductionOptions, type FoldOptions, type BagGroupByOptions } from './bag.ts';
export { Item } from './item.ts';
export { fromSequence, range, fromDelayed, concat, zip, readText, type FromSequenceOptions, type RangeOptions, type ReadTextOptions } from './create.ts';
