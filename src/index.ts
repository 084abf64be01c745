/**
 * shoal: parallel collections for TypeScript on Node.js. The curated public API.
 * @packageDocumentation
 */
export { compute, persist, visualize, isCollection, type Collection, type ComputeOptions, type VisualizeOptions, type Computed } from './base.ts';
export { config, withConfig, type ShoalConfig, type SchedulerName } from './config.ts';
export { delayed, Delayed, type DelayedOptions } from './delayed/index.ts';
export * as array from './array/index.ts';
export * as bag from './bag/index.ts';
export { Bag, Item as BagItem } from './bag/index.ts';
export {
  shutdown,
  warmup,
  getScheduler,
  registerScheduler,
  defineOps,
  moduleFunction,
  type Scheduler,
  type Callback,
  type RunStats,
  type StartInfo,
  type TaskInfo,
} from './schedulers/index.ts';
export {
  DataFrame,
  Series,
  Scalar,
  GroupBy,
  Aggregation,
  readCsv,
  readJson,
  readArrow,
  fromArrow,
  fromRecords,
  fromDelayed,
  datasets,
  type ReadCsvOptions,
  type TimeseriesOptions,
  type MergeOptions,
  type ToCsvOptions,
  type Dtype,
  type AggName,
  type AggRequest,
  type Operand,
} from './dataframe/index.ts';
export { tokenize } from './graph/tokenize.ts';
export { toDot } from './diagnostics/visualize.ts';
// diagnostics: callbacks, progress, profilers, notebook display
export { BaseCallback, withCallbacks, type CallbackHooks } from './diagnostics/callback.ts';
export { ProgressBar, type ProgressBarOptions, type ProgressOutput } from './diagnostics/progress.ts';
export { display, notebookKernel, type RichDisplay } from './diagnostics/notebook.ts';
export { Profiler, type TaskRecord, type ProfiledRun } from './diagnostics/profiler.ts';
export { ResourceProfiler, type ResourceSample, type ResourceProfilerOptions } from './diagnostics/resources.ts';
export { CacheProfiler, type CacheRecord, type CachePoint } from './diagnostics/cache.ts';
export { visualizeProfile, type ProfileChartOptions, type AnyProfiler } from './diagnostics/gantt.ts';
export { compareSchedulers, SchedulerComparison, type CompareOptions, type SchedulerRun } from './diagnostics/compare.ts';
export { type ChromeTrace, type TraceEvent } from './diagnostics/chrome-trace.ts';
export { registerCallback, unregisterCallback } from './config.ts';
export * as graph from './graph/index.ts';
export {
  ShoalError,
  OptionError,
  GraphError,
  ShipError,
  TaskError,
  WorkerDiedError,
  ClosedError,
  TimeoutError,
  type ErrorCode,
} from './errors.ts';
export {
  Client,
  LocalCluster,
  Future,
  DoneFuture,
  asCompleted,
  wait,
  performanceReport,
  type LocalClusterOptions,
  type SubmitOptions,
  type ClientComputeOptions,
  type FutureStatus,
  type AnyFuture,
  type WaitOptions,
  type WorkerInfo,
  type ClusterLike,
  type ConnectOptions,
  type RedisCluster,
} from './distributed/index.ts';
export { KilledWorkerError, CancelledError, RedisClusterError } from './errors.ts';
