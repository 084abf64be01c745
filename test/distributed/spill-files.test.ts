/**
 * Files left on disk (issue 15): spilled values are the user's data, so they are written 0600 in
 * 0700 folders whatever the umask (checked with the umask at 0, under which the old code made
 * them 0666 in 0777 folders), by a LocalCluster's workers, a `shoal worker --local-directory` and
 * the processes scheduler's transfer files; and a cluster killed with `kill -9` leaves its folder,
 * which the next start removes while a live cluster's folder is left alone (Dask's WorkSpace).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Client, compute, delayed, LocalCluster, moduleFunction, shutdown } from '../../src/index.ts';
import { getPool } from '../../src/schedulers/index.ts';
import { OWNER_FILE, ownerAlive, processStart, sweepStale } from '../../src/schedulers/workspace.ts';
import { isAlive, tempDir, waitFor } from '../helpers.ts';
import { startRedis } from '../redis/redis-server.ts';
import { needs } from '../system-parts.ts';

/** The one test here that needs a real redis-server. */
const { test: redisTest } = needs('redis-server');
import { startWorker, stopAll, TOKEN } from '../redis/workers.ts';

const makeBlock = moduleFunction<(n: number, seed: number) => Float64Array>(new URL('./fixtures.ts', import.meta.url), 'block');
const script = new URL('./spill-script.ts', import.meta.url).pathname;
const SPACE = 'shoal-worker-space-';

afterAll(() => shutdown());

/** Permission bits of `path`. */
const mode = (path: string) => statSync(path).mode & 0o777;

/** Every folder and file under `dir` (not `dir` itself) with its permission bits. */
function modesUnder(dir: string): { dirs: Map<string, number>; files: Map<string, number> } {
  const dirs = new Map<string, number>();
  const files = new Map<string, number>();
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, rel);
    (statSync(p).isDirectory() ? dirs : files).set(rel, mode(p));
  }
  return { dirs, files };
}

/** Run `fn` with the process umask at 0 (children started meanwhile inherit it). */
async function withUmask0<T>(fn: () => Promise<T>): Promise<T> {
  const before = process.umask(0);
  try {
    return await fn();
  } finally {
    process.umask(before);
  }
}

/** Persist 16 blocks of 4 MiB on `client` (its workers spill above 0.6 of 64 MiB) and wait until some are on disk. */
async function spillOn(client: Client): Promise<void> {
  const blocks = client.persist(Array.from({ length: 16 }, (_, i) => delayed(makeBlock, { name: 'block' })(2 ** 19, i)));
  expect(await client.gather(client.compute(delayed((...xs: Float64Array[]) => xs.length)(...blocks)))).toBe(16);
  expect(await waitFor(() => client.cluster.workers.some((w) => w.spilled > 0), 20_000)).toBe(true);
}

