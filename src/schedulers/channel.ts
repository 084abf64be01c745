/**
 * A worker as the pool sees it: a message channel to a worker thread or a child process, with
 * ref/unref (an idle pool never keeps the program alive) and kill.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.ts';
import { runningTsx, TSX_ENV } from './tsx.ts';

export interface Channel {
  readonly name: string;
  readonly pid: number;
  post(msg: ToWorker): void;
  onMessage(cb: (msg: FromWorker) => void): void;
  /** Called once when the worker is gone, with a description (exit code, signal, error). */
  onExit(cb: (detail: string) => void): void;
  ref(): void;
  unref(): void;
  kill(): Promise<void>;
  /** False once the thread or process has exited. */
  running(): boolean;
  /** Settles once the worker has exited and every message it sent has been delivered. */
  readonly closed: Promise<void>;
}

// From TypeScript sources (tsx, vitest) entries are .ts files; from dist/ they are .js.
const fromSource = import.meta.url.endsWith('.ts');
const ext = fromSource ? '.ts' : '.js';

/** The URL of a worker entry module next to `base` (`.ts` from sources, `.js` from dist/). */
export function entryUrl(stem: string, base: string | URL): URL {
  return new URL(`./${stem}${ext}`, base);
}

/** Start a worker thread running `entry` (default: the pool's), with `data` in its workerData. */
export function spawnThread(name: string, entry?: URL, data: Record<string, unknown> = {}): Channel {
  const url = entry ?? new URL(`./thread-entry${ext}`, import.meta.url);
  const workerData = { ...data, name };
  // Started from a string, not from the file: a thread inherits this process's per-thread flags,
  // and under `node --input-type=module -e` a file entry fails ("--input-type can only be used
  // with string input"). An import from a string loads the same module under any flags.
  const worker = fromSource
    ? new Worker(
        `import('tsx/esm/api').then((m) => { m.register(); globalThis.__shoalTsx = true; return import(${JSON.stringify(url.href)}); })`,
        { eval: true, workerData },
      )
    : new Worker(`import(${JSON.stringify(url.href)})`, { eval: true, workerData });
  let exitCb: ((d: string) => void) | undefined;
  let error: Error | undefined;
  let gone = false;
  worker.on('error', (e) => {
    error = e;
  });
  let markClosed!: () => void;
  const closed = new Promise<void>((res) => (markClosed = res));
  worker.on('exit', (code) => {
    gone = true;
    exitCb?.(error ? `${error.name}: ${error.message}` : `exit code ${code}`);
    markClosed();
  });
  return {
    closed,
    name,
    pid: process.pid,
    post: (m) => worker.postMessage(m),
    onMessage: (cb) => worker.on('message', cb),
    onExit: (cb) => {
      exitCb = cb;
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    kill: async () => {
      if (!gone) await worker.terminate();
    },
    running: () => !gone,
  };
}

/** Node flags that load a module before the program: the loader flags tsx is started with. */
const PRELOAD_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/**
 * Node flags that make a process run something other than its entry module: code from the command
 * line (`node -e`, `-p`, `tsx -e` passes `--eval`), a REPL, a syntax check, the test runner, a
 * file watcher, a snapshot, a help text. A worker started with one would run the user's program
 * again (which starts workers of its own) instead of shoal's worker. Plus `--inspect*` and
 * `--debug-port`: a second debugger on the same port fails. `--test-*` and
 * `--experimental-test-*` flags are dropped by prefix.
 */
const NOT_FOR_WORKERS = new Set([
  '-e', '--eval', '-p', '--print', '-pe', '-ep', '--input-type', '-i', '--interactive', '-c', '--check',
  '--watch', '--watch-path', '--watch-preserve-output', '--build-snapshot', '--snapshot-blob', '--prof-process',
  '-v', '--version', '-h', '--help', '--v8-options', '--completion-bash', '--experimental-sea-config', '--run', '--entry-url',
  '--debug-port',
]);
/** Those of the dropped flags that take their value as the next argument (unless written `--flag=value`). */
const VALUE_FLAGS = new Set([
  '-e', '--eval', '-p', '--print', '-pe', '-ep', '--input-type', '--watch-path', '--snapshot-blob', '--experimental-sea-config',
  '--run', '--inspect-port', '--debug-port', '--test-name-pattern', '--test-skip-pattern', '--test-reporter',
  '--test-reporter-destination', '--test-concurrency', '--test-timeout', '--test-shard', '--test-isolation',
  '--experimental-test-isolation', '--test-coverage-branches', '--test-coverage-functions', '--test-coverage-lines',
  '--test-coverage-include', '--test-coverage-exclude', '--test-global-setup',
]);

/**
 * This process's Node flags that a worker can share: without the ones that would make it run
 * something other than its entry module, or clash with this process (see `NOT_FOR_WORKERS`).
 * @example
 * workerFlags(['--input-type=module', '-e', 'import("shoal")...', '--max-old-space-size=512']);   // ['--max-old-space-size=512']
 */
export function workerFlags(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const name = a.startsWith('--') ? a.split('=', 1)[0]! : a;
    const dropped = NOT_FOR_WORKERS.has(name) || name.startsWith('--inspect') || name.startsWith('--test') || name.startsWith('--experimental-test');
    if (!dropped) {
      out.push(a);
      continue;
    }
    if (name === a && VALUE_FLAGS.has(name)) i++; // and its value
  }
  return out;
}

