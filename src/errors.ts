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
  | 'ERR_SHOAL_IO'
  | 'ERR_SHOAL_KILLED_WORKER'
  | 'ERR_SHOAL_CANCELLED'
  | 'ERR_SHOAL_TIMEOUT'
  | 'ERR_SHOAL_REDIS'
  | 'ERR_SHOAL_PEER_UNREACHABLE'
  | 'ERR_SHOAL_DATA_PLANE'
  | 'ERR_SHOAL_MISSING_PACKAGE';

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

/**
 * A compute, a Future or a `wait` did not finish within its `timeout` (seconds). A compute or a
 * Future that times out is cancelled: its tasks stop, and a worker still running one of them
 * after the grace period (`cancelGracePeriod`, 3 s by default) is terminated and replaced.
 * @example
 * await x.compute({ scheduler: 'processes', timeout: 30 }).catch((e) => {
 *   if (e instanceof TimeoutError) console.log(e.keys, e.seconds);
 * });
 */
export class TimeoutError extends ShoalError {
  /** The keys that were being computed (a `wait`: the futures still pending). */
  readonly keys: string[];
  readonly seconds: number;
  constructor(what: 'compute' | 'task' | 'wait', keys: readonly string[], seconds: number) {
    super('ERR_SHOAL_TIMEOUT', messages.timedOut(what, keys, seconds));
    this.keys = [...keys];
    this.seconds = seconds;
  }
}

/** Quote a user value for a message: short, one line. */
/**
 * Text with the password of every URL in it hidden (`redis://:pw@h` → `redis://:***@h`; a user
 * name alone, which some write for a password, is hidden too), for messages that show a URL the
 * user gave.
 * @example
 * redactUrl('redis://:s3cret@10.0.0.5:6379/abc');   // 'redis://:***@10.0.0.5:6379/abc'
 */
export function redactUrl(text: string): string {
  return text.replace(/\/\/([^/@\s]*)@/g, (_m, info: string) => (info.includes(':') ? `//${info.slice(0, info.indexOf(':'))}:***@` : '//***@'));
}

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

/** Keys for a message: the first three quoted, then how many more. */
function keysText(keys: readonly string[]): string {
  const shown = keys.slice(0, 3).map((k) => quote(k)).join(', ');
  return keys.length > 3 ? `${shown} and ${keys.length - 3} more` : shown;
}

/** Message factories: the wording of every error in one place. */
/** Who runs a scheduler's tasks, for messages ('threads' → worker threads; a cluster → its workers). */
function workersOf(scheduler: string): string {
  if (scheduler === 'processes') return 'worker processes';
  if (scheduler === 'threads') return 'worker threads';
  return `the '${scheduler}' scheduler's workers`;
}

/** An option name for a message: single-quoted, as users write it. */
function optionName(name: string): string {
  return `'${name.length > 60 ? `${name.slice(0, 57)}...` : name}'`;
}

