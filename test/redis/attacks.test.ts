/**
 * Playing the attacker for real (DESIGN.md §11: anyone who can write to Redis is not trusted).
 * With a real redis-server, two real `shoal worker` processes and a connected client, the test
 * holds the Redis password but not the cluster token, and runs a listening HTTP server of its own
 * that records every byte it receives. It writes into Redis what such an attacker would:
 *
 * - forged instruction jobs: a bulk batch `{ ref, at }` pointing at its server, jobs with a
 *   made-up seal and jobs sealed the right way with a guessed key, carrying code that would write
 *   a marker file;
 * - a genuine signed job copied back into its queue (a replay);
 * - registry entries: both workers' addresses changed to its server, a new fake worker, a
 *   worker's entry copied under other ids, a malformed entry.
 *
 * It asserts that its server receives nothing (no request at all; and in no byte it ever got the
 * token, the Redis password or a key derived from the token), that no forged code runs, that each
 * bad registry entry is skipped with a warning naming it, and that the cluster keeps computing
 * correct results (checked against a sequential reference). Then that nothing the user can print
 * (`util.inspect` at any depth, `console.log`, `JSON.stringify`, `String`, error messages) shows
 * the token or the Redis password.
 */
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { serialize } from 'node:v8';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { needs } from '../system-parts.ts';
import { bag, Client, moduleFunction, type Future } from '../../src/index.ts';
import { JobSealer, sha256 } from '../../src/distributed/redis/codec.ts';
import { encodeValue } from '../../src/distributed/data-plane/encode.ts';
import { frameHead, FrameKind } from '../../src/distributed/data-plane/frames.ts';
import type { RedisCluster } from '../../src/distributed/redis/redis-cluster.ts';
import { ClusterKeys, sign } from '../../src/distributed/redis/signing.ts';
import { parseRedisUrl } from '../../src/distributed/redis/url.ts';
import { shoalVersion } from '../../src/distributed/redis/version.ts';
import { specOf } from '../../src/schedulers/specs.ts';
import type { AnyFn } from '../../src/schedulers/registry.ts';
import { tempDir, waitFor } from '../helpers.ts';
import { startRedis, type TestRedis } from './redis-server.ts';
import { runCli, startWorker, stopAll, TOKEN, type TestWorker } from './workers.ts';

const { test, beforeAll, afterAll } = needs('redis-server');

const countedSquare = moduleFunction<(file: string, x: number) => number>(new URL('../fixtures/fns.ts', import.meta.url), 'countedSquare');

/** The code an attacker wants run: it writes a marker file (a shippable function: it references only globals). */
function pwn(file: string): number {
  (process as unknown as { getBuiltinModule(m: string): typeof import('node:fs') }).getBuiltinModule('node:fs').writeFileSync(file, 'pwned');
  return 1;
}

/** Every form in which the token, the Redis password or a key derived from the token could leak. */
function secretForms(password: string): Buffer[] {
  const derived = ['shoal code signing v1', 'shoal job signing v2', 'shoal registry signing v1', 'shoal data plane v1'].map((l) => createHmac('sha256', TOKEN).update(l).digest());
  return [Buffer.from(TOKEN), Buffer.from(password), ...derived.flatMap((d) => [d, ...(['hex', 'base64', 'base64url'] as const).map((enc) => Buffer.from(d.toString(enc)))])];
}

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Every byte received on the connection (request line, headers, body). */
  raw: Buffer;
}

/**
 * The attacker's server: records every byte it is sent and answers any request the way a data
 * server would, with a stream holding a batch that runs `pwn` (it cannot make the proof).
 */
