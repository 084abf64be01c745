/**
 * Resilience with real processes: a killed worker is replaced and what it held is recomputed from
 * the graph (chaos test); a task that kills every worker it runs on fails with KilledWorkerError
 * after exactly allowedFailures deaths; the cluster stays usable.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client, delayed, KilledWorkerError, LocalCluster, moduleFunction, TaskError, type Delayed } from '../../src/index.ts';
import { isAlive, tempDir, waitFor } from '../helpers.ts';

const fx = new URL('./fixtures.ts', import.meta.url);
const killSelf = moduleFunction<(file: string) => number>(fx, 'killSelf');

/**
 * 100 columns × 100 rows: each cell combines two cells of the row before (so results move
 * between workers and a lost one has dependents elsewhere), then one sum: 10,001 tasks.
 */
function lattice(): Delayed<number> {
  const step = (a: number, b: number, r: number) => (a * 31 + b + r) % 1_000_003;
  let row: Delayed<number>[] = Array.from({ length: 100 }, (_, c) => delayed((x: number) => x * 7 + 1, { name: 'root' })(c));
  for (let r = 1; r < 100; r++) row = row.map((_, c) => delayed(step, { name: `cell${r}` })(row[c]!, row[(c + 1) % 100]!, r));
  return delayed((xs: number[]) => xs.reduce((s, x) => (s + x) % 1_000_003, 0), { name: 'total' })(row);
}

let cluster: LocalCluster;
let client: Client;
beforeAll(async () => {
  cluster = await LocalCluster.start({ nWorkers: 4, threadsPerWorker: 1, dashboardAddress: null });
  client = new Client(cluster);
});
afterAll(async () => {
  await client.close();
  await cluster.close();
});

test('chaos: kill 1 of 4 workers at ~30% of a 10,000-task graph; the result equals sync', async () => {
  const graph = lattice();
  const expected = await graph.compute({ scheduler: 'sync' });
  let finished = 0;
  let killed: number | undefined;
  const listener = {
    taskFinished: () => {
      if (++finished === 3000 && killed === undefined) {
        // The busiest worker dies mid-graph, holding results others need.
        const victim = [...cluster.server.state.workers.values()].sort((a, b) => b.hasWhat.size - a.hasWhat.size)[0]!;
        killed = cluster.workers.find((w) => w.id === victim.id)!.pid;
        process.kill(killed, 'SIGKILL');
      }
    },
  };
  cluster.server.listeners.add(listener);
  try {
    const value = await graph.compute({ fuse: false });
    expect(value).toBe(expected);
  } finally {
    cluster.server.listeners.delete(listener);
  }
  expect(killed).toBeDefined();
  expect(isAlive(killed!)).toBe(false);
  expect(cluster.server.state.counts.workersLost).toBeGreaterThanOrEqual(1);
  // The nanny replaced it.
  expect(await waitFor(() => cluster.workers.length === 4)).toBe(true);
  expect(cluster.restarts).toBeGreaterThanOrEqual(1);
  // Nothing is left behind on the scheduler.
  expect(await waitFor(() => cluster.server.state.tasks.size === 0)).toBe(true);
}, 120_000);

test('a task that kills its worker every time fails with KilledWorkerError after exactly 3 deaths', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'deaths');
    const restartsBefore = cluster.restarts;
    const f = client.submit(killSelf, file);
    const err = (await f.exception()) as KilledWorkerError;
    expect(err).toBeInstanceOf(KilledWorkerError);
    expect(err.code).toBe('ERR_SHOAL_KILLED_WORKER');
    expect(err.key).toBe(f.key);
    expect(err.deaths).toBe(3);
    expect(err.message).toContain(f.key);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    await expect(f.result()).rejects.toBeInstanceOf(KilledWorkerError);
    // Every dead worker was replaced, and the cluster still computes.
    expect(await waitFor(() => cluster.workers.length === 4 && cluster.restarts === restartsBefore + 3)).toBe(true);
    expect(await client.gather(client.map((x: number) => x * 2, [1, 2, 3]))).toEqual([2, 4, 6]);
  } finally {
    cleanup();
  }
});

test('a worker dying between tasks: held results needed later are recomputed', async () => {
  const a = client.submit((x: number) => x + 1, 41, { pure: false });
  await a;
  const holder = cluster.server.state.whoHas(a.key)[0]!;
  const pid = cluster.workers.find((w) => w.id === holder)!.pid;
  process.kill(pid, 'SIGKILL');
  await waitFor(() => !cluster.workers.some((w) => w.pid === pid));
  // The key is recomputed from its task on another worker; the future still resolves.
  expect(await client.submit((x: number) => x * 2, a)).toBe(84);
  expect(await a.result()).toBe(42);
});

test('an input that cannot be sent to another worker fails its dependents clearly (no retry loop)', async () => {
  await waitFor(() => cluster.server.state.workers.size === 4); // replacements from the tests above are up
  const bad = client.submit(() => ({ fn: () => 1 }), { pure: false });
  await bad.whenDone();
  const holder = cluster.server.state.whoHas(bad.key)[0]!;
  const elsewhere = cluster.workers.find((w) => w.id !== holder)!.id;
  // The other input is large and lives elsewhere, so `bad` is the one that must move.
  const [big] = client.scatter([new Float64Array(1e6)], { workers: [elsewhere] });
  const dep = client.submit((o: { fn: () => number }, a: Float64Array) => o.fn() + a.length, bad, big);
  const err = await dep.exception();
  expect(err).toBeInstanceOf(TaskError);
  expect(err!.message).toMatch(/cannot be sent between threads\/processes/);
  expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
});
