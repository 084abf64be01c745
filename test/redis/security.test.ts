/**
 * The Redis backend's security defaults, checked against a real redis-server and real workers:
 * URL policy (a plaintext non-loopback Redis is refused with the reason), the token (required,
 * never a flag; data servers answer 401 without it; a client with another token is refused),
 * signed code (unsigned or mismatched definitions are not run), and the version check.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Client, moduleFunction, TaskError } from '../../src/index.ts';
import { tempDir } from '../helpers.ts';
import type { RedisCluster } from '../../src/distributed/redis/redis-cluster.ts';
import { ClusterKeys } from '../../src/distributed/redis/signing.ts';
import { parseRedisUrl } from '../../src/distributed/redis/url.ts';
import { shoalVersion, WIRE } from '../../src/distributed/redis/version.ts';
import { specOf } from '../../src/schedulers/specs.ts';
import type { AnyFn } from '../../src/schedulers/registry.ts';
import { startRedis, type TestRedis } from './redis-server.ts';
import { needs } from '../system-parts.ts';
import { runCli, startWorker, stopAll, TOKEN } from './workers.ts';

const countedSquare = moduleFunction<(file: string, x: number) => number>(new URL('../fixtures/fns.ts', import.meta.url), 'countedSquare');

describe('Redis URL policy', () => {
  test('loopback is accepted as is; the password never shows in the display form', () => {
    const t = parseRedisUrl('redis://:s3cret@127.0.0.1:6380/2');
    expect([t.host, t.port, t.tls, t.display, t.options().password, t.options().db]).toEqual(['127.0.0.1', 6380, false, 'redis://127.0.0.1:6380', 's3cret', 2]);
    expect(parseRedisUrl('redis://localhost').port).toBe(6379);
    expect(parseRedisUrl('redis://[::1]:7000').host).toBe('::1');
  });

  test('a non-loopback plaintext URL is refused with the reason; rediss:// or --insecure (with a password) pass', () => {
    expect(() => parseRedisUrl('redis://:pw@10.0.0.5:6379')).toThrow(/refusing the plaintext Redis URL "redis:\/\/10\.0\.0\.5:6379": its host is not loopback.*rediss:\/\/ \(TLS\), or pass --insecure/);
    expect(() => parseRedisUrl('rediss://10.0.0.5:6379')).toThrow(/a non-loopback Redis must require a password/);
    expect(parseRedisUrl('rediss://:pw@10.0.0.5:6379').options().tls).toEqual({ servername: '10.0.0.5' });
    expect(parseRedisUrl('redis://:pw@10.0.0.5:6379', { insecure: true }).tls).toBe(false);
    expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow(/invalid Redis URL "http:\/\/127\.0\.0\.1:6379": the scheme must be redis: or rediss:/);
    expect(() => parseRedisUrl('not a url')).toThrow(/invalid Redis URL "not a url"/);
  });

  test('the CLI refuses a plaintext remote URL, a missing token and bad flags, naming each', async () => {
    const remote = await runCli(['worker', 'redis://:pw@10.0.0.5:6379']);
    expect(remote.code).not.toBe(0);
    expect(remote.out).toMatch(/refusing the plaintext Redis URL "redis:\/\/10\.0\.0\.5:6379"/);
    const noToken = await runCli(['worker', 'redis://127.0.0.1:1'], {});
    expect(noToken.code).toBe(2);
    expect(noToken.out).toMatch(/set the SHOAL_TOKEN environment variable/);
    const short = await runCli(['worker', 'redis://127.0.0.1:1'], { SHOAL_TOKEN: 'short' });
    expect(short.out).toMatch(/SHOAL_TOKEN is too short/);
    const bad = await runCli(['worker', 'redis://127.0.0.1:1', '--nthreads', '0']);
    expect([bad.code, bad.out.trim()]).toEqual([2, 'shoal worker: invalid --nthreads "0": must be a whole number >= 1']);
    const mem = await runCli(['worker', 'redis://127.0.0.1:1', '--memory-limit', 'lots']);
    expect(mem.out).toMatch(/invalid --memory-limit "lots": must be a size like 8GiB/);
    const listen = await runCli(['worker', 'redis://127.0.0.1:1', '--listen', 'nowhere']);
    expect(listen.out).toMatch(/invalid --listen "nowhere": must be host:port/);
    // --insecure lifts the refusal (this TEST-NET address then simply does not answer).
    const insecure = await runCli(['worker', 'redis://:pw@192.0.2.1:6379', '--insecure']);
    expect([insecure.code, insecure.out]).toEqual([1, expect.stringMatching(/cannot reach Redis at redis:\/\/192\.0\.2\.1:6379/)]);
    const unknown = await runCli(['worker', 'redis://127.0.0.1:1', '--token', 'x']);
    expect(unknown.out).toMatch(/Unknown option '--token'/);
    const help = await runCli(['worker', '--help']);
    expect([help.code, help.out]).toEqual([0, expect.stringMatching(/usage: shoal worker <redis-url>[\s\S]*SHOAL_TOKEN[\s\S]*--local-directory DIR/)]);
  }, 60_000);

  test('Client.connect refuses a plaintext remote URL and a missing token before connecting', async () => {
    await expect(Client.connect('redis://:pw@10.0.0.5:6379', { token: TOKEN })).rejects.toThrow(/refusing the plaintext Redis URL/);
    const saved = process.env.SHOAL_TOKEN;
    delete process.env.SHOAL_TOKEN;
    try {
      await expect(Client.connect('redis://127.0.0.1:1')).rejects.toThrow(/Client.connect needs the cluster token: set the SHOAL_TOKEN/);
    } finally {
      if (saved !== undefined) process.env.SHOAL_TOKEN = saved;
    }
  });
});

describe('tokens, signed code and versions on a real cluster', () => {
  // Without redis-server: skipped with the command that installs it, or failing under CI.
  const { test, beforeAll, afterAll } = needs('redis-server');
  let redis: TestRedis;
  let client: Client<RedisCluster> | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    await stopAll();
    await redis?.stop();
  });

  test('no hang: a Redis that is down or refuses the password, and workers that never come, fail with the reason', async () => {
    await expect(Client.connect('redis://127.0.0.1:1', { token: TOKEN })).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
    const wrong = `redis://:not-the-password@127.0.0.1:${redis.port}`;
    await expect(Client.connect(wrong, { token: TOKEN })).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: WRONGPASS/);
    const down = await runCli(['worker', 'redis://127.0.0.1:1']);
    expect([down.code, down.out]).toEqual([1, expect.stringMatching(/shoal: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/)]);
    await expect(Client.connect(redis.url, { token: TOKEN, nWorkers: 1, timeout: 1, setAsDefault: false })).rejects.toThrow(
      /waited 1 s for 1 workers on redis:\/\/127\.0\.0\.1:\d+, 0 joined: start them with `shoal worker redis:\/\/127\.0\.0\.1:\d+`/,
    );
  }, 30_000);

  test('the Redis password can come from SHOAL_REDIS_PASSWORD, so it is in no process arguments', async () => {
    const bare = `redis://127.0.0.1:${redis.port}`;
    const w = await startWorker(bare, ['--nthreads', '1'], { SHOAL_REDIS_PASSWORD: redis.password });
    const argv = readFileSync(`/proc/${w.process.pid}/cmdline`, 'utf8');
    expect(argv).toContain(bare);
    expect(argv).not.toContain(redis.password);
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 1, setAsDefault: false });
    expect(await client.submit((a: number, b: number) => a * b, 6, 7)).toBe(42);
    await w.stop();
    // Without it (and none in the URL) Redis refuses, and the worker says so.
    const refused = await runCli(['worker', bare], { SHOAL_TOKEN: TOKEN });
    expect([refused.code, refused.out]).toEqual([1, expect.stringMatching(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: NOAUTH/)]);
  }, 60_000);

  test('a data server (on the --listen address) answers 401 without the token or with a wrong one, and serves with it', async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const w = await startWorker(redis.url, ['--nthreads', '1', '--listen', `127.0.0.1:${port}`]);
    expect(w.output()).toContain(`data at http://127.0.0.1:${port}`);
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 1, setAsDefault: false });
    const f = client.submit((n: number) => new Float64Array(n).fill(1.5), 100_000);
    await f;
    const address = client.cluster.processes[0]!.address;
    expect(address).toBe(`http://127.0.0.1:${port}`);
    const body = JSON.stringify([f.key]);
    expect((await fetch(`${address}/data`, { method: 'POST', body })).status).toBe(401);
    expect((await fetch(`${address}/data`, { method: 'POST', body, headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const value = await f;
    expect([value.length, value[99_999]]).toEqual([100_000, 1.5]);
    await w.stop();
  }, 60_000);

  test('a client with another token takes no worker (their registry entries do not check); unsigned and mismatched code is not run', async () => {
    const w = await startWorker(redis.url, ['--nthreads', '1']);
    const warnings: string[] = [];
    const onWarning = (e: Error) => warnings.push(e.message);
    process.on('warning', onWarning);
    try {
      await expect(Client.connect(redis.url, { token: 'another-token-abcdefghijkl', nWorkers: 1, timeout: 3, setAsDefault: false })).rejects.toThrow(
        new RegExp(`0 joined: .*; skipped 1 registry entry \\(${w.id}: it is not signed with this cluster's key \\(it says shoal ${shoalVersion().replace(/[.+]/g, '\\$&')}\\)`),
      );
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toContain(`skipped the entry "${w.id}" of the worker registry (shoal:workers): it is not signed with this cluster's key (it says shoal ${shoalVersion()}): written by someone without SHOAL_TOKEN, a worker with another SHOAL_TOKEN, or another shoal version; no connection is made to it`);
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 1, setAsDefault: false });
    expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
    // Someone with Redis access but not the token cannot end or take over this client's session.
    const { Queue } = await import('bullmq');
    const ctl = new Queue(`ctl-${w.id}`, { connection: { host: redis.host, port: redis.port, password: redis.password }, prefix: 'shoal' });
    try {
      const session = client.cluster.name;
      await ctl.add('bye', { t: 'bye', session, sig: 'forged' });
      await ctl.add('hello', { t: 'hello', session, version: shoalVersion(), attempt: 5, cancelGracePeriod: 0, sig: 'forged' });
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      await ctl.close();
    }
    expect(await client.submit((x: number) => x + 2, 1)).toBe(3);
    expect(client.cluster.lost).toEqual([]);
    expect(client.cluster.processes.map((p) => p.id)).toEqual([w.id]);
    const cluster = client.cluster as unknown as { sigs: Map<number, string>; keys: ClusterKeys; server: RedisCluster['server'] };
    // Unsigned: the definition goes out with an empty signature.
    const unsigned = (x: number) => x * 100;
    cluster.sigs.set(cluster.server.fnId(specOf(unsigned as AnyFn)), '');
    const e1 = await client.submit(unsigned, 3).result().catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(TaskError);
    expect((e1 as Error).message).toMatch(/rejected a shipped function: it is not signed with this cluster's secret/);
    // Mismatched: signed with a key from another token.
    cluster.keys = { ...cluster.keys, code: new ClusterKeys('yet-another-token-0123456789').code };
    const other = (x: number) => x * 1000;
    const e2 = await client.submit(other, 3).result().catch((e: unknown) => e);
    expect((e2 as Error).message).toMatch(/rejected a shipped function: it is not signed/);
    await w.stop();
  }, 60_000);

  test('jobs forged without the token are dropped: a fake result is not taken, a fake instruction is not run', async () => {
    const w = await startWorker(redis.url, ['--nthreads', '1']);
    client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 1, setAsDefault: false });
    const { dir, cleanup } = tempDir();
    const { Queue } = await import('bullmq');
    // What someone with Redis access but without the token can write: the job as it would be, with a made-up seal.
    const pack = (msg: unknown) => ({ b: serialize(msg).toString('base64'), from: 'client', n: 1e6, s: Buffer.alloc(32, 7).toString('base64') });
    const connection = { host: redis.host, port: redis.port, password: redis.password };
    const session = client.cluster.name;
    const events = new Queue(`s-${session}-ev`, { connection, prefix: 'shoal' });
    const orders = new Queue(`s-${session}-${w.id}-0`, { connection, prefix: 'shoal' });
    try {
      const file = join(dir, 'calls');
      writeFileSync(file, '');
      expect(await client.submit(countedSquare, file, 2)).toBe(4); // defines the function on the worker
      expect(readFileSync(file, 'utf8')).toBe('x\n');
      const fnId = client.cluster.server.fnId(specOf(countedSquare as unknown as AnyFn));
      // An instruction to run it again, and a fake result for a task still running.
      await orders.add('b', pack([[0, { t: 'batch', compute: [['forged-key', fnId, [file, 5], 0, [0, 0, 0], []]] }]]));
      const slow = client.submit((ms: number) => new Promise<number>((r) => setTimeout(() => r(ms), ms)), 1500, { pure: false });
      const slot = client.cluster.workers[0]!.id;
      await events.add('ev', pack([{ t: 'slot', slot, msg: { t: 'report', done: [slow.key, 8, 0, 0], inline: [[slow.key, 666]], memory: 0, spilled: 0 } }]));
      expect(await slow).toBe(1500);
      expect(readFileSync(file, 'utf8')).toBe('x\n'); // the forged instruction never ran
      expect(w.output()).toMatch(/dropped a job that is not signed with this cluster's token/);
    } finally {
      await events.close();
      await orders.close();
      cleanup();
      await w.stop();
    }
  }, 60_000);

  test('a worker running another shoal version is refused with both versions named', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const copy = mkdtempSync(join(tmpdir(), 'shoal-version-'));
    try {
      cpSync(join(root, 'src'), join(copy, 'src'), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
      writeFileSync(join(copy, 'package.json'), JSON.stringify({ name: 'shoal', version: '0.0.0-other', type: 'module' }));
      // A client already connected sees it join and refuses it.
      client = await Client.connect(redis.url, { token: TOKEN, setAsDefault: false });
      const waiting = client.cluster.waitForWorkers(1, 30).then(
        () => new Error('joined'),
        (e: unknown) => e,
      );
      await startWorker(redis.url, ['--nthreads', '1', '--name', 'old'], {}, join(copy, 'src/cli/main.ts'));
      expect(((await waiting) as Error).message).toBe(`worker old runs shoal 0.0.0-other+wire.${WIRE} but this client runs shoal ${shoalVersion()}: install the same version on every machine`);
      // A new client refuses to connect at all.
      await expect(Client.connect(redis.url, { token: TOKEN, setAsDefault: false })).rejects.toThrow(`worker old runs shoal 0.0.0-other+wire.${WIRE} but this client runs shoal`);
    } finally {
      await stopAll();
      rmSync(copy, { recursive: true, force: true });
    }
  }, 60_000);
});
