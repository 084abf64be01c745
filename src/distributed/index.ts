/** shoal's dask.distributed on one machine: Client, LocalCluster, Futures. */
export { Client, type ClientComputeOptions, type SubmitOptions, type ScatterOptions } from './client.ts';
export { LocalCluster, type LocalClusterOptions, type WorkerInfo } from './local-cluster.ts';
export { Future, DoneFuture, isFuture, type AnyFuture, type FutureStatus } from './future.ts';
export { asCompleted, wait, type WaitOptions } from './wait.ts';
export { SchedulerState, type SchedulerEvent, type Instruction, type TaskStateName } from './scheduler-state.ts';
export { WorkerState } from './worker-state.ts';
export { performanceReport } from './dashboard/report.ts';
export type { ClusterLike } from './client-keys.ts';
export type { ConnectOptions, RedisCluster } from './redis/redis-cluster.ts';