export const messages = {
  badOption: (option: string, value: unknown, rule: string) =>
    `invalid option ${option}=${quote(value)}: ${rule}`,
  unknownOption: (where: string, key: string, known: readonly string[], suggestion: string | undefined) =>
    `${where}: unknown option ${optionName(key)}` +
    (suggestion !== undefined ? ` (did you mean ${optionName(suggestion)}?)` : `; the options are ${known.map(optionName).join(', ')}`),
  notOptions: (where: string, value: unknown, known: readonly string[]) =>
    `${where}: the options must be an object (with ${known.map(optionName).join(', ')}), got ${Array.isArray(value) ? `the array ${quote(value)}` : quote(value)}`,
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
      .join(', ')} from outside the function, and ${workersOf(scheduler)} do not share this scope. ` +
    `Fix: pass ${variables.length > 1 ? 'them' : 'it'} as an argument (e.g. delayed(f)(x, ${variables[0]}), or as an extra argument of a ` +
    `collection method: bag.map(f, ${variables[0]}) calls f(element, ${variables[0]})), ` +
    `or export the function from a module and use moduleFunction(import.meta.url, 'name'), ` +
    `or compute with { scheduler: 'sync' }.`,
  unshippable: (fnName: string, why: string, scheduler: string) =>
    `cannot run ${fnName} on the '${scheduler}' scheduler: ${why}. ` +
    `Fix: export it from a module and use moduleFunction(import.meta.url, 'name'), or compute with { scheduler: 'sync' }.`,
  unknownOp: (name: string) =>
    `no built-in op named ${quote(name)} is registered in this worker (was its kernel module imported?)`,
  missingExport: (url: string, name: string, found: string[]) =>
    `module ${url} has no export ${quote(name)}; it exports ${found.length ? found.map((f) => quote(f)).join(', ') : 'nothing'}`,
  tsxMissing: (url: string, searched: string[]) =>
    `cannot load the TypeScript module ${url}: loading .ts files needs tsx, which was not found (searched ${searched.join(', ')}). ` +
    `Install it in your project: npm install --save-dev tsx (or give a compiled .js module).`,
  notAFunction: (what: string, value: unknown) => `${what} must be a function, got ${quote(value)}`,
  notIterable: (key: string) => `Delayed objects of unspecified length are not iterable: pass { nout } to delayed() (key ${key})`,
  opDefinedTwice: (name: string, first: string, second: string) => `op ${quote(name)} is defined twice (${first}, ${second})`,
  stillLoading: (name: string, url: string) =>
    `${name} from ${url} is still loading; await its \`ready\` promise before calling it directly (inside tasks it is always loaded)`,
  notOnWorker: (keys: string[], worker: string) => `internal: the result of ${keys.join(', ')} is not on ${worker}`,
  fnArgNotLoaded: (name: string) => `internal: function argument ${name} was not loaded before its task ran`,
  taskFailed: (key: string, worker: string, info: RemoteErrorInfo) =>
    `task ${quote(key)} failed on ${worker}: ${info.name}: ${info.message}`,
  timedOut: (what: 'compute' | 'task' | 'wait', keys: readonly string[], seconds: number) =>
    what === 'wait'
      ? `wait: ${keys.length} futures still pending after ${seconds} s (${keysText(keys)})`
      : `${what === 'task' ? 'task' : 'the compute of'} ${keysText(keys)} did not finish within its timeout of ${seconds} s; it was cancelled`,
  computeCancelled: (keys: readonly string[], reason: string) => `the compute of ${keysText(keys)} was cancelled: ${reason}`,
  poolShutDown: (kind: string) => `shutdown() stopped the ${kind} pool while it ran`,
  stoppedWorker: (worker: string, what: string, seconds: number) =>
    `${worker} was terminated: ${what} was cancelled and still ran ${seconds} s later`,
  workerDied: (worker: string, key: string | undefined, detail: string) =>
    `${worker} died (${detail})${key === undefined ? '' : ` while running or holding task ${quote(key)}`}; it has been replaced`,
  cannotClone: (key: string, worker: string, detail: string) =>
    `the result of task ${quote(key)} on ${worker} cannot be sent between threads/processes: ${detail.trim().replace(/\.+$/, '')}. ` +
    `Return plain data (objects, arrays, numbers, strings, typed arrays, Maps, Sets), or use { scheduler: 'sync' }.`,
  visualizeFormat: (filename: string, format: string) =>
    `cannot write ${quote(filename)}: unknown format ${quote(format)}; use .svg, .png or .dot`,
  visualizeFailed: (step: string, detail: string) => `could not draw the task graph: ${step} failed: ${detail}`,
  visualizeScaled: (filename: string, width: number, height: number, zoom: number) =>
    `the PNG of this task graph would be ${width}x${height} px, too large to rasterise; ${quote(filename)} is ` +
    `scaled to ${Math.round(zoom * 1000) / 10}%. Write .svg or .dot for full detail`,

  // ---- io: paths, byte ranges, sizes ----
  noSuchPath: (path: string) => `no such file: ${quote(path)}`,
  notAFile: (path: string) => `${quote(path)} is a directory, not a file; pass a glob such as ${quote(path.replace(/\/$/, '') + '/*')}`,
  emptyGlob: (pattern: string) => `the glob ${quote(pattern)} matched no files`,
  noPaths: (what: string) => `${what} needs at least one path or glob, got none`,
  unreadable: (path: string, detail: string) => `cannot read ${quote(path)}: ${detail}`,
  badByteSize: (option: string, value: unknown) =>
    `${option} must be a positive number of bytes or a size such as '64MB' or '256MiB', got ${quote(value)}`,
  // --- diagnostics: profiles, charts, notebooks ---
  chartFormat: (filename: string, format: string) =>
    `cannot write ${quote(filename)}: unknown chart format ${quote(format)}; use .html, .svg or .png`,
  chartFailed: (detail: string) => `could not draw the profile chart: ${detail}`,
  nothingProfiled: () =>
    'nothing to draw: the profilers recorded no task; pass them as callbacks to a compute first (x.compute({ callbacks: [prof] }))',
  notACollection: (value: unknown) => `compareSchedulers needs a shoal collection (Delayed, Bag, Array, DataFrame), got ${quote(value)}`,
  // ---- Array (src/array) ----
  arrayBadShape: (op: string, shape: unknown) => `${op}: shape ${quote(shape)} must be a whole number >= 0 or a list of them`,
  arrayChunksRank: (op: string, spec: unknown, shape: readonly number[]) =>
    `${op}: chunks ${quote(spec)} has ${Array.isArray(spec) ? spec.length : '?'} entries but the array has ${shape.length} axes (shape ${quote(shape)}); give one entry per axis`,
  arrayBadChunks: (op: string, spec: unknown, shape: readonly number[], why: string) => `${op}: invalid chunks ${quote(spec)} for shape ${quote(shape)}: ${why}`,
  arrayBroadcast: (op: string, shapes: readonly (readonly number[])[]) =>
    `${op}: shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(', ')} cannot be broadcast together (each axis, counted from the end, must match or be 1)`,
  arrayBadOperand: (op: string, i: number, v: unknown) => `${op}: operand ${i} must be an Array or a number, got ${quote(v)}`,
  arrayNoArrayOperand: (op: string) => `${op}: at least one operand must be an Array`,
  arrayBadDType: (op: string, dtype: unknown) =>
    `${op}: unknown dtype ${quote(dtype)}; use one of 'float64', 'float32', 'int32', 'int16', 'int8', 'uint32', 'uint16', 'uint8'`,
  arrayBadSource: (src: unknown) =>
    `fromArray: cannot make an Array from ${quote(Object.prototype.toString.call(src))}; pass an ndarray, a typed array (not BigInt64Array) or nested arrays of numbers`,
  arrayRagged: (shape: readonly number[]) => `fromArray: nested arrays must be rectangular arrays of numbers (first row gives shape ${quote(shape)})`,
  arrayBadAxis: (op: string, axis: unknown, ndim: number) => `${op}: axis ${quote(axis)} is out of range for an array with ${ndim} axes (use ${-ndim}..${ndim - 1})`,
  arrayRepeatedAxis: (op: string, axis: unknown) => `${op}: axis ${quote(axis)} is given twice`,
  arrayEmptyReduction: (op: string, shape: readonly number[]) => `${op}: cannot reduce a zero-length axis (shape ${quote(shape)}): ${op} has no identity`,
  arrayReshape: (from: readonly number[], to: readonly number[], chunks: readonly (readonly number[])[], why: string) =>
    `reshape: cannot reshape [${from.join(', ')}] with chunks ${quote(chunks)} to [${to.join(', ')}]: ${why}`,
  arrayIndex: (op: string, what: string, shape: readonly number[]) => `${op}: ${what} (array shape [${shape.join(', ')}])`,
  arrayMismatch: (op: string, what: string) => `${op}: ${what}`,
  arrayUnknownChunks: (op: string) =>
    `${op}: this array's block lengths are unknown (it comes from a boolean mask); call \`x = await x.computeChunkSizes()\` first`,
  arrayBlockResult: (key: string, expected: string, got: string) => `mapBlocks: the function returned ${got} for block ${key}, expected ${expected}`,

  // ---- bag: partitioned sequences ----
  bagNotArray: (what: string, value: unknown) => `${what} must be an array (or another iterable), got ${quote(value)}`,
  bagPartitionsMismatch: (method: string, position: number, got: number, want: number) =>
    `${method}: argument ${position} is a Bag with ${got} partitions, but this Bag has ${want}; bags combined element by element ` +
    `must have the same partitioning (use repartition(${want}) on it, or build both with the same npartitions)`,
  bagLengthMismatch: (method: string, partition: number, lengths: number[]) =>
    `${method}: partition ${partition} of the bags combined element by element have different lengths (${lengths.join(' vs ')}); ` +
    `bags combined element by element must have the same number of elements in every partition`,
  bagWhere: (partition: number, element?: number) => `[bag partition ${partition}${element === undefined ? '' : `, input element ${element}`}]`,
  bagAsync: (partition: number) =>
    `partition ${partition} holds Promises: functions given to a Bag must be synchronous (an async function returns a Promise). ` +
    `Do the asynchronous work with delayed() and bag.fromDelayed(), or make the function synchronous`,
  bagPluckMissing: (key: unknown, element: unknown) =>
    `pluck(${quote(key)}): the element ${quote(element)} has no such key or index; pass a default, e.g. pluck(${quote(key)}, null)`,
  bagEmpty: (what: string) => `${what} of an empty bag: there are no elements to reduce`,
  bagTakeTooMany: (npartitions: number, have: number) =>
    `take: npartitions=${npartitions} but the bag has only ${have} partition${have === 1 ? '' : 's'}; use npartitions=-1 to search them all`,
  bagTakeShort: (n: number, got: number, npartitions: number) =>
    `take(${n}) found only ${got} element${got === 1 ? '' : 's'} in the first ${npartitions} partition${npartitions === 1 ? '' : 's'}; ` +
    `pass { npartitions: -1 } to search every partition`,
  bagBadEncoding: (encoding: unknown) => `readText: unknown encoding ${quote(encoding)}; use one the WHATWG TextDecoder knows, such as 'utf-8', 'latin1' or 'gb18030'`,
  bagTextPattern: (pattern: unknown, n: number) =>
    `toTextFiles: ${quote(pattern)} must be a path containing '*' (replaced by the partition number), a directory, or an array of ${n} paths`,
  bagCannotEncode: (encoding: string) => `toTextFiles: cannot encode to ${quote(encoding)}; use utf-8, latin1, ascii or utf-16le`,
  bagTextElement: (element: unknown, partition: number) =>
    `toTextFiles: partition ${partition} holds ${quote(element)}, which is not a string; map the elements to strings first (e.g. .map((x) => JSON.stringify(x)))`,

  // ---- dataframe and CSV ----
  csvBadValue: (path: string, line: number, column: string, value: string, dtype: string, source: string, sample: number | undefined, fix: string) =>
    `${path}:${line}: column ${quote(column)} ${source === 'given' ? 'was given' : `was inferred${sample ? ` from the first ${sample} bytes` : ''} as`} dtype ${dtype}` +
    `, but the value ${quote(value)} does not fit. Fix: pass dtypes: { ${JSON.stringify(column)}: '${fix}' } to readCsv` +
    (source === 'inferred' ? ' (or a larger sample)' : ''),
  csvFieldCount: (path: string, line: number, expected: number, found: number) =>
    `${path}:${line}: expected ${expected} fields, found ${found}; fix the line, or pass onBadLines: 'skip' (or 'warn') to readCsv`,
  csvUnterminatedQuote: (path: string, line: number) =>
    `${path}:${line}: a quoted field is not closed before the end of the block; if quoted fields contain newlines, read with blocksize: null`,
  csvAfterQuote: (path: string, line: number, column: string) =>
    `${path}:${line}: unexpected text after the closing quote of column ${quote(column)}; a quote inside a quoted field must be doubled ("")`,
  csvHeaderMismatch: (path: string, found: string[], expected: string[]) =>
    `${path}: the header ${quote(found.join(','))} differs from the first file's ${quote(expected.join(','))}; every file must have the same columns`,
  csvNotUtf8: (path: string, line: number, char: number, column: string | undefined, byte: number) =>
    `${path}:${line}:${char}: ${column === undefined ? '' : `column ${quote(column)} holds `}byte 0x${byte.toString(16).padStart(2, '0')}, which is not UTF-8 ` +
    `(is the file Latin-1 or damaged?). Fix: convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8), or pass encodingErrors: 'replace' to readCsv to read such bytes as U+FFFD`,
  csvAllEmpty: (files: number) => `readCsv: all ${files} file(s) are empty; there is no header to read the columns from`,
  csvSampleTooSmall: (path: string, sample: number) =>
    `${path}: no complete line in the first ${sample} bytes; pass a larger sample (e.g. sample: ${sample * 4})`,
  unknownColumn: (name: string, columns: readonly string[], where?: string) =>
    `${where ? `${where}: ` : ''}no column named ${quote(name)}; the columns are ${columns.map((c) => quote(c)).join(', ') || '(none)'}`,
  badDtype: (column: string, value: unknown) =>
    `dtype ${quote(value)} for column ${quote(column)} is not supported; use one of 'float64', 'int32', 'bool', 'string', 'date'`,
  dtypeMix: (column: string, a: string, b: string) =>
    `column ${quote(column)} is ${a} in one partition and ${b} in another; pass the same dtype everywhere (astype({ ${JSON.stringify(column)}: '${a === 'string' || b === 'string' ? 'string' : 'float64'}' }))`,
  opDtype: (op: string, dtype: string, wanted: string) => `${op} needs ${wanted} values, got a ${dtype} column`,
  foreignSeries: (op: string) =>
    `${op}: the Series comes from a different DataFrame; combine Series of the same DataFrame (build it with df.col(...) on the DataFrame you filter or assign to)`,
  badAggregation: (name: unknown, known: readonly string[]) =>
    `unknown aggregation ${quote(name)}; use one of ${known.map((k) => `'${k}'`).join(', ')} or an Aggregation`,
  metaMismatch: (what: string, expected: string, got: string) =>
    `${what} returned columns ${got}, but its meta says ${expected}; pass the right { meta } to mapPartitions`,
  noRows: (op: string) => `${op} of an empty column`,
  jsonBadLine: (path: string, line: number, detail: string) => `${path}:${line}: not a JSON object: ${detail}`,
  sameFrame: (op: string) => `${op} needs Series of the same DataFrame`,
  // ---- bag → dataframe ----
  bagMetaUnknown: (bad: unknown) =>
    bad === undefined
      ? 'toDataFrame() cannot infer the columns: the first partition is empty. Pass meta, e.g. b.toDataFrame({ name: "string", x: "float64" })'
      : `toDataFrame() needs a bag of records (plain objects), found ${quote(bad)} in the first partition. Map elements to objects first, or pass meta`,
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