async function startAttackerServer(marker: string): Promise<{ address: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const raws = new WeakMap<object, Buffer[]>();
  const evil = serialize([[0, { t: 'batch', defs: [[9001, { ...specOf(pwn as AnyFn), sig: 'x' }]], compute: [['pwn-http', 9001, [marker], 0, [0, 0, 0], []]] }]]);
  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (d: Buffer) => body.push(d));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw: Buffer.concat([...(raws.get(req.socket) ?? []), ...body]) });
      res.writeHead(200, { 'content-type': 'application/x-shoal-data', 'x-shoal-proof': Buffer.alloc(32, 1).toString('base64url') });
      for (const c of [frameHead(FrameKind.Value, 0), ...encodeValue(new Uint8Array(evil)).chunks, Buffer.alloc(32), frameHead(FrameKind.End, 0, 1), Buffer.alloc(32)]) res.write(c);
      res.end();
    });
  });
  server.on('connection', (socket) => {
    const parts: Buffer[] = [];
    raws.set(socket, parts);
    socket.on('data', (d: Buffer) => parts.push(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Collect process warnings while `fn` runs. */
async function withWarnings<T>(fn: (warnings: string[]) => Promise<T>): Promise<T> {
  const warnings: string[] = [];
  const on = (e: Error) => warnings.push(e.message);
  process.on('warning', on);
  try {
    return await fn(warnings);
  } finally {
    process.off('warning', on);
  }
}

describe('someone who can write to Redis, without the token', () => {
  let redis: TestRedis;
  let w1: TestWorker;
  let w2: TestWorker;
  let client: Client<RedisCluster>;
  let attacker: Awaited<ReturnType<typeof startAttackerServer>>;
  let r: Redis;
  let dir: string;
  let cleanup: () => void;
  let marker: string;
  const queues: Queue[] = [];
  const queue = (name: string) => {
    const q = new Queue(name, { connection: { host: redis.host, port: redis.port, password: redis.password }, prefix: 'shoal' });
    queues.push(q);
    return q;
  };

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    marker = join(dir, 'pwned');
    redis = await startRedis();
    attacker = await startAttackerServer(marker);
    [w1, w2] = await Promise.all([startWorker(redis.url, ['--nthreads', '1', '--name', 'one']), startWorker(redis.url, ['--nthreads', '1', '--name', 'two'])]);
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 2, setAsDefault: false });
    r = new Redis({ host: redis.host, port: redis.port, password: redis.password, lazyConnect: true });
    await r.connect();
  }, 90_000);

  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    r?.disconnect();
    await client?.close();
    await stopAll();
    await attacker?.close();
    await redis?.stop();
    cleanup?.();
  });

  /** The attacker's server got nothing, and no byte it ever got holds a secret. */
  function expectNothingReachedTheAttacker(): void {
    const all = Buffer.concat(attacker.requests.map((q) => q.raw));
    for (const form of secretForms(redis.password)) expect(all.indexOf(form)).toBe(-1);
    expect(attacker.requests.map((q) => `${q.method} ${q.url} ${q.headers.authorization ?? ''}`)).toEqual([]);
  }

  test('forged instruction jobs (a bulk batch pointing at its server; a made-up seal; a seal from a guessed key) make no worker connect anywhere and run no code', async () => {
    // The payload works: run by the client (signed), the same function writes its file.
    const control = join(dir, 'control');
    expect(await client.submit(pwn, control)).toBe(1);
    expect(readFileSync(control, 'utf8')).toBe('pwned');

    const session = client.cluster.name;
    const guessed = new ClusterKeys('a-guess-at-the-token-0123');
    const batch = [[0, { t: 'batch', defs: [[9002, { ...specOf(pwn as AnyFn), sig: sign(guessed.code, specOf(pwn as AnyFn)) }]], compute: [['pwn-redis', 9002, [marker], 0, [0, 0, 0], []]] }]];
    const bytes = serialize(batch);
    for (const w of [w1, w2]) {
      const name = `s-${session}-${w.id}-0`;
      const q = queue(name);
      const sealer = new JobSealer(guessed.job, name, 'client');
      // What main accepted: a bulk reference to fetch (with the token) before any check.
      await q.add('b', { ref: 'batch-evil-1', at: attacker.address, d: sha256(bytes), from: 'client', n: 1e9, s: Buffer.alloc(32, 9).toString('base64') });
      await q.add('b', sealer.ref('batch-evil-2', attacker.address, bytes));
      await q.add('b', { b: bytes.toString('base64'), from: 'client', n: 1e9, s: Buffer.alloc(32, 9).toString('base64') });
      await q.add('b', sealer.inline(bytes));
      await q.add('b', { b: bytes.toString('base64') }); // unsealed
      await q.add('b', { b: 12345, from: 'client', n: 1e9, s: 'x' }); // not even shaped like a job: dropped, not a reset
    }
    for (const w of [w1, w2]) expect(await waitFor(() => /dropped a job that is not signed with this cluster's token/.test(w.output()), 15_000)).toBe(true);
    // Give anything still in flight time to reach the server (nothing should).
    await sleep(1500);
    expectNothingReachedTheAttacker();
    expect(existsSync(marker)).toBe(false);
    expect(client.cluster.lost).toEqual([]);
    expect(await client.submit((x: number) => x * 3, 14)).toBe(42);
  }, 60_000);

  test('a genuine signed job copied back into its queue (a replay) is not run again', async () => {
    const calls = join(dir, 'calls');
    writeFileSync(calls, '');
    const session = client.cluster.name;
    const names = [w1, w2].map((w) => `s-${session}-${w.id}-0`);
    // Workers stopped, so the job waits in Redis where the attacker reads it.
    for (const w of [w1, w2]) process.kill(w.process.pid!, 'SIGSTOP');
    let copies: unknown[][];
    let f: Future<number>;
    try {
      f = client.submit(countedSquare, calls, 7, { pure: false });
      await sleep(300);
      copies = await Promise.all(names.map(async (n) => (await queue(n).getJobs(['active', 'wait', 'waiting', 'prioritized'])).map((j) => j.data as unknown)));
    } finally {
      for (const w of [w1, w2]) process.kill(w.process.pid!, 'SIGCONT');
    }
    expect(await f!).toBe(49);
    expect(readFileSync(calls, 'utf8')).toBe('x\n');
    expect(copies!.flat().length).toBeGreaterThan(0); // the attacker did get the job
    // Once the result is freed, the worker no longer holds the key: a copy that passed would run
    // the task again (it does on a build without sequence numbers in the seal).
    f!.release();
    await sleep(1000);
    for (let i = 0; i < names.length; i++) for (const data of copies![i]!) await queue(names[i]!).add('b', data);
    await sleep(2000);
    expect(readFileSync(calls, 'utf8')).toBe('x\n'); // once, not twice
    expect(await client.submit((x: number) => x - 1, 43)).toBe(42);
    expectNothingReachedTheAttacker();
  }, 60_000);

  test('forged registry entries (both workers pointed at its server, a fake worker, copies under other ids) are skipped with a warning naming each; peers and the client connect only to verified addresses', async () => {
    await withWarnings(async (warnings) => {
      const real = new Map(await Promise.all([w1, w2].map(async (w) => [w.id, JSON.parse((await r.hget('shoal:workers', w.id))!) as Record<string, unknown>] as const)));
      const forge = async () => {
        const m = r.multi();
        // Each real worker's entry, its address changed (the signature kept as it was).
        for (const [id, rec] of real) m.hset('shoal:workers', id, JSON.stringify({ ...rec, address: attacker.address }));
        // A new worker that does not exist, alive by its heartbeat key.
        m.hset('shoal:workers', 'wfake000', JSON.stringify({ id: 'wfake000', name: 'fake', host: hostname(), pid: process.pid, nthreads: 8, address: attacker.address, version: shoalVersion(), sig: 'Zm9yZ2Vk' }));
        m.set('shoal:hb:wfake000', '1', 'PX', 10_000);
        // One worker's genuine entry filed under another id, as is and with the attacker's address.
        const one = real.get(w1.id)!;
        m.hset('shoal:workers', 'wcopy000', JSON.stringify(one)).set('shoal:hb:wcopy000', '1', 'PX', 10_000);
        m.hset('shoal:workers', 'wcopy001', JSON.stringify({ ...one, id: 'wcopy001', address: attacker.address })).set('shoal:hb:wcopy001', '1', 'PX', 10_000);
        await m.exec();
      };
      // The workers rewrite their own entries every second; the attacker rewrites them faster.
      await forge();
      const loop = setInterval(() => void forge().catch(() => {}), 20);
      try {
        // Two busy tasks (one per worker), then one that needs both: one value crosses between
        // the workers, whose first look-up of the other's address reads a forged entry. A large
        // result is then fetched by the client from its holder's (verified) address.
        const make = (seed: number) => {
          const end = Date.now() + 400;
          while (Date.now() < end);
          return Float64Array.from({ length: 50_000 }, (_, i) => (i % 97) * seed);
        };
        const a = client.submit(make, 2, { pure: false });
        const b = client.submit(make, 3, { pure: false });
        const dot = client.submit((x: Float64Array, y: Float64Array) => x.reduce((s, v, i) => s + v * y[i]!, 0), a, b);
        const big = client.submit((x: Float64Array) => x.map((v) => v + 1), a);
        let want = 0;
        for (let i = 0; i < 50_000; i++) want += (i % 97) * 2 * (i % 97) * 3;
        expect(await dot).toBe(want);
        const got = await big;
        expect([got.length, got[96], got[97]]).toEqual([50_000, 96 * 2 + 1, 1]);
        expect(await waitFor(() => warnings.some((w) => w.includes('"wcopy001"')), 5000)).toBe(true);
      } finally {
        clearInterval(loop);
      }
      const warned = (id: string) => warnings.find((w) => w.startsWith(`skipped the entry "${id}" of the worker registry (shoal:workers): `));
      for (const w of [w1, w2]) expect(warned(w.id)).toMatch(/: it is not signed with this cluster's key \(it says shoal .*\): written by someone without SHOAL_TOKEN.*; no connection is made to it$/);
      expect(warned('wfake000')).toMatch(/it is not signed with this cluster's key/);
      expect(warned('wcopy000')).toContain(`it is filed under "wcopy000" but names worker "${w1.id}"`);
      expect(warned('wcopy001')).toMatch(/it is not signed with this cluster's key/);
      // A peer read a forged entry too, and said so.
      const peers = w1.output() + w2.output();
      expect(peers).toMatch(/shoal worker: skipped the entry "w[0-9a-f]+" of the worker registry .*it is not signed with this cluster's key/);
      // The client never took the fake worker, nor lost the real ones.
      expect(client.cluster.processes.map((p) => p.id).sort()).toEqual([w1.id, w2.id].sort());
      expect(client.cluster.lost).toEqual([]);
      expectNothingReachedTheAttacker();
    });
    await r.hdel('shoal:workers', 'wfake000', 'wcopy000', 'wcopy001');
  }, 90_000);

  test('afterwards the cluster still computes right (a bag pipeline and a tree of futures against sequential references)', async () => {
    const xs = Array.from({ length: 2000 }, (_, i) => i);
    const got = await bag.fromSequence(xs, { npartitions: 16 }).map((x: number) => (x * x) % 1009).filter((x: number) => x % 2 === 0).sum().compute({ scheduler: client });
    let want = 0;
    for (const x of xs) if (((x * x) % 1009) % 2 === 0) want += (x * x) % 1009;
    expect(got).toBe(want);
    const leaves = Array.from({ length: 20 }, (_, i) => client.submit((n: number) => n * n + 1, i));
    const total = client.submit((...v: number[]) => v.reduce((s, x) => s + x, 0), ...leaves);
    expect(await total).toBe(xs.slice(0, 20).reduce((s, i) => s + i * i + 1, 0));
    expect(existsSync(marker)).toBe(false);
    expectNothingReachedTheAttacker();
  }, 60_000);

  test('nothing the user can print shows the token or the Redis password: inspect at any depth, console.log, JSON, String, errors', async () => {
    // A client of its own: at infinite depth a long-used scheduler's task graph prints for
    // minutes (a DAG is expanded along every path); this one has joined both workers, run tasks
    // and fetched a result over HTTP, so its connections, keys and caches are all in place.
    const fresh = await Client.connect(redis.url, { token: TOKEN, nWorkers: 2, setAsDefault: false });
    const f = fresh.submit((n: number) => new Float64Array(n).fill(2), 20_000);
    expect((await f).length).toBe(20_000);
    expect(await fresh.submit((x: number) => x + 1, 1)).toBe(2);
    const shown: string[] = [];
    for (const x of [fresh, fresh.cluster, f, fresh.cluster.target]) {
      shown.push(inspect(x, { depth: Infinity }), inspect(x, { depth: Infinity, showHidden: true, getters: true }), format(x), format('%o', x), String(x), `${x}`);
      try {
        shown.push(JSON.stringify(x) ?? '');
      } catch (e) {
        shown.push(inspect(e, { depth: Infinity })); // a circular structure: its message names only paths
      }
    }
    expect(shown.join('').length).toBeGreaterThan(10_000); // the whole object graph was shown
    // Errors: a refused password, a URL that does not parse, a bad database, the CLI's usage line.
    const wrong = 'not-the-password-but-secret-too';
    const errors = await Promise.all([
      Client.connect(`redis://:${wrong}@127.0.0.1:${redis.port}`, { token: TOKEN, setAsDefault: false }).catch((e: unknown) => e),
      Promise.resolve().then(() => parseRedisUrl(`redis://:${wrong}@127.0.0.1:${redis.port}/db`)).catch((e: unknown) => e),
      Promise.resolve().then(() => parseRedisUrl(`redis://:${wrong}@[nope`)).catch((e: unknown) => e),
    ]);
    for (const e of errors) {
      expect(e).toBeInstanceOf(Error);
      shown.push((e as Error).message, inspect(e, { depth: Infinity, showHidden: true }));
    }
    expect((errors[1] as Error).message).toContain('redis://:***@127.0.0.1');
    const cli = await runCli(['worker', `redis://:${wrong}@127.0.0.1:1`, 'extra']);
    expect(cli.out).toMatch(/one Redis URL expected, got redis:\/\/:\*\*\*@127\.0\.0\.1:1 extra/);
    shown.push(cli.out, w1.output(), w2.output());
    const text = Buffer.from(shown.join('\n'));
    for (const form of [...secretForms(redis.password), Buffer.from(wrong)]) expect(text.indexOf(form)).toBe(-1);
    expect(inspect(fresh.cluster, { depth: Infinity })).toContain('Secret(<redacted>)');
    await fresh.close();
  }, 60_000);
});

describe('bad registry data', () => {
  test('a malformed entry (alive by its heartbeat) is skipped with a warning naming it, not a SyntaxError; Client.connect works', async () => {
    const redis = await startRedis();
    const r = new Redis({ host: redis.host, port: redis.port, password: redis.password, lazyConnect: true });
    let client: Client<RedisCluster> | undefined;
    try {
      await r.connect();
      await startWorker(redis.url, ['--nthreads', '1']);
      await r.multi().hset('shoal:workers', 'wbroken1', '{"id": "wbroken1", not json').set('shoal:hb:wbroken1', '1', 'PX', 60_000).exec();
      await r.multi().hset('shoal:workers', 'wbroken2', '[1, 2]').set('shoal:hb:wbroken2', '1', 'PX', 60_000).exec();
      await withWarnings(async (warnings) => {
        client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 1, setAsDefault: false });
        expect(await client.submit((a: number, b: number) => a + b, 40, 2)).toBe(42);
        expect(warnings).toContain(`skipped the entry "wbroken1" of the worker registry (shoal:workers): it is not JSON (${(() => {
          try {
            JSON.parse('{"id": "wbroken1", not json');
          } catch (e) {
            return (e as Error).message;
          }
        })()}); no connection is made to it`);
        expect(warnings).toContain('skipped the entry "wbroken2" of the worker registry (shoal:workers): it is not a JSON object; no connection is made to it');
        // Said once, not at every poll.
        await sleep(1200);
        expect(warnings.filter((w) => w.includes('"wbroken1"'))).toHaveLength(1);
      });
      expect(client!.cluster.processes).toHaveLength(1);
    } finally {
      await client?.close();
      r.disconnect();
      await stopAll();
      await redis.stop();
    }
  }, 60_000);
});
