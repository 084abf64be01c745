/**
 * Every error shoal raises, and every message it builds, lives here (piscina's `errors.ts` habit):
 * one place to read what users can see, stable `code`s to branch on, and `cause` always chained.
 * This module imports nothing from shoal.
 */

export type ErrorCode =
  | 'ERR_SHOAL_OPTION'
  | 'ERR_SHOAL_GRAPH'
  | 'ERR_SHOAL_CYCLE'
  | 'ERR_SHOAL_SHIP'
  | 'ERR_SHOAL_TASK'
  | 'ERR_SHOAL_WORKER_DIED'
  | 'ERR_SHOAL_CLOSED'
  | 'ERR_SHOAL_VISUALIZE'
  | 'ERR_SHOAL_KILLED_WORKER'
  | 'ERR_SHOAL_CANCELLED';

/**
 * Base class: every shoal error has a stable `code`.
 * @example
 * try { await x.compute(); } catch (e) { if (e instanceof ShoalError && e.code === 'ERR_SHOAL_TASK') ... }
 */
export class ShoalError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An option or argument with a value shoal cannot use. */
export class OptionError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SHOAL_OPTION', message, options);
  }
}

/** A malformed graph: a missing dependency, a key defined twice, a cycle. */
export class GraphError extends ShoalError {
  constructor(message: string, code: ErrorCode = 'ERR_SHOAL_GRAPH') {
    super(code, message);
  }
}

/**
 * A function that cannot be sent to a worker thread or process (it closes over outside variables).
 * Raised before any task runs.
 * @example
 * const k = 3;
 * await delayed((x: number) => x * k)(2).compute({ scheduler: 'threads' }).catch((e: ShipError) => e.variables); // ['k']
 */
export class ShipError extends ShoalError {
  /** The outside variables the function uses, when that is the reason. */
  readonly variables: string[];
  constructor(message: string, variables: string[] = []) {
    super('ERR_SHOAL_SHIP', message);
    this.variables = variables;
  }
}

/** Where a remote error came from. Plain data so it crosses threads and processes. */
export interface RemoteErrorInfo {
  name: string;
  message: string;
  stack?: string;
  code?: unknown;
  /** The key of the step that threw, when it ran inside a fused task. */
  key?: string;
}

/**
 * A task threw. Carries the task key, the worker, the original error's name/message and the
 * worker-side stack (also as `cause`).
 * @example
 * try { await bad.compute(); } catch (e) { if (e instanceof TaskError) console.log(e.key, e.remoteName, e.remoteStack); }
 */
export class TaskError extends ShoalError {
  /** The key of the task that threw (inside a fused chain: the step that threw). */
  readonly key: string;
  /** The key the scheduler ran: the fused task's key when the failing step was fused. */
  readonly scheduledKey: string;
  readonly worker: string;
  readonly remoteName: string;
  readonly remoteMessage: string;
  readonly remoteStack: string | undefined;
  constructor(key: string, worker: string, info: RemoteErrorInfo) {
    const cause = Object.assign(new Error(info.message), { name: info.name });
    if (info.stack !== undefined) cause.stack = info.stack;
    super('ERR_SHOAL_TASK', messages.taskFailed(info.key ?? key, worker, info), { cause });
    this.key = info.key ?? key;
    this.scheduledKey = key;
    this.worker = worker;
    this.remoteName = info.name;
    this.remoteMessage = info.message;
    this.remoteStack = info.stack;
  }
}

/**
 * A worker thread or process died while it held or ran a task of this compute. The worker has
 * been replaced; computing again starts over.
 * @example
 * await x.compute({ scheduler: 'processes' }).catch((e) => { if (e instanceof WorkerDiedError) console.log(e.worker, e.key); });
 */
export class WorkerDiedError extends ShoalError {
  readonly key: string | undefined;
  readonly worker: string;
  constructor(worker: string, key: string | undefined, detail: string) {
    super('ERR_SHOAL_WORKER_DIED', messages.workerDied(worker, key, detail));
    this.worker = worker;
    this.key = key;
  }
}

/** Used after `shutdown()` / `close()`. */
export class ClosedError extends ShoalError {
  constructor(what: string) {
    super('ERR_SHOAL_CLOSED', `${what} has been shut down; create a new one or let shoal start it again lazily`);
  }
}