/**
 * Work that was cancelled: a Future (`cancel()`, `client.close()`), or a compute whose pool
 * `shutdown()` stopped while it ran (`reason` says so). `key` is the first key, `keys` all.
 * @example
 * const pending = x.compute({ scheduler: 'threads' });
 * await shutdown();
 * await pending.catch((e) => { if (e instanceof CancelledError) console.log(e.keys); });
 */
export class CancelledError extends ShoalError {
  readonly key: string;
  readonly keys: string[];
  constructor(keys: string | readonly string[], reason?: string) {
    const list = typeof keys === 'string' ? [keys] : [...keys];
    super('ERR_SHOAL_CANCELLED', reason === undefined ? distributedMessages.cancelled(list[0]!) : messages.computeCancelled(list, reason));
    this.key = list[0]!;
    this.keys = list;
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
  lostResult: (key: string) => `the result of ${quote(key)} was lost and could not be gathered`,
  noClient: () => 'performanceReport needs a Client: create one first (new Client(cluster) or await Client.start())',
} as const;

// ---- the Redis backend (shoal worker, Client.connect) ----

/**
 * A Redis-backed cluster refused something: an unsafe URL, a missing or wrong token, a version
 * mismatch between client and worker, code that is not signed with the cluster secret.
 * @example
 * await Client.connect('redis://10.0.0.5:6379').catch((e) => e instanceof RedisClusterError && console.log(e.message));
 */
export class RedisClusterError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SHOAL_REDIS', message, options);
  }
}