describe('spill files are 0600 in 0700 folders, whatever the umask', () => {
  test('LocalCluster worker processes', async () => {
    const parent = tempDir();
    try {
      await withUmask0(async () => {
        const client = await Client.start({ nWorkers: 1, threadsPerWorker: 1, memoryLimit: '64MiB', dashboardAddress: null, localDirectory: parent.dir });
        try {
          await spillOn(client);
          const [space, ...others] = readdirSync(parent.dir);
          expect(others).toEqual([]);
          expect(space).toMatch(/^shoal-worker-space-\w{6}$/);
          expect(mode(join(parent.dir, space!))).toBe(0o700);
          const { dirs, files } = modesUnder(join(parent.dir, space!));
          expect(dirs.size).toBeGreaterThan(0); // the worker's own folder (one more if the nanny replaced it)
          expect(new Set(dirs.values())).toEqual(new Set([0o700]));
          const spilled = [...files.keys()].filter((f) => f.endsWith('.bin'));
          expect(spilled.length).toBeGreaterThan(0);
          expect(new Set(files.values())).toEqual(new Set([0o600])); // spill files and the lock
          expect(files.has(OWNER_FILE)).toBe(true);
        } finally {
          await client.close();
        }
        // Closing removes the folder, never the directory it was made in.
        expect(readdirSync(parent.dir)).toEqual([]);
      });
    } finally {
      parent.cleanup();
    }
  }, 90_000);

  redisTest('a shoal worker with --local-directory: a private folder inside it, 0600 spill files; kill -9 leaves it, the next worker sweeps it', async () => {
    const redis = await startRedis();
    const parent = tempDir();
    try {
      const first = await withUmask0(async () => {
        const w = await startWorker(redis.url, ['--nthreads', '1', '--memory-limit', '64MiB', '--local-directory', parent.dir, '--name', 'spiller']);
        const client = await Client.connect(redis.url, { token: TOKEN, nWorkers: 1, setAsDefault: false });
        try {
          const blocks = client.map((i: number) => new Float64Array(2 ** 19).fill(i), Array.from({ length: 16 }, (_, i) => i));
          expect(await client.gather(client.submit((...xs: Float64Array[]) => xs.length, ...blocks))).toBe(16);
          expect(await waitFor(() => client.cluster.workers.some((x) => x.spilled > 0), 20_000)).toBe(true);
          const [space, ...others] = readdirSync(parent.dir);
          expect(others).toEqual([]);
          expect(space).toMatch(/^shoal-worker-space-\w{6}$/);
          expect(mode(join(parent.dir, space!))).toBe(0o700);
          const { dirs, files } = modesUnder(join(parent.dir, space!));
          expect(dirs.size).toBeGreaterThan(0); // <session>/<slot>
          expect(new Set(dirs.values())).toEqual(new Set([0o700]));
          expect([...files.keys()].some((f) => f.endsWith('.bin'))).toBe(true);
          expect(new Set(files.values())).toEqual(new Set([0o600]));
          return { w, space: join(parent.dir, space!) };
        } finally {
          await client.close();
        }
      });
      // kill -9: the folder stays, with the spilled values in it.
      await first.w.stop('SIGKILL');
      expect(existsSync(first.space)).toBe(true);
      // The next worker using the directory removes it; stopped politely, it removes its own.
      const second = await startWorker(redis.url, ['--nthreads', '1', '--memory-limit', '64MiB', '--local-directory', parent.dir, '--name', 'next']);
      expect(existsSync(first.space)).toBe(false);
      expect(readdirSync(parent.dir)).toEqual([expect.stringMatching(/^shoal-worker-space-/)]);
      const code = await second.stop('SIGTERM');
      expect([code, readdirSync(parent.dir)], second.output()).toEqual([0, []]);
    } finally {
      await stopAll();
      await redis.stop();
      parent.cleanup();
    }
  }, 120_000);

  test("the processes scheduler's transfer folder and files", async () => {
    await shutdown();
    await withUmask0(async () => {
      const big = new Float64Array(1 << 17).fill(2); // 1 MiB: above the 256 kB at which values go by file
      const [sum] = await compute(delayed((a: Float64Array) => a.reduce((s, v) => s + v, 0))(delayed(big, { name: 'big' })), { scheduler: 'processes', numWorkers: 2 });
      expect(sum).toBe(2 * (1 << 17));
      const pool = getPool('processes', 2);
      expect(pool.fileTransfers).toBeGreaterThan(0);
      const dir = pool.transferDirectory!;
      expect(mode(dir)).toBe(0o700);
      const left = readdirSync(dir);
      expect(left).toContain(OWNER_FILE);
      for (const f of left) expect([f, mode(join(dir, f))]).toEqual([f, 0o600]);
    });
    await shutdown();
  }, 60_000);
});

