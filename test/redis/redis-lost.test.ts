/**
 * No hang when Redis itself goes away: a client's pending compute is cancelled (with a warning
 * naming the reason) after REDIS_LOST_MS, the client then reports itself closed, `close()` returns
 * after its grace period, and a worker told to stop still exits cleanly.
 */
import { expect } from 'vitest';
import { CancelledError, Client, delayed } from '../../src/index.ts';
import { startRedis } from './redis-server.ts';
import { startWorker, stopAll, TOKEN } from './workers.ts';
import { needs } from '../system-parts.ts';

// Without redis-server: skipped with the command that installs it, or failing under CI.
const { afterAll, test } = needs('redis-server');

afterAll(async () => {
  await stopAll();
});

test('Redis stopped under a running compute: the future is cancelled with the reason, close() and the worker finish', async () => {
  const redis = await startRedis();
  const w = await startWorker(redis.url, ['--nthreads', '1']);
  const client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 1, setAsDefault: false });
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const sleepy = delayed((ms: number) => new Promise<number>((r) => setTimeout(() => r(ms), ms)));
    const pending = sleepy(60_000).compute({ scheduler: client });
    await new Promise((r) => setTimeout(r, 500));
    await redis.stop();
    const t0 = Date.now();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBeLessThan(25_000);
    expect(warnings.join('\n')).toMatch(/lost Redis at redis:\/\/127\.0\.0\.1:\d+: unreachable for 15 s/);
    // The client shut itself down: it says so, and is no longer the default scheduler.
    expect(client.closed).toBe(true);
    expect(client.cluster.closed).toBe(true);
    const t1 = Date.now();
    await client.close();
    expect(Date.now() - t1).toBeLessThan(10_000);
    expect(await w.stop('SIGTERM')).toBe(0);
  } finally {
    process.off('warning', onWarning);
    await client.close();
    await redis.stop();
  }
}, 60_000);