/** Messages of the Redis backend. */
export const redisMessages = {
  badUrl: (url: string, why: string) => `invalid Redis URL ${quote(redactUrl(url))}: ${why} (expected redis://[:password@]host:port or rediss://…)`,
  plaintextRemote: (url: string) =>
    `refusing the plaintext Redis URL ${quote(url)}: its host is not loopback, so the password and every task would cross the network unencrypted. ` +
    'Use rediss:// (TLS), or pass --insecure (Client.connect: { insecure: true }) on a network you trust',
  noPassword: (url: string) => `refusing the Redis URL ${quote(url)}: a non-loopback Redis must require a password (redis://:password@host:port)`,
  noToken: (who: string) =>
    `${who} needs the cluster token: set the SHOAL_TOKEN environment variable (at least 16 characters; the same on every worker and client). It is never a command-line flag`,
  shortToken: (who: string) => `${who}: SHOAL_TOKEN is too short (at least 16 characters)`,
  versionMismatch: (worker: string, workerVersion: string, clientVersion: string) =>
    `worker ${worker} runs shoal ${workerVersion} but this client runs shoal ${clientVersion}: install the same version on every machine`,
  sessionRefused: (worker: string, reason: string) => `worker ${worker} refused this client: ${reason}`,
  badSignature: (what: string) =>
    `rejected ${what}: it is not signed with this cluster's secret (unsigned, or the client's SHOAL_TOKEN differs from the worker's), so it was not run`,
  wrongToken: () => 'the hello is not signed with this worker\'s token (the client and the worker have different SHOAL_TOKEN values)',
  noWorkersJoined: (url: string, seconds: number, want: number, have: number, skipped: Array<{ id: string; problem: string }> = []) =>
    `waited ${seconds} s for ${want} workers on ${url}, ${have} joined: start them with \`shoal worker ${redactUrl(url)}\`` +
    (skipped.length
      ? `; skipped ${skipped.length} registry entr${skipped.length === 1 ? 'y' : 'ies'} (${skipped.slice(0, 3).map((b) => `${b.id}: ${b.problem}`).join('; ')}${skipped.length > 3 ? '; …' : ''})`
      : ''),
  badJob: () => 'dropped a job that is not signed with this cluster\'s token (written into Redis by someone without SHOAL_TOKEN)',
  replayedJob: () => 'dropped a job seen before (a signed job copied back into its queue by someone with access to Redis)',
  badBulkBytes: (ref: string, at: string) => `dropped the bulk batch ${quote(ref)} fetched from ${at}: its bytes do not match the digest its job was signed with`,
  badRegistryEntry: (id: string, problem: string) => `skipped the entry ${quote(id)} of the worker registry (shoal:workers): ${problem}; no connection is made to it`,
  redisLost: (url: string, seconds: number, detail: string) =>
    `lost Redis at ${url}: unreachable for ${seconds} s (${detail}); the client closed and its pending futures were cancelled`,
  unreachable: (url: string, detail: string) => `cannot reach Redis at ${url}: ${detail} (is redis-server running there, and is the password in the URL right?)`,
  bulkThroughRedis: (worker: string, address: string) =>
    `worker ${worker} is on another machine and this client serves bulk batches on ${address} (loopback), so scattered data and large graph literals for it go through Redis. ` +
    'Pass Client.connect(url, { listen: "0.0.0.0:0" }) (or this machine\'s address) so workers fetch them over HTTP',
  badListen: (value: string) => `Client.connect: invalid listen=${quote(value)}: must be host:port, e.g. 127.0.0.1:0`,
  workerOption: (flag: string, value: unknown, rule: string) => `shoal worker: invalid --${flag} ${quote(value)}: ${rule}`,
  workerUsage: (problem: string) => `shoal worker: ${redactUrl(problem)}\n\nusage: shoal worker <redis-url> [--nthreads N] [--memory-limit 8GiB] [--name w1] [--listen host:port] [--local-directory DIR] [--preload MODULE] [--insecure]`,
} as const;

