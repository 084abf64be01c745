/**
 * A Redis-joined cluster on this machine for the redis-* workloads: a real redis-server (the test
 * fixture's), `shoal worker` processes started from dist/ (the real `bin`: run `npm run build`
 * first) and a Client connected through Redis. Started before timing; `stopRedisCluster()` (the
 * workloads' teardown) stops every process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '../../src/index.ts';
import type { RedisCluster } from '../../src/distributed/redis/redis-cluster.ts';
import { startRedis, type TestRedis } from '../../test/redis/redis-server.ts';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const TOKEN = randomBytes(16).toString('hex');

export interface BenchRedis {
  redis: TestRedis;
  client: Client<RedisCluster>;
  workers: Map<string, ChildProcess>;
  /** Start one more worker and wait until this client has it. */
  addWorker(): Promise<{ id: string; process: ChildProcess }>;
  startup: number;
}

let current: Promise<BenchRedis> | undefined;
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function spawnWorker(url: string): Promise<{ id: string; process: ChildProcess }> {
  const p = spawn(process.execPath, [MAIN, 'worker', url, '--nthreads', '1', '--memory-limit', '4GiB'], { env: { ...process.env, SHOAL_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(p);
  p.once('exit', () => children.delete(p));
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = / \((w[0-9a-f]+)\) joined /.exec(out);
      if (m) resolve({ id: m[1]!, process: p });
    });
    p.once('exit', (code) => reject(new Error(`shoal worker exited (${code}): ${out}`)));
  });
}

/** The shared cluster with `n` workers of one thread each (started on first use). */
export function redisCluster(n = 2): Promise<BenchRedis> {
  current ??= (async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (the workers run the built CLI)`);
    const t = performance.now();
    const redis = await startRedis();
    children.add(redis.process); // killed on exit too, should a run throw
    const workers = new Map<string, ChildProcess>();
    for (const w of await Promise.all(Array.from({ length: n }, () => spawnWorker(redis.url)))) workers.set(w.id, w.process);
    const client = await Client.connect(redis.url, { token: TOKEN, nWorkers: n, setAsDefault: false });
    const addWorker = async () => {
      const w = await spawnWorker(redis.url);
      workers.set(w.id, w.process);
      await client.cluster.waitForWorkers(client.cluster.processes.length + 1);
      return w;
    };
    return { redis, client, workers, addWorker, startup: (performance.now() - t) / 1000 };
  })();
  return current;
}

export async function stopRedisCluster(): Promise<void> {
  if (!current) return;
  const c = await current;
  current = undefined;
  await c.client.close();
  await Promise.all(
    [...children].map(
      (p) =>
        new Promise<void>((r) => {
          if (p.exitCode !== null || p.signalCode !== null) return r();
          p.once('exit', () => r());
          p.kill('SIGTERM');
        }),
    ),
  );
  await c.redis.stop();
}
