/**
 * Configuration: which scheduler runs a compute, with how many workers, which callbacks watch it.
 * Precedence, highest first: the options of the call, the innermost `withConfig` scope (async-safe,
 * via AsyncLocalStorage), the global `config.set`, then the collection's own default (Delayed,
 * Array and DataFrame: threads; Bag: processes).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { messages, OptionError } from './errors.ts';
import { checkOptions, optionKeys } from './options.ts';
import type { Callback } from './schedulers/callbacks.ts';
import { secondsOption } from './schedulers/deadline.ts';
import type { Scheduler } from './schedulers/index.ts';

export type SchedulerName = 'sync' | 'threads' | 'processes' | 'synchronous' | 'single-threaded' | (string & {});

export interface ShoalConfig {
  /** A scheduler name or object (a distributed Client registers one). */
  scheduler?: SchedulerName | Scheduler;
  /** Worker threads/processes for the pool schedulers (default: the number of cores). */
  numWorkers?: number;
  /** Fuse linear chains of tasks before running (default true). */
  fuse?: boolean;
  /** Callbacks fed by every compute in scope (in addition to per-call ones). */
  callbacks?: readonly Callback[];
  /**
   * Seconds that cancelled or timed-out work may go on running on a worker thread/process of the
   * `threads`/`processes` pools before that worker is terminated and replaced (default 3). A
   * LocalCluster takes its own (`LocalCluster.start({ cancelGracePeriod })`), and so does a client
   * of Redis-joined workers (`Client.connect(url, { cancelGracePeriod })`: each `shoal worker`
   * replaces its runtime thread), both defaulting to this.
   * @example
   * config.set({ cancelGracePeriod: 0.5 });
   * await x.compute({ scheduler: 'processes', timeout: 10 });   // a stuck worker is replaced 0.5 s after the timeout
   */
  cancelGracePeriod?: number;
}

/** The option names of `ShoalConfig`. */
export const CONFIG_KEYS = optionKeys<ShoalConfig>({ scheduler: true, numWorkers: true, fuse: true, callbacks: true, cancelGracePeriod: true });

function check(where: string, c: ShoalConfig): ShoalConfig {
  checkOptions(where, c, CONFIG_KEYS, true);
  if (c.numWorkers !== undefined && !(Number.isInteger(c.numWorkers) && c.numWorkers >= 1))
    throw new OptionError(messages.badOption('numWorkers', c.numWorkers, 'must be a whole number >= 1'));
  secondsOption('cancelGracePeriod', c.cancelGracePeriod, true);
  return c;
}

let globalConfig: ShoalConfig = {};
const scoped = new AsyncLocalStorage<ShoalConfig>();
/** Callbacks registered globally (Dask's `Callback.register()`), fed by every compute until unregistered. */
const registered = new Set<Callback>();

/**
 * Feed `cb` from every compute until `unregisterCallback(cb)` (what `cb.register()` of the
 * diagnostics' callbacks calls). Registering twice has no further effect.
 * @example
 * registerCallback({ posttask: (key) => console.log(key) });
 */
export function registerCallback(cb: Callback): void {
  registered.add(cb);
}

/**
 * Stop feeding a callback registered with `registerCallback`.
 * @example
 * unregisterCallback(cb);
 */
export function unregisterCallback(cb: Callback): void {
  registered.delete(cb);
}

/** `b` over `a`, skipping undefined values; callbacks add up rather than replace. */
export function mergeConfig(a: ShoalConfig, b: ShoalConfig): ShoalConfig {
  const out: ShoalConfig = { ...a };
  for (const [k, v] of Object.entries(b)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  if (a.callbacks && b.callbacks) out.callbacks = [...a.callbacks, ...b.callbacks];
  return out;
}

/**
 * Global configuration, like `dask.config.set`.
 * @example
 * const undo = config.set({ scheduler: 'processes', numWorkers: 4 });
 * // ... computes here use 4 processes ...
 * undo.restore();
 */
export const config = {
  set(values: ShoalConfig): { restore(): void } {
    check('config.set', values);
    const before = globalConfig;
    globalConfig = mergeConfig(globalConfig, values);
    return {
      restore() {
        globalConfig = before;
      },
    };
  },
  /** The configuration in force here (global merged with any enclosing `withConfig`). */
  get(): Readonly<ShoalConfig> {
    const s = scoped.getStore();
    const c = s ? mergeConfig(globalConfig, s) : globalConfig;
    return registered.size ? mergeConfig({ callbacks: [...registered] }, c) : c;
  },
  reset(): void {
    globalConfig = {};
  },
};

/**
 * Run `fn` with `values` in force for every compute it starts, including across `await`s
 * (Dask's `with dask.config.set(...)`).
 * @example
 * const total = await withConfig({ scheduler: 'sync' }, () => x.compute());
 */
export function withConfig<T>(values: ShoalConfig, fn: () => T): T {
  check('withConfig', values);
  const outer = scoped.getStore() ?? {};
  return scoped.run(mergeConfig(outer, values), fn);
}
