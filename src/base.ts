/**
 * The collection protocol and the functions that run collections: `compute`, `persist`,
 * `visualize`. Every collection (Delayed, Bag, Array, DataFrame) is a thin immutable value that
 * can hand over its task graph, its output keys, and a step that turns the computed values of
 * those keys into the user's result (Dask's `__dask_graph__`, `__dask_keys__`,
 * `__dask_postcompute__`, `__dask_postpersist__`).
 */
import { config, mergeConfig, type SchedulerName, type ShoalConfig } from './config.ts';
import { renderGraph, type RenderOptions } from './diagnostics/visualize.ts';
import { data, mergeGraphs, type Graph, type GraphNode, type Key } from './graph/types.ts';
import { checkOptions, isPlainObject, optionKeys } from './options.ts';
import { getDefaultScheduler, getScheduler, type Scheduler } from './schedulers/index.ts';

/** What every shoal collection implements. */
export interface Collection<R = unknown> {
  /** The task graph holding everything this collection needs. */
  __graph__(): Graph;
  /** The keys whose values make up this collection's result. */
  __keys__(): Key[];
  /** Turn the values of `__keys__()` (same order) into the user's result. */
  __postcompute__(values: unknown[]): R;
  /** The same collection over an already-computed graph (used by `persist`). */
  __postpersist__(graph: Graph): Collection<R>;
  /** Scheduler used when nothing else is configured. */
  readonly __scheduler__: SchedulerName;
}

/**
 * True for shoal collections (anything implementing the collection protocol).
 * @example
 * isCollection(delayed(1));   // true
 * isCollection([1, 2]);       // false
 */
export function isCollection(x: unknown): x is Collection {
  return typeof x === 'object' && x !== null && typeof (x as Collection).__graph__ === 'function' && typeof (x as Collection).__keys__ === 'function';
}

/** Options of `compute` / `persist` (and of a collection's `.compute()`). */
export interface ComputeOptions extends ShoalConfig {
  /**
   * Seconds: if the compute has not finished this long after the call, it rejects with a
   * `TimeoutError` naming its keys, and its tasks are cancelled. On `threads` and `processes` a
   * worker still running one of them after `cancelGracePeriod` is terminated and replaced; on a
   * Client the cluster does the same with its own grace period (a LocalCluster's worker, a `shoal
   * worker`'s runtime thread). The `sync` scheduler runs tasks in the calling thread and
   * cannot interrupt synchronous code: it rejects at the deadline only if a task yields (awaits).
   * @example
   * await x.compute({ scheduler: 'processes', timeout: 30 });   // or TimeoutError after 30 s
   */
  timeout?: number;
}

/** The option names of `ComputeOptions`, for functions whose options extend it. */
export const COMPUTE_KEYS = optionKeys<ComputeOptions>({ scheduler: true, numWorkers: true, fuse: true, callbacks: true, cancelGracePeriod: true, timeout: true });

/**
 * Check the options of a collection's `.compute()`/`.persist()` & co: an object of
 * ComputeOptions' names.
 * @example
 * checkComputeOptions('Bag.compute', { schedular: 'sync' });   // OptionError: … (did you mean 'scheduler'?)
 */
export function checkComputeOptions<T extends ComputeOptions>(where: string, opts: T): T {
  return checkOptions(where, opts, COMPUTE_KEYS);
}

/** The result type of computing `T` (non-collections pass through unchanged). */
export type Computed<T> = T extends Collection<infer R> ? R : T;
export type ComputedAll<T extends readonly unknown[]> = { -readonly [K in keyof T]: Computed<T[K]> };
/**
 * The items and the options of `compute(...args)` / `persist(...args)`: a trailing plain object
 * that is not a collection is the options, and its keys must be option names (a plain object
 * cannot be passed through as the last item; nothing is gained by computing one anyway).
 */
function splitArgs(where: string, args: readonly unknown[]): { items: unknown[]; opts: ComputeOptions } {
  const last = args[args.length - 1];
  if (args.length > 0 && isPlainObject(last) && !isCollection(last)) return { items: args.slice(0, -1), opts: checkComputeOptions(where, last as ComputeOptions) };
  return { items: [...args], opts: {} };
}

