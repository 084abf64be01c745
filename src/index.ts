/**
 * shoal: parallel collections for TypeScript on Node.js. The curated public API.
 * @packageDocumentation
 */
export { compute, persist, visualize, isCollection, type Collection, type ComputeOptions, type VisualizeOptions, type Computed } from './base.ts';
export { config, withConfig, type ShoalConfig, type SchedulerName } from './config.ts';
export { delayed, Delayed, type DelayedOptions } from './delayed/index.ts';
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
export { tokenize } from './graph/tokenize.ts';
export { toDot } from './diagnostics/visualize.ts';
export * as graph from './graph/index.ts';
export {
  ShoalError,
  OptionError,
  GraphError,
  ShipError,
  TaskError,
  WorkerDiedError,
  ClosedError,
  type ErrorCode,
} from './errors.ts';
export {
  Client,
  LocalCluster,
  Future,
  asCompleted,
  wait,
  performanceReport,
  type LocalClusterOptions,
  type SubmitOptions,
  type FutureStatus,
  type WaitOptions,
  type WorkerInfo,
} from './distributed/index.ts';
export { KilledWorkerError, CancelledError } from './errors.ts';
