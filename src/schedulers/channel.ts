/**
 * A worker as the pool sees it: a message channel to a worker thread or a child process, with
 * ref/unref (an idle pool never keeps the program alive) and kill.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.ts';

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

export function spawnThread(name: string): Channel {
  const url = new URL(`./thread-entry${ext}`, import.meta.url);
  const worker = fromSource
    ? new Worker(
        `import('tsx/esm/api').then((m) => { m.register(); globalThis.__shoalTsx = true; return import(${JSON.stringify(url.href)}); })`,
        { eval: true, workerData: { name } },
      )
    : new Worker(url, { workerData: { name } });
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

/** A forked process; `bulk` is where and from what size it sends values as transfer files (`bulk.ts`). */
export function spawnProcess(name: string, bulk?: { dir: string; min: number }): Channel {
  const entry = fileURLToPath(new URL(`./process-entry${ext}`, import.meta.url));
  const inherited = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  const hasTsx = inherited.some((a) => a.includes('tsx'));
  const child: ChildProcess = fork(entry, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: fromSource && !hasTsx ? [...inherited, '--import', 'tsx'] : inherited,
    env: bulk
      ? { ...process.env, SHOAL_WORKER_NAME: name, SHOAL_BULK_DIR: bulk.dir, SHOAL_BULK_MIN: String(bulk.min) }
      : { ...process.env, SHOAL_WORKER_NAME: name, SHOAL_BULK_DIR: '' },
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