describe('stale folders', () => {
  /** Start the spill script; resolves with what it printed once values were on disk. */
  function startProgram(parent: string): Promise<{ child: ChildProcess; space: string; pids: number[] }> {
    const child = spawn(process.execPath, ['--import', 'tsx', script, parent], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the spill script did not report within 60 s:\n${out}${err}`)), 60_000);
      child.stdout!.on('data', () => {
        if (!out.includes('\n')) return;
        clearTimeout(timer);
        const info = JSON.parse(out.split('\n')[0]!) as { space: string; pid: number; workers: number[] };
        resolve({ child, space: info.space, pids: [info.pid, ...info.workers] });
      });
      child.once('exit', (code) => reject(new Error(`the spill script exited (${code}):\n${out}${err}`)));
    });
  }

  test('kill -9 of a cluster leaves its folder; the next start removes it and leaves a live cluster\'s folder alone', async () => {
    const parent = tempDir();
    const programs: { child: ChildProcess; pids: number[] }[] = [];
    try {
      const killed = await startProgram(parent.dir);
      programs.push(killed);
      const live = await startProgram(parent.dir);
      programs.push(live);
      expect(killed.space).not.toBe(live.space);
      expect(readdirSync(killed.space).length).toBeGreaterThan(1);
      // kill -9 of the program and its worker, all at once: nobody gets to clean up.
      process.kill(-killed.child.pid!, 'SIGKILL');
      expect(await waitFor(() => killed.pids.every((p) => !isAlive(p)), 10_000)).toBe(true);
      expect(existsSync(killed.space)).toBe(true);
      expect(readdirSync(killed.space, { recursive: true }).some((f) => String(f).endsWith('.bin'))).toBe(true);
      // The next start sweeps the dead program's folder; the live one's stays, with its files.
      const next = await LocalCluster.start({ processes: false, nWorkers: 1, memoryLimit: '64MiB', dashboardAddress: null, localDirectory: parent.dir });
      try {
        expect(existsSync(killed.space)).toBe(false);
        expect(readdirSync(live.space, { recursive: true }).some((f) => String(f).endsWith('.bin'))).toBe(true);
        const left = readdirSync(parent.dir);
        expect(left).toHaveLength(2); // the live program's and the new cluster's
        expect(left).toContain(live.space.slice(parent.dir.length + 1));
      } finally {
        await next.close();
      }
      expect(existsSync(live.space)).toBe(true);
    } finally {
      for (const p of programs) {
        try {
          process.kill(-p.child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await waitFor(() => programs.every((p) => p.pids.every((q) => !isAlive(q))), 10_000);
      parent.cleanup();
    }
  }, 120_000);

  test('the owner check: a dead pid or a reused pid (another start time) is gone; a live owner, a folder without a lock and other names stay', async () => {
    const parent = tempDir();
    try {
      const dead = spawn(process.execPath, ['-e', '0']);
      await new Promise((r) => dead.once('exit', r));
      const me = processStart(process.pid);
      expect(me).toMatch(/^\d+$/);
      // pid 1 runs for as long as the machine: it is "reused" when the recorded start time differs.
      const folders: Record<string, { pid: number; start: string | null } | null> = {
        [`${SPACE}dead00`]: { pid: dead.pid!, start: '1' },
        [`${SPACE}reused`]: { pid: process.pid, start: String(Number(me) + 1) },
        [`.${SPACE}halfmade`]: { pid: dead.pid!, start: null },
        [`${SPACE}live00`]: { pid: process.pid, start: me! },
        [`${SPACE}nolock`]: null,
        'unrelated-dead00': { pid: dead.pid!, start: '1' },
      };
      for (const [name, owner] of Object.entries(folders)) {
        mkdirSync(join(parent.dir, name));
        writeFileSync(join(parent.dir, name, 'data.bin'), 'x');
        if (owner) writeFileSync(join(parent.dir, name, OWNER_FILE), JSON.stringify(owner));
      }
      expect(ownerAlive({ pid: process.pid, start: me! })).toBe(true);
      expect(ownerAlive({ pid: process.pid, start: '1' })).toBe(false);
      expect(ownerAlive({ pid: dead.pid!, start: null })).toBe(false);
      const removed = sweepStale(parent.dir, SPACE).map((p) => p.slice(parent.dir.length + 1));
      expect(removed.sort()).toEqual([`${SPACE}dead00`, `${SPACE}reused`, `.${SPACE}halfmade`].sort());
      expect(readdirSync(parent.dir).sort()).toEqual([`${SPACE}live00`, `${SPACE}nolock`, 'unrelated-dead00'].sort());
    } finally {
      parent.cleanup();
    }
  });
});
