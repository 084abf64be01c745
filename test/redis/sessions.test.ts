/**
 * Sessions: two clients on the same `shoal worker` processes each get their own runtimes (their
 * schedulers never share a worker's keys), compute at the same time, and one closing does not
 * disturb the other. The worker outlives both.
 */
import { expect } from 'vitest';
import { Client, delayed, type Delayed } from '../../src/index.ts';
import { startRedis, type TestRedis } from './redis-server.ts';
import { startWorker, stopAll, TOKEN, type TestWorker } from './workers.ts';
import { needs } from '../system-parts.ts';

// Without redis-server: skipped with the command that installs it, or failing under CI.
const { afterAll, beforeAll, test } = needs('redis-server');

let redis: TestRedis;
let workers: TestWorker[];
beforeAll(async () => {
  redis = await startRedis();
  workers = await Promise.all([0, 1].map(() => startWorker(redis.url, ['--nthreads', '1'])));
}, 60_000);
afterAll(async () => {
  await stopAll();
  await redis?.stop();
});

function chains(seed: number): Delayed<number> {
  const ends: Delayed<number>[] = [];
  for (let c = 0; c < 20; c++) {
    let x = delayed((v: number) => v + 1)(c * seed);
    for (let k = 0; k < 30; k++) x = delayed((v: number, m: number) => (v * 5 + m) % 10_007)(x, seed);
    ends.push(x);
  }
  return delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0))(ends);
}

test('two clients share the workers with separate sessions; the same keys in both do not collide; one closing leaves the other working', async () => {
  const a = await Client.connect(redis.url, { token: TOKEN, nWorkers: 2, setAsDefault: false });
  const b = await Client.connect(redis.url, { token: TOKEN, nWorkers: 2, setAsDefault: false });
  try {
    expect(a.cluster.name).not.toBe(b.cluster.name);
    // The same graph (same keys) and different graphs, at the same time.
    const [ra, rb, rc] = await Promise.all([chains(3).compute({ scheduler: a, fuse: false }), chains(3).compute({ scheduler: b, fuse: false }), chains(7).compute({ scheduler: b, fuse: false })]);
    expect([ra, rb, rc]).toEqual([await chains(3).compute({ scheduler: 'sync' }), await chains(3).compute({ scheduler: 'sync' }), await chains(7).compute({ scheduler: 'sync' })]);
    const fa = a.submit((n: number) => new Float64Array(n).fill(1), 50_000, { key: 'shared-name' });
    const fb = b.submit((n: number) => new Float64Array(n).fill(2), 50_000, { key: 'shared-name' });
    expect([(await fa)[0], (await fb)[0]]).toEqual([1, 2]);
    await a.close();
    expect(await b.submit((x: number) => x * 3, 14)).toBe(42);
    // a's queues are gone from Redis (the worker closed its side of the session first).
    const { Redis } = await import('ioredis');
    const probe = new Redis({ host: redis.host, port: redis.port, password: redis.password });
    try {
      let left = await probe.keys(`shoal:s-${a.cluster.name}-*`);
      for (let i = 0; i < 40 && left.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 250));
        left = await probe.keys(`shoal:s-${a.cluster.name}-*`);
      }
      expect(left).toEqual([]);
    } finally {
      probe.disconnect();
    }
    expect((await fb)[49_999]).toBe(2);
  } finally {
    await a.close();
    await b.close();
  }
  // The workers serve on.
  expect(workers.every((w) => w.process.exitCode === null)).toBe(true);
  const c = await Client.connect(redis.url, { token: TOKEN, nWorkers: 2, setAsDefault: false });
  try {
    expect(await c.gather(c.map((x: number) => x + 1, [1, 2]))).toEqual([2, 3]);
  } finally {
    await c.close();
  }
}, 60_000);

test('a client killed without closing: its worker ends the session after the liveness TTL and removes its queues from Redis', async () => {
  const { spawn } = await import('node:child_process');
  const { Redis } = await import('ioredis');
  const script = new URL('./fixtures/client-script.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', script, redis.url], { env: { ...process.env, SHOAL_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'inherit'] });
  const session = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /session ([0-9a-f]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`client script exited (${code}): ${out}`)));
  });
  const probe = new Redis({ host: redis.host, port: redis.port, password: redis.password });
  try {
    const keys = () => probe.keys(`shoal:s-${session}-*`);
    expect((await keys()).length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    let left = await keys();
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      left = await keys();
    }
    expect(left).toEqual([]);
    expect(await probe.exists(`shoal:client:${session}`)).toBe(0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    probe.disconnect();
  }
}, 60_000);
