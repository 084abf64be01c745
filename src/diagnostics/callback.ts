/**
 * The public face of scheduler callbacks (Dask's `dask.callbacks.Callback`). Every diagnostic here
 * (ProgressBar, Profiler, ResourceProfiler, CacheProfiler) extends `BaseCallback`, so each can be
 * used the three ways Dask allows:
 * - per call: `x.compute({ callbacks: [cb] })`
 * - around a block: `await withCallbacks([cb], () => x.compute())` (async-safe scope)
 * - globally: `cb.register()` … `cb.unregister()`
 */
import { registerCallback, unregisterCallback, withConfig } from '../config.ts';
import type { Callback, RunStats, StartInfo, TaskInfo } from '../schedulers/callbacks.ts';
import type { Key } from '../graph/types.ts';
import { checkOptions, optionKeys } from '../options.ts';

/** The hooks a `BaseCallback` can be built from (all optional). */
export interface CallbackHooks {
  start?(info: StartInfo): void;
  pretask?(key: Key): void;
  posttask?(key: Key, info: TaskInfo): void;
  release?(key: Key): void;
  finish?(stats: RunStats, error?: unknown): void;
}
const HOOK_KEYS = optionKeys<CallbackHooks>({ start: true, pretask: true, posttask: true, release: true, finish: true });

/**
 * A callback that can be registered globally. Build one from hooks, or extend it and override the
 * hooks you need.
 * @example
 * const log = new BaseCallback({ posttask: (key, t) => console.log(key, t.worker, t.end - t.start) });
 * log.register();          // every compute from now on
 * await x.compute();
 * log.unregister();
 */
export class BaseCallback implements Callback {
  start?(info: StartInfo): void;
  pretask?(key: Key): void;
  posttask?(key: Key, info: TaskInfo): void;
  release?(key: Key): void;
  finish?(stats: RunStats, error?: unknown): void;

  constructor(hooks: CallbackHooks = {}) {
    checkOptions('BaseCallback', hooks, HOOK_KEYS);
    for (const name of ['start', 'pretask', 'posttask', 'release', 'finish'] as const) {
      const h = hooks[name];
      if (h) (this as Record<string, unknown>)[name] = h;
    }
  }

  /** Feed this callback from every compute until `unregister()`. */
  register(): this {
    registerCallback(this);
    return this;
  }

  /** Stop feeding it from every compute. */
  unregister(): this {
    unregisterCallback(this);
    return this;
  }
}

/**
 * Run `fn` with `callbacks` watching every compute it starts, including across `await`s
 * (Dask's `with ProgressBar(): ...`).
 * @example
 * const pb = new ProgressBar();
 * const total = await withCallbacks([pb], () => x.compute());
 */
export function withCallbacks<T>(callbacks: readonly Callback[], fn: () => T): T {
  return withConfig({ callbacks }, fn);
}
