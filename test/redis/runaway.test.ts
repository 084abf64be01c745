/**
 * Runaway tasks on Redis-joined workers (issue 15 §3), with a real redis-server and a real
 * `shoal worker` process of two runtime threads: cancelling a task that never ends, or letting
 * its `timeout` pass, frees its slot. The worker process terminates the runtime thread still
 * running it after the client's `cancelGracePeriod` (sent in the signed hello) and starts a new
 * one; the scheduler reschedules that slot's other tasks without counting a death against them
 * (`allowedFailures: 1` here, so one counted death would fail them) and recomputes the results it
 * held. The thread is really gone: the worker process's CPU use drops back to idle and its
 * thread count (/proc) is what it was. Then the attacker's side: stop instructions written into
 * Redis without the token (unsealed, a made-up seal, a guessed key, a genuine one copied back)
 * and a genuine hello whose grace period was changed terminate nothing.
 */
import { readdirSync } from 'node:fs';
import { serialize } from 'node:v8';
import { Queue } from 'bullmq';
import { expect } from 'vitest';
import { Client, delayed, TimeoutError, type Future } from '../../src/index.ts';
import { cpuTicks } from '../../src/distributed/procfs.ts';
import { redisMessages } from '../../src/errors.ts';
import { JobSealer } from '../../src/distributed/redis/codec.ts';
import type { RedisCluster } from '../../src/distributed/redis/redis-cluster.ts';
import { ClusterKeys, sign } from '../../src/distributed/redis/signing.ts';
import { shoalVersion } from '../../src/distributed/redis/version.ts';
import { helloSigned } from '../../src/distributed/redis/wire.ts';
import { isAlive, waitFor } from '../helpers.ts';
import { startRedis, type TestRedis } from './redis-server.ts';
import { startWorker, stopAll, TOKEN, type TestWorker } from './workers.ts';
import { needs } from '../system-parts.ts';

const { test, describe, beforeAll, afterAll } = needs('redis-server');