// ---- data plane (worker-to-worker HTTP, src/distributed/data-plane) ----

/**
 * A data server did not answer: connection refused or reset, no bytes for the timeout, or a
 * response cut short. Its keys are to be treated as missing (recomputed from lineage).
 * @example
 * try { await fetchValues(addr, keys, secret); } catch (e) { if (e instanceof PeerUnreachableError) recompute(keys); }
 */
export class PeerUnreachableError extends ShoalError {
  /** The data server's address (`http://host:port`). */
  readonly address: string;
  constructor(address: string, detail: string, options?: { cause?: unknown }) {
    super('ERR_SHOAL_PEER_UNREACHABLE', dataPlaneMessages.peerUnreachable(address, detail), options);
    this.address = address;
  }
}

/**
 * A data server answered, but not with data: it refused this side's proof of the cluster key
 * (`status` 401), rejected the request, did not prove it holds the key itself, sent bytes that
 * fail their tag or are not a shoal data stream, or could not look up or encode a value (`key`).
 * Unlike PeerUnreachableError, recomputing does not help.
 */
export class DataPlaneError extends ShoalError {
  readonly address: string;
  readonly status?: number;
  readonly key?: string;
  constructor(address: string, message: string, extra: { status?: number; key?: string; cause?: unknown } = {}) {
    super('ERR_SHOAL_DATA_PLANE', message, { cause: extra.cause });
    this.address = address;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.key !== undefined) this.key = extra.key;
  }
}