/** Quote a user value for a message: short, one line. */
export function quote(value: unknown): string {
  let s: string;
  if (typeof value === 'string') s = JSON.stringify(value);
  else if (typeof value === 'function') s = `function ${value.name || '(anonymous)'}`;
  else if (typeof value === 'bigint') s = `${value}n`;
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Message factories: the wording of every error in one place. */
export const messages = {
  badOption: (option: string, value: unknown, rule: string) =>
    `invalid option ${option}=${quote(value)}: ${rule}`,
  unknownScheduler: (value: unknown, known: readonly string[]) =>
    `unknown scheduler ${quote(value)}; use one of ${known.map((k) => `'${k}'`).join(', ')}`,
  missingDependency: (key: string, dep: string) =>
    `task ${quote(key)} depends on ${quote(dep)}, which is not in the graph`,
  missingKey: (key: string) => `requested key ${quote(key)} is not in the graph`,
  keyMismatch: (mapKey: string, nodeKey: string) =>
    `graph entry ${quote(mapKey)} holds a node whose key is ${quote(nodeKey)}`,
  collision: (key: string) =>
    `key ${quote(key)} is defined twice with different contents; keys must name one computation`,
  depsMismatch: (key: string, declared: string[], found: string[]) =>
    `task ${quote(key)} declares deps ${quote(declared)} but its arguments reference ${quote(found)}`,
  cycle: (cycle: string[]) => `the graph has a cycle: ${cycle.join(' -> ')}`,
  closure: (fnName: string, variables: string[], scheduler: string) =>
    `cannot run ${fnName} on the '${scheduler}' scheduler: it uses ${variables
      .map((v) => `'${v}'`)
      .join(', ')} from outside the function, and worker ${
      scheduler === 'processes' ? 'processes' : 'threads'
    } do not share this scope. ` +
    `Fix: pass ${variables.length > 1 ? 'them' : 'it'} as an argument (e.g. delayed(f)(x, ${variables[0]})), ` +
    `or export the function from a module and use moduleFunction(import.meta.url, 'name'), ` +
    `or compute with { scheduler: 'sync' }.`,
  unshippable: (fnName: string, why: string, scheduler: string) =>
    `cannot run ${fnName} on the '${scheduler}' scheduler: ${why}. ` +
    `Fix: export it from a module and use moduleFunction(import.meta.url, 'name'), or compute with { scheduler: 'sync' }.`,
  unknownOp: (name: string) =>
    `no built-in op named ${quote(name)} is registered in this worker (was its kernel module imported?)`,
  missingExport: (url: string, name: string, found: string[]) =>
    `module ${url} has no export ${quote(name)}; it exports ${found.length ? found.map((f) => quote(f)).join(', ') : 'nothing'}`,
  notAFunction: (what: string, value: unknown) => `${what} must be a function, got ${quote(value)}`,
  notIterable: (key: string) => `Delayed objects of unspecified length are not iterable: pass { nout } to delayed() (key ${key})`,
  opDefinedTwice: (name: string, first: string, second: string) => `op ${quote(name)} is defined twice (${first}, ${second})`,
  stillLoading: (name: string, url: string) =>
    `${name} from ${url} is still loading; await its \`ready\` promise before calling it directly (inside tasks it is always loaded)`,
  notOnWorker: (keys: string[], worker: string) => `internal: the result of ${keys.join(', ')} is not on ${worker}`,
  fnArgNotLoaded: (name: string) => `internal: function argument ${name} was not loaded before its task ran`,
  taskFailed: (key: string, worker: string, info: RemoteErrorInfo) =>
    `task ${quote(key)} failed on ${worker}: ${info.name}: ${info.message}`,
  workerDied: (worker: string, key: string | undefined, detail: string) =>
    `${worker} died (${detail})${key === undefined ? '' : ` while running or holding task ${quote(key)}`}; it has been replaced`,
  cannotClone: (key: string, worker: string, detail: string) =>
    `the result of task ${quote(key)} on ${worker} cannot be sent between threads/processes: ${detail}. ` +
    `Return plain data (objects, arrays, numbers, strings, typed arrays, Maps, Sets), or use { scheduler: 'sync' }.`,
  visualizeFormat: (filename: string, format: string) =>
    `cannot write ${quote(filename)}: unknown format ${quote(format)}; use .svg, .png or .dot`,
  visualizeFailed: (step: string, detail: string) => `could not draw the task graph: ${step} failed: ${detail}`,
  visualizeScaled: (filename: string, width: number, height: number, zoom: number) =>
    `the PNG of this task graph would be ${width}x${height} px, too large to rasterise; ${quote(filename)} is ` +
    `scaled to ${Math.round(zoom * 1000) / 10}%. Write .svg or .dot for full detail`,
} as const;

// ---- distributed (Client, LocalCluster, futures) ----

/**
 * A task's workers died `allowedFailures` times while it ran (Dask's `KilledWorker`): the task
 * probably kills its worker (a crash, running out of memory), so it is not tried again.
 * @example
 * await client.submit(crash).result().catch((e) => { if (e instanceof KilledWorkerError) console.log(e.key, e.deaths); });
 */
export class KilledWorkerError extends ShoalError {
  readonly key: string;
  readonly deaths: number;
  readonly lastWorker: string;
  constructor(key: string, deaths: number, lastWorker: string, detail: string) {
    super('ERR_SHOAL_KILLED_WORKER', distributedMessages.killedWorker(key, deaths, lastWorker, detail));
    this.key = key;
    this.deaths = deaths;
    this.lastWorker = lastWorker;
  }
}

/** The Future (or the key it waited for) was cancelled. */
export class CancelledError extends ShoalError {
  readonly key: string;
  constructor(key: string) {
    super('ERR_SHOAL_CANCELLED', distributedMessages.cancelled(key));
    this.key = key;
  }
}

/** Messages of the distributed area. */
export const distributedMessages = {
  killedWorker: (key: string, deaths: number, worker: string, detail: string) =>
    `task ${quote(key)} failed: ${deaths} workers died while running it (last: ${worker}, ${detail}); ` +
    `it probably crashes its worker or runs it out of memory. Raise allowedFailures to try more often.`,
  cancelled: (key: string) => `the future for ${quote(key)} was cancelled`,
  workerFailedToStart: (worker: string, detail: string) => `${worker} exited before it was ready (${detail})`,
  nannyRestart: (worker: string, used: string, limit: string) =>
    `${worker} uses ${used}, over 95% of its memory limit ${limit}: the nanny restarts it`,
  clientClosed: (what: string) => `${what}: the client is closed`,
  noWorkers: () => 'the cluster has no workers: scale it up (cluster.scale(n)) first',
  notAFuture: (value: unknown) => `expected Futures, got ${quote(value)}`,
  returnWhen: (value: unknown) => `invalid option returnWhen=${quote(value)}: use 'ALL_COMPLETED' or 'FIRST_COMPLETED'`,
  waitTimeout: (seconds: number, pending: number) => `wait: ${pending} futures still pending after ${seconds} s`,
  lostResult: (key: string) => `the result of ${quote(key)} was lost and could not be gathered`,
  noClient: () => 'performanceReport needs a Client: create one first (new Client(cluster) or await Client.start())',
} as const;
