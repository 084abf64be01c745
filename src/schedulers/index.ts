/**
 * Schedulers by name. `sync` runs in the calling thread; `threads` and `processes` run on reusable
 * pools (one per kind and size), started lazily and shut down by `shutdown()`. Other schedulers
 * (a distributed Client) register themselves with `registerScheduler`.
 */
import { availableParallelism } from 'node:os';
import { messages, OptionError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import type { Graph, Key } from '../graph/types.ts';
import { runGraph, type RunOptions } from './loop.ts';
import { PoolAdapter } from './pool-adapter.ts';
import { WorkerPool, type PoolKind } from './pool.ts';
import { SyncAdapter } from './sync.ts';

export interface GetOptions extends RunOptions {
  /** Worker threads/processes to use (default: the number of cores). */
  numWorkers?: number;
}

/** Anything that can compute keys of a graph. */
export interface Scheduler {
  readonly name: string;
  get(graph: Graph, keys: readonly Key[], opts?: GetOptions): Promise<unknown[]>;
}

const pools = new Map<string, WorkerPool>();

/** The pool of `kind` with `size` workers, created on first use. */
export function getPool(kind: PoolKind, size?: number): WorkerPool {
  const n = size ?? availableParallelism();
  if (!Number.isInteger(n) || n < 1) throw new OptionError(messages.badOption('numWorkers', n, 'must be a whole number >= 1'));
  const id = `${kind}:${n}`;
  let p = pools.get(id);
  if (!p || p.isClosed) pools.set(id, (p = new WorkerPool(kind, n)));
  return p;
}

const sync: Scheduler = {
  name: 'sync',
  get: (graph, keys, opts) => runGraph(graph, keys, new SyncAdapter(), opts),
};

function poolScheduler(kind: PoolKind): Scheduler {
  return {
    name: kind,
    get: (graph, keys, opts = {}) => {
      const pool = getPool(kind, opts.numWorkers);
      // Start missing workers now: they boot (~40 ms a thread, in parallel) while the graph is
      // planned and its functions checked, instead of after.
      pool.ensure();
      return runGraph(graph, keys, new PoolAdapter(pool), opts);
    },
  };
}

const registry = new Map<string, Scheduler>([
  ['sync', sync],
  ['threads', poolScheduler('threads')],
  ['processes', poolScheduler('processes')],
]);

/** Names accepted as `scheduler:` (aliases like Dask's: 'synchronous', 'single-threaded', 'multiprocessing'). */
const aliases: Record<string, string> = {
  synchronous: 'sync',
  'single-threaded': 'sync',
  threading: 'threads',
  multiprocessing: 'processes',
};

/**
 * Make a scheduler available by name (a distributed Client registers itself this way).
 * @example
 * registerScheduler({ name: 'logging', get: (graph, keys, opts) => { console.log(graph.size); return getScheduler('sync').get(graph, keys, opts); } });
 * await x.compute({ scheduler: 'logging' });
 */
export function registerScheduler(s: Scheduler): void {
  registry.set(s.name, s);
}

let defaultScheduler: Scheduler | undefined;

/**
 * The scheduler used when neither the call nor the config names one (a distributed Client sets
 * itself here while it is open, like Dask's `Client` becoming the default). Undefined: each
 * collection's own default.
 * @example
 * setDefaultScheduler(getScheduler('processes'));
 */
export function setDefaultScheduler(s: Scheduler | undefined): void {
  defaultScheduler = s;
}

export function getDefaultScheduler(): Scheduler | undefined {
  return defaultScheduler;
}

export function unregisterScheduler(name: string): void {
  if (name !== 'sync' && name !== 'threads' && name !== 'processes') registry.delete(name);
}

/**
 * The scheduler registered under `name` (or one of Dask's aliases: 'synchronous',
 * 'single-threaded', 'threading', 'multiprocessing').
 * @example
 * const [v] = await getScheduler('threads').get(x.__graph__(), x.__keys__(), { numWorkers: 2 });
 */
export function getScheduler(name: string): Scheduler {
  const s = registry.get(aliases[name] ?? name);
  if (!s) throw new OptionError(messages.unknownScheduler(name, [...registry.keys()]));
  return s;
}

/** Options of `warmup`. */
export interface WarmupOptions {
  /** The pool to start. */
  scheduler: 'threads' | 'processes';
  /** Its size (default: the number of cores). */
  numWorkers?: number;
}
const WARMUP_KEYS = optionKeys<WarmupOptions>({ scheduler: true, numWorkers: true });

/**
 * Start a pool's workers ahead of time and wait until they are up (e.g. before timing).
 * @example
 * await warmup({ scheduler: 'processes', numWorkers: 2 });
 */
export async function warmup(opts: WarmupOptions): Promise<void> {
  checkOptions('warmup', opts, WARMUP_KEYS, true);
  await getPool(opts.scheduler, opts.numWorkers).started();
}

/**
 * Stop every worker thread and process shoal started. Pools start again on next use.
 * @example
 * await shutdown();
 */
export async function shutdown(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close()));
}

/** Live pools, for diagnostics and tests. */
export function activePools(): WorkerPool[] {
  return [...pools.values()].filter((p) => !p.isClosed);
}

export type { Callback, RunStats, StartInfo, TaskInfo } from './callbacks.ts';
export { defineOps, getOp } from './registry.ts';
export { moduleFunction, assertShippable, isSelfContained } from './ship.ts';
export { sizeOf } from './sizeof.ts';
export { specOf } from './specs.ts';