/** Pick the scheduler: call options, then config (scope, global), then an open Client, then the collections' default. */
export function resolveScheduler(opts: ComputeOptions, collections: readonly Collection[]): { scheduler: Scheduler; settings: ComputeOptions } {
  const settings = mergeConfig(config.get(), opts);
  const chosen = settings.scheduler ?? getDefaultScheduler() ?? collections[0]?.__scheduler__ ?? 'threads';
  const scheduler = typeof chosen === 'string' ? getScheduler(chosen) : chosen;
  return { scheduler, settings };
}

/** Run the graphs of `collections` together: shared keys run once. Returns each one's values. */
async function run(collections: readonly Collection[], opts: ComputeOptions): Promise<unknown[][]> {
  if (collections.length === 0) return [];
  const graph = collections.length === 1 ? collections[0]!.__graph__() : mergeGraphs(collections.map((c) => c.__graph__()));
  const keyLists = collections.map((c) => c.__keys__());
  const unique = [...new Set(keyLists.flat())];
  const { scheduler, settings } = resolveScheduler(opts, collections);
  const values = await scheduler.get(graph, unique, {
    callbacks: settings.callbacks,
    fuse: settings.fuse,
    numWorkers: settings.numWorkers,
    timeout: opts.timeout,
    cancelGracePeriod: settings.cancelGracePeriod,
  });
  const byKey = new Map<Key, unknown>();
  unique.forEach((k, i) => byKey.set(k, values[i]));
  return keyLists.map((ks) => ks.map((k) => byKey.get(k)));
}

/**
 * Compute several collections at once, sharing intermediate results; non-collections pass
 * through. A trailing plain object is the options (`scheduler`, `numWorkers`, `fuse`,
 * `callbacks`): an unknown key in it is an OptionError, never a value passed through.
 * @example
 * const i = delayed(square)(3);
 * const [a, b] = await compute(i.sub(5), i.add(4));            // square runs once: [4, 13]
 * const [c] = await compute(i, { scheduler: 'processes' });
 */
export async function compute<T extends readonly unknown[]>(...args: [...T, ComputeOptions]): Promise<ComputedAll<T>>;
export async function compute<T extends readonly unknown[]>(...args: T): Promise<ComputedAll<T>>;
export async function compute(...args: unknown[]): Promise<unknown[]> {
  const { items, opts } = splitArgs('compute', args);
  const cols = items.filter(isCollection);
  const results = await run(cols, opts);
  let j = 0;
  return items.map((x) => (isCollection(x) ? x.__postcompute__(results[j++]!) : x));
}

/**
 * Compute collections and return them backed by their results, so later computes start from
 * there (Dask's `persist`; on local schedulers the results live in this process). A trailing
 * plain object is the options, as for `compute`.
 * @example
 * const [x2] = await persist(x.add(1));
 * await x2.mul(2).compute();   // does not recompute x.add(1)
 */
export async function persist<T extends readonly unknown[]>(...args: [...T, ComputeOptions]): Promise<T>;
export async function persist<T extends readonly unknown[]>(...args: T): Promise<T>;
export async function persist(...args: unknown[]): Promise<unknown[]> {
  const { items, opts } = splitArgs('persist', args);
  const cols = items.filter(isCollection);
  const results = await run(cols, opts);
  let j = 0;
  return items.map((x) => {
    if (!isCollection(x)) return x;
    const values = results[j++]!;
    const g = new Map<Key, GraphNode>();
    x.__keys__().forEach((k, i) => g.set(k, data(k, values[i])));
    return x.__postpersist__(g);
  });
}

/** Options of `visualize`: `filename` picks the format by extension (.svg, .png, .dot). */
export interface VisualizeOptions extends Omit<RenderOptions, 'outputs'> {}

/** The option names of `VisualizeOptions`. */
export const VISUALIZE_KEYS = optionKeys<VisualizeOptions>({ filename: true, format: true, rankdir: true });

/**
 * Draw the task graph of one or more collections (Graphviz in WebAssembly; no system binary).
 * Returns the SVG (or DOT) text and writes `filename` when given.
 * @example
 * await visualize(a, b, { filename: 'graph.svg' });
 */
export async function visualize(...args: [...Collection[], VisualizeOptions] | Collection[]): Promise<string> {
  const last = args[args.length - 1];
  const opts: VisualizeOptions = last !== undefined && !isCollection(last) ? checkOptions('visualize', last as VisualizeOptions, VISUALIZE_KEYS) : {};
  const cols = (args as unknown[]).filter(isCollection);
  const graph = mergeGraphs(cols.map((c) => c.__graph__()));
  return renderGraph(graph, { ...opts, outputs: cols.flatMap((c) => c.__keys__()) });
}
