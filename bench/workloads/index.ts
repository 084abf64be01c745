/** Every benchmark workload, by name. Each issue adds its own here. */
import type { Workload } from './types.ts';
import { taskOverhead } from './task-overhead.ts';
import { callbackOverhead } from './callback-overhead.ts';
import { arrayMeanStd, arrayMeanStdRatio } from './array-meanstd.ts';
import { arraySumAxis0, arrayXxtSum } from './array-xxt.ts';
import { arrayBandwidth } from './array-bandwidth.ts';
import { bagCheap } from './bag-cheap.ts';
import { bagSleep } from './bag-sleep.ts';
import { bagText } from './bag-text.ts';
import { csvFilterMean, csvGroupbyAgg, csvGroupbySum } from './csv.ts';
import { clusterStartup } from './cluster-startup.ts';
import { clusterTaskOverhead } from './cluster-task-overhead.ts';
import { clusterBagCheap, clusterCsvGroupbySum } from './cluster-collections.ts';
import { transfer } from './transfer.ts';
import { redisCsvGroupbySum, redisRecovery, redisTaskOverhead } from './redis.ts';
import { dataPlane } from './data-plane.ts';
import { coldStart } from './cold-start.ts';

export const workloads: Record<string, Workload> = {
  'task-overhead': taskOverhead,
  'callback-overhead': callbackOverhead,
  'array-meanstd': arrayMeanStd,
  'array-meanstd-ratio': arrayMeanStdRatio,
  'array-xxt-sum': arrayXxtSum,
  'array-sum-axis0': arraySumAxis0,
  'array-bandwidth': arrayBandwidth,
  'bag-cheap': bagCheap,
  'bag-sleep': bagSleep,
  'bag-text': bagText,
  'csv-groupby-sum': csvGroupbySum,
  'csv-groupby-agg': csvGroupbyAgg,
  'csv-filter-mean': csvFilterMean,
  'cluster-task-overhead': clusterTaskOverhead,
  'cluster-startup': clusterStartup,
  'cluster-bag-cheap': clusterBagCheap,
  'cluster-csv-groupby-sum': clusterCsvGroupbySum,
  'redis-task-overhead': redisTaskOverhead,
  'redis-csv-groupby-sum': redisCsvGroupbySum,
  'redis-recovery': redisRecovery,
  'data-plane': dataPlane,
  'cold-start': coldStart,
};
