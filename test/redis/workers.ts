/**
 * Real `shoal worker` processes for the tests, started through the CLI (src/cli/main.ts, run
 * from source with tsx so the tests never see a stale dist/) with SHOAL_TOKEN in the environment.
 * `startWorker` resolves once the worker printed where it joined; `stopAll` kills what is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '../../src/index.ts';
import type { RedisCluster } from '../../src/distributed/redis/redis-cluster.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

export const TOKEN = 'test-token-0123456789abcdef';
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface TestWorker {
  process: ChildProcess;
  /** The worker's id (from its "joined" line). */
  id: string;
  output(): string;
  exited: Promise<number | null>;
  /** Send a signal and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const started = new Set<ChildProcess>();

/** Run the CLI once to completion (for refusals): exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = { SHOAL_TOKEN: TOKEN }): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, SHOAL_TOKEN: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    started.add(p);
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      started.delete(p);
      resolve({ code, out });
    });
  });
}

/** Start `shoal worker <url> ...args` and wait until it has joined (up to 30 s); `main`: another copy of the CLI. */
export function startWorker(url: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, main = MAIN): Promise<TestWorker> {
  const p = spawn(process.execPath, ['--import', 'tsx', main, 'worker', url, ...args], {
    env: { ...process.env, SHOAL_TOKEN: TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(p);
  let out = '';
  const exited = new Promise<number | null>((r) =>
    p.once('exit', (code, sig) => {
      started.delete(p);
      r(code ?? (sig ? -1 : null));
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`shoal worker did not join within 30 s:\n${out}`));
    }, 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = / \((w[0-9a-f]+)\) joined /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          process: p,
          id: m[1]!,
          output: () => out,
          exited,
          stop: (signal = 'SIGTERM') => {
            if (p.exitCode === null && p.signalCode === null) p.kill(signal);
            return exited;
          },
        });
      }
    };
    p.stdout!.on('data', onData);
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`shoal worker exited (${code}) before joining:\n${out}`));
    });
  });
}

/** Kill every worker process a test started and did not stop. */
export async function stopAll(): Promise<void> {
  const ps = [...started];
  await Promise.all(
    ps.map(
      (p) =>
        new Promise<void>((r) => {
          if (p.exitCode !== null || p.signalCode !== null) return r();
          p.once('exit', () => r());
          p.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * A redis-server, `workerArgs.length` workers (each started with its own args) and a connected
 * Client: the Redis-joined cluster the LocalCluster suites also run on. `stop()` undoes it all.
 */
export async function startRedisCluster(workerArgs: string[][], opts: { setAsDefault?: boolean } = {}): Promise<{ redis: TestRedis; client: Client<RedisCluster>; stop(): Promise<void> }> {
  const redis = await startRedis();
  await Promise.all(workerArgs.map((args) => startWorker(redis.url, args)));
  const client = await Client.connect(redis.url, { token: TOKEN, nWorkers: workerArgs.length, setAsDefault: opts.setAsDefault });
  return {
    redis,
    client,
    async stop() {
      await client.close();
      await stopAll();
      await redis.stop();
    },
  };
}
