/** Every benchmark workload, by name. Each issue adds its own here. */
import type { Workload } from './types.ts';
import { taskOverhead } from './task-overhead.ts';
import { csvFilterMean, csvGroupbyAgg, csvGroupbySum } from './csv.ts';

export const workloads: Record<string, Workload> = {
  'task-overhead': taskOverhead,
  'csv-groupby-sum': csvGroupbySum,
  'csv-groupby-agg': csvGroupbyAgg,
  'csv-filter-mean': csvFilterMean,
};
