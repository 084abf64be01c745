/**
 * The options objects of DataFrame methods, each with its list of names (`checkOptions` refuses
 * any other key). Reductions' options live in frame-reduce.ts, groupby's in groupby.ts, merge's in
 * merge.ts, toCsv's in write.ts.
 */
import type { Dtype } from '../io/csv-columns.ts';
import { optionKeys } from '../options.ts';

/** Options of `sample`. */
export interface SampleOptions {
  /** The fraction of rows to keep, from 0 to 1. */
  frac: number;
  /** Seed of the draw (default 0): the same seed keeps the same rows. */
  seed?: number;
}
export const SAMPLE_KEYS = optionKeys<SampleOptions>({ frac: true, seed: true });

/** Options of `mapPartitions`. */
export interface MapPartitionsOptions {
  /** The result's columns and dtypes; without it the function is probed with an empty table. */
  meta?: Record<string, Dtype>;
  /** Extra arguments passed after the table. */
  args?: unknown[];
}
export const MAP_PARTITIONS_KEYS = optionKeys<MapPartitionsOptions>({ meta: true, args: true });

/** Options of `sortValues`. */
export interface SortValuesOptions {
  /** Ascending (default true), or one flag per sort column. */
  ascending?: boolean | boolean[];
  /** Partitions of the result (default: as many as now). */
  npartitions?: number;
}
export const SORT_VALUES_KEYS = optionKeys<SortValuesOptions>({ ascending: true, npartitions: true });

/** Options of `repartition`: a partition count, or a target size per partition. */
export interface RepartitionOptions {
  npartitions?: number;
  /** Bytes of column memory per partition ('100MB' or a number); the sizes are computed first. */
  partitionSize?: number | string;
}
export const REPARTITION_KEYS = optionKeys<RepartitionOptions>({ npartitions: true, partitionSize: true });