/**
 * The Node flags of a worker process: this process's that a worker can share (`workerFlags`). From sources the
 * worker's own modules are TypeScript, so it needs tsx (added unless inherited). From dist/ it
 * does not: tsx's flags (present when the program itself runs under tsx) are dropped, because
 * tsx's ESM hooks start a loader thread that costs 0.5-1 s per process; a worker registers tsx
 * itself, lazily, the first time a task needs a `.ts` module (`ensureTsLoader` in runtime.ts).
 * @example
 * childExecArgv(['--require', '/x/tsx/dist/preflight.cjs', '--import', 'file:///x/tsx/dist/loader.mjs'], false);   // []
 * childExecArgv(['--import', 'tsx', '-e', 'await compute(...)'], true);   // ['--import', 'tsx']
 */
export function childExecArgv(execArgv: readonly string[], fromSource: boolean): string[] {
  const inherited = workerFlags(execArgv);
  const isTsx = (a: string) => /(^|[/\\=])tsx([/\\]|$)/.test(a);
  if (fromSource) return inherited.some(isTsx) ? inherited : [...inherited, '--import', 'tsx'];
  const out: string[] = [];
  for (let i = 0; i < inherited.length; i++) {
    const a = inherited[i]!;
    if (PRELOAD_FLAGS.has(a) && i + 1 < inherited.length && isTsx(inherited[i + 1]!)) {
      i++; // the flag and its tsx module
      continue;
    }
    if (isTsx(a)) continue; // --import=tsx, --require=/…/tsx/…
    out.push(a);
  }
  return out;
}

/** How a child process is started: its entry module (default: the pool's), extra environment, and
 * where and from what size it sends values as transfer files (`bulk.ts`). */
export interface ProcessOptions {
  entry?: URL;
  env?: Record<string, string>;
  bulk?: { dir: string; min: number };
}

/** The running program's tsx, for a worker process that meets a `.ts` module (its flags are dropped). */
function tsxEnv(): Record<string, string> {
  const dir = runningTsx();
  return dir ? { [TSX_ENV]: dir } : {};
}

/** Fork a child process (see `ProcessOptions`). */
export function spawnProcess(name: string, opts: ProcessOptions = {}): Channel {
  const entry = fileURLToPath(opts.entry ?? new URL(`./process-entry${ext}`, import.meta.url));
  const bulkEnv = opts.bulk ? { SHOAL_BULK_DIR: opts.bulk.dir, SHOAL_BULK_MIN: String(opts.bulk.min) } : { SHOAL_BULK_DIR: '' };
  const child: ChildProcess = fork(entry, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: childExecArgv(process.execArgv, fromSource),
    env: { ...process.env, ...opts.env, ...bulkEnv, ...tsxEnv(), SHOAL_WORKER_NAME: name },
  });
  let exitCb: ((d: string) => void) | undefined;
  let gone = false;
  const exited = new Promise<void>((res) => {
    child.once('exit', (code, signal) => {
      gone = true;
      exitCb?.(signal ? `killed by ${signal}` : `exit code ${code}`);
      res();
    });
  });
  child.on('error', () => {}); // 'exit' follows and reports it
  // 'close' comes after 'exit' and after the IPC channel has delivered its last message.
  const closed = new Promise<void>((res) => child.once('close', () => res()));
  return {
    closed,
    name: `${name} (pid ${child.pid})`,
    pid: child.pid ?? -1,
    post: (m) => {
      if (!gone && child.connected) child.send(m);
    },
    onMessage: (cb) => child.on('message', cb as (m: unknown) => void),
    onExit: (cb) => {
      exitCb = cb;
    },
    ref: () => {
      child.ref();
      child.channel?.ref();
    },
    unref: () => {
      child.unref();
      child.channel?.unref();
    },
    kill: async () => {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
    running: () => !gone,
  };
}