/** Messages of the data plane. */
export const dataPlaneMessages = {
  peerUnreachable: (address: string, detail: string) => `data server ${address} did not answer: ${detail}`,
  unauthorized: (address: string, reason: string) =>
    `data server ${address} refused this request's proof of the cluster key (401: ${reason}): every worker and client must use the same SHOAL_TOKEN, with clocks that agree within a minute`,
  noProof: (address: string) =>
    `data server ${address} did not prove it holds the cluster key (no valid x-shoal-proof): it is not a data server of this cluster, so nothing it sent was read`,
  badTag: (address: string) =>
    `data server ${address} sent a response that failed its authentication tag (changed on the way, or not from a holder of the cluster key): it was not decoded`,
  badStatus: (address: string, status: number, body: string) => `data server ${address} answered HTTP ${status}: ${body}`,
  malformed: (address: string, detail: string) => `data server ${address} sent a malformed data stream: ${detail}`,
  remoteValue: (address: string, key: string, message: string) =>
    `data server ${address} could not send ${quote(key)}: ${message}`,
  badAddress: (address: string) => `invalid data server address ${quote(address)}: expected http://host:port`,
  noSecret: () => 'a data server needs the cluster secret (a Secret holding SHOAL_TOKEN)',
  listenFailed: (host: string, port: number, detail: string) => `data server could not listen on ${host}:${port}: ${detail}`,
  notData: (detail: string) => `not a shoal data value: ${detail}`,
} as const;

// ---- shoal broker (src/cli/broker.ts) ----

/** Messages of `shoal broker`. */
export const brokerMessages = {
  usage: (detail: string) => `broker: ${detail} (see shoal broker --help)`,
  option: (flag: string, value: unknown, rule: string) => `broker: invalid --${flag} ${quote(value)}: ${rule}`,
  tlsPair: () => 'broker: TLS needs both --tls-cert and --tls-key (and --tls-ca only with them)',
  plaintextBind: (bind: string) =>
    `broker: refusing --bind ${bind}: the password and every task would cross the network in plaintext, ` +
    'and whoever learns the password can queue tasks that run on every worker. ' +
    'Pass --tls-cert and --tls-key (clients then use rediss://), or --insecure on a network you trust',
  notInstalled: () => 'broker: redis-server is not installed (or not on PATH): apt-get install redis-server',
  exitedEarly: (code: number) => `redis-server exited (code ${code}) before it was ready: see its log above`,
} as const;