const GRACE = 0.5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** OS threads of process `pid` (Node's own, plus those of each runtime thread). */
const threadsOf = (pid: number) => readdirSync(`/proc/${pid}/task`).length;

/** Share of one core process `pid` used over the next second (clock ticks are 1/100 s on Linux). */
async function cpuShare(pid: number): Promise<number> {
  const t0 = cpuTicks(pid)!;
  await sleep(1000);
  return (cpuTicks(pid)! - t0) / 100;
}

/** A task that never ends (its inputs are ignored). */
const spin = (..._inputs: unknown[]): never => {
  for (;;) {
    // busy forever
  }
};

/** A blocking task of `ms` milliseconds, then `v`. */
const busy = (ms: number, v: number): number => {
  const end = Date.now() + ms;
  while (Date.now() < end);
  return v;
};

describe('runaway tasks on Redis-joined workers', () => {
  let redis: TestRedis;
  let worker: TestWorker;
  let client: Client<RedisCluster>;
  let pid: number;
  /** OS threads of the worker process before any session, and with this client's two runtimes. */
  let baseThreads: number;
  let sessionThreads: number;
  const state = () => client.cluster.server.state;
  const slotIds = () => client.cluster.workers.map((w) => w.id).sort();

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startWorker(redis.url, ['--nthreads', '2', '--memory-limit', '1GiB', '--name', 'spinner']);
    pid = worker.process.pid!;
    await sleep(500);
    baseThreads = threadsOf(pid);
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 1, setAsDefault: false, cancelGracePeriod: GRACE, allowedFailures: 1 });
    // Both runtimes have run a task: whatever they start lazily has started.
    await client.gather([1, 2].map((v) => client.submit(busy, 100, v, { pure: false })));
    sessionThreads = threadsOf(pid);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await stopAll();
    await redis?.stop();
  });

  /** The slot running `key`, once it has been sent there and had time to start. */
  async function runnerOf(key: string): Promise<string> {
    expect(await waitFor(() => state().stateOf(key) === 'processing' && state().tasks.get(key)!.processingOn !== undefined)).toBe(true);
    await sleep(300);
    return state().tasks.get(key)!.processingOn!.id;
  }

  /**
   * Wait until the slots `runners` have been replaced (the session again has two, none of them
   * those) within the grace period and a few seconds from `since`; once the results they held are
   * recomputed, the worker process is idle again (nothing spins) and has as many threads as before.
   */
  async function replaced(runners: string[], since: number): Promise<void> {
    expect(await waitFor(() => client.cluster.workers.length === 2 && !slotIds().some((id) => runners.includes(id)), GRACE * 1000 + 8000)).toBe(true);
    expect(Date.now() - since).toBeLessThan(GRACE * 1000 + 4000);
    expect(client.cluster.lost).toEqual([]); // the worker process stayed; only runtimes were replaced
    expect(String(client)).toBe(`<Client: 'redis://127.0.0.1:${redis.port}' processes=1 threads=2, memory=1.00 GiB>`);
    for (const w of client.cluster.workers) expect(w).toMatchObject({ nthreads: 1, memoryLimit: 2 ** 29 });
    expect(await waitFor(() => threadsOf(pid) === sessionThreads, 5000)).toBe(true);
    // Results of earlier tasks still referenced by Futures lived there too: recomputed first.
    expect(await waitFor(() => [...state().tasks.values()].every((t) => t.state !== 'processing'), 15_000)).toBe(true);
    expect(await cpuShare(pid)).toBeLessThan(0.1);
  }

  /** Both slots take work again: two 400 ms blocking tasks run side by side, one on each. */
  async function bothSlotsCompute(): Promise<void> {
    const t0 = Date.now();
    const fs = [1, 2].map((v) => client.submit(busy, 400, v, { pure: false }));
    expect(await client.gather(fs)).toEqual([1, 2]);
    expect(new Set(fs.map((f) => state().whoHas(f.key)[0])).size).toBe(2);
    expect(Date.now() - t0).toBeLessThan(3000);
  }

  test('cancel frees the slot: the runtime thread is terminated and replaced after the grace period; a result it held is recomputed; its queued task counts no death; both slots compute again', async () => {
    const kept = client.submit((x: number) => x + 1, 41, { pure: false });
    expect(await kept).toBe(42);
    const holder = state().whoHas(kept.key)[0]!;
    // The runaway takes `kept` as input, so it runs on the slot that holds it.
    const runaway = client.submit(spin, kept, { pure: false });
    const runner = await runnerOf(runaway.key);
    expect(runner).toBe(holder);
    expect(await cpuShare(pid)).toBeGreaterThan(0.15); // it spins (a core's share, less on a loaded machine)
    const recomputed = state().counts.recomputed;
    const t0 = Date.now();
    await runaway.cancel();
    expect(runaway.status).toBe('cancelled');
    // Sent to the same slot (it holds the input, and the cancelled task left its queue), where it
    // waits behind the thread that still spins: it goes down with it, and must not count a death.
    const follower = client.submit((x: number) => x * 2, kept, { pure: false });
    expect(await waitFor(() => state().tasks.get(follower.key)?.processingOn?.id === runner, 2000)).toBe(true);
    await replaced([runner], t0);
    expect(await follower).toBe(84); // with a death counted, allowedFailures 1 would have failed it
    // `kept` lived only in the terminated runtime: recomputed from its task, not lost.
    expect(await kept.result()).toBe(42);
    expect(state().counts.recomputed).toBeGreaterThan(recomputed);
    await bothSlotsCompute();
  }, 60_000);

  test('submit({ timeout }): the Future fails with TimeoutError naming key and timeout; the runtime running it is replaced', async () => {
    const f = client.submit(spin, { pure: false, timeout: 1.5 });
    const runner = await runnerOf(f.key);
    const err = (await f.exception()) as TimeoutError;
    const t0 = Date.now();
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.code).toBe('ERR_SHOAL_TIMEOUT');
    expect(err.keys).toEqual([f.key]);
    expect(err.seconds).toBe(1.5);
    expect(err.message).toContain('timeout of 1.5 s');
    await expect(f.result()).rejects.toBeInstanceOf(TimeoutError);
    await replaced([runner], t0);
    expect(await client.submit((x: number) => x * 2, 21)).toBe(42);
    await bothSlotsCompute();
  }, 60_000);

  test('client.compute(x, { timeout }) and compute({ scheduler: client, timeout }): TimeoutError; both stuck runtimes are replaced; two slots afterwards', async () => {
    const viaFuture = client.compute(delayed(spin)(1), { timeout: 1.5 });
    const stuck = delayed(spin, { name: 'stuck' })(2);
    const viaCompute = stuck.compute({ scheduler: client, timeout: 1.5 }).catch((e: unknown) => e);
    const runners = await Promise.all([runnerOf(viaFuture.key), runnerOf(stuck.key)]);
    expect(new Set(runners).size).toBe(2); // one on each slot: nothing else can run now
    expect(await viaFuture.exception()).toBeInstanceOf(TimeoutError);
    const err = (await viaCompute) as TimeoutError;
    const t0 = Date.now();
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.keys).toEqual([stuck.key]);
    expect(err.message).toContain('the compute of');
    await replaced(runners, t0);
    const sums = await delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0))([1, 2, 3].map((k) => delayed((x: number) => x * 10)(k))).compute({ scheduler: client });
    expect(sums).toBe(60);
    await bothSlotsCompute();
  }, 60_000);

  describe('someone who can write to Redis, without the token, cannot make the worker terminate a runtime', () => {
    const queues: Queue[] = [];
    const queue = (name: string) => {
      const q = new Queue(name, { connection: { host: redis.host, port: redis.port, password: redis.password }, prefix: 'shoal' });
      q.on('error', () => {});
      queues.push(q);
      return q;
    };
    afterAll(async () => {
      await Promise.all(queues.map((q) => q.close()));
    });
    /** The session's instruction queue on the worker, and the index of `slot` in its batches. */
    const target = (slot: string) => ({ name: `s-${client.cluster.name}-${worker.id}-0`, index: Number(slot.split('.')[1]) });

    test('forged stop instructions (unsealed, a made-up seal, a seal from a guessed key) are dropped: the task runs to its end on the same runtime', async () => {
      const before = slotIds();
      const f = client.submit(busy, 2500, 7, { pure: false });
      const runner = await runnerOf(f.key);
      const { name, index } = target(runner);
      const bytes = serialize([[index, { t: 'batch', stop: [f.key] }]]);
      const q = queue(name);
      const guessed = new JobSealer(new ClusterKeys('a-guess-at-the-token-0123').job, name, 'client');
      await q.add('b', { b: bytes.toString('base64') });
      await q.add('b', { b: bytes.toString('base64'), from: 'client', n: 1e9, s: Buffer.alloc(32, 9).toString('base64') });
      await q.add('b', guessed.inline(bytes));
      expect(await f).toBe(7); // ran to its end (2.5 s), well past the grace period
      expect(slotIds()).toEqual(before);
      expect(threadsOf(pid)).toBe(sessionThreads);
      expect(worker.output()).toMatch(/dropped a job that is not signed with this cluster's token/);
    }, 60_000);

    test('a genuine stop copied back into its queue (a replay) terminates nothing', async () => {
      // Both runs of 'victim' take `anchor` as input, so both run on the runtime holding it.
      const anchor = client.submit((x: number) => x, 5, { pure: false });
      expect(await anchor).toBe(5);
      const runner = state().whoHas(anchor.key)[0]!;
      // A short run is stopped while the worker is held (SIGSTOP): its batch waits in Redis, where the attacker copies it.
      const first = client.submit(busy, 300, anchor, { pure: false, key: 'victim' });
      expect(await runnerOf(first.key)).toBe(runner);
      const { name } = target(runner);
      process.kill(pid, 'SIGSTOP');
      let copies: unknown[];
      try {
        await first.cancel();
        await sleep(300);
        copies = (await queue(name).getJobs(['active', 'wait', 'waiting', 'prioritized'])).map((j) => j.data as unknown);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      expect(copies.length).toBeGreaterThan(0);
      // That run ended within the grace period: it was reported stopped, nothing was terminated.
      await sleep(GRACE * 1000 + 1000);
      const before = slotIds();
      expect(before).toContain(runner);
      // The same key runs again on the same runtime, for longer than the grace period; the copies are put back.
      const again = client.submit(busy, 2500, anchor, { pure: false, key: 'victim' });
      expect(await runnerOf(again.key)).toBe(runner);
      for (const data of copies) await queue(name).add('b', data);
      expect(await again).toBe(5);
      expect(slotIds()).toEqual(before);
      expect(threadsOf(pid)).toBe(sessionThreads);
    }, 60_000);

    test('a genuine hello whose grace period was changed is refused (its signature covers it); no session starts', async () => {
      // What a client would send (it holds the token), changed in Redis before the worker reads it.
      const session = 'tampered01';
      const fields = { session, version: shoalVersion(), attempt: 0, cancelGracePeriod: 30 };
      const hello = { t: 'hello', ...fields, cancelGracePeriod: 0, sig: sign(new ClusterKeys(TOKEN).code, helloSigned(fields)) };
      await queue(`ctl-${worker.id}`).add('hello', hello);
      const events = queue(`s-${session}-ev`);
      let refusal: unknown;
      expect(
        await waitFor(() => {
          void events.getJobs(['wait', 'waiting', 'active']).then((js) => (refusal ??= js[0]?.data));
          return refusal !== undefined;
        }, 10_000),
      ).toBe(true);
      expect(refusal).toEqual({ refused: { worker: worker.id, reason: redisMessages.wrongToken() } });
      expect(threadsOf(pid)).toBe(sessionThreads); // no runtimes started for it
      expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
    }, 30_000);
  });

  test('closing the client leaves no runtime thread in the worker; stopping the worker leaves no process', async () => {
    await client.close();
    expect(await waitFor(() => threadsOf(pid) === baseThreads, 10_000)).toBe(true);
    expect(await worker.stop()).toBe(0);
    expect(isAlive(pid)).toBe(false);
  }, 30_000);
});
