/**
 * The Redis backend's workloads (issue 8), on `shoal worker` processes joined through a real
 * redis-server on this machine (redis-shared.ts; run `npm run build` first):
 * - redis-task-overhead: the task-overhead graph (100 chains of 100 `inc` + a sum, 10,001 tasks)
 *   on 2 workers, fusion off and on. Dask distributed ~1,170 µs/task; target <= 500.
 * - redis-csv-groupby-sum: csv-groupby-sum (`npm run bench:data`) on a LocalCluster of 2 worker
 *   processes and then on 2 Redis-joined workers, in the same run; the Redis line reports the
 *   ratio to the LocalCluster's median. Target <= 1.5.
 * - redis-recovery: a 10,000-task graph on 3 workers, undisturbed and then with one worker
 *   SIGKILLed after 30% of the tasks; reports both times and how long the loss took to notice.
 *   Target: disturbed <= 2 × undisturbed + 6 s.
 */
import { delayed, type Delayed } from '../../src/index.ts';
import { median } from '../stats.ts';
import { sharedCluster } from './cluster-shared.ts';
import { csvGroupbySum } from './csv.ts';
import { redisCluster, stopRedisCluster } from './redis-shared.ts';
import { buildChains, TASKS } from './task-overhead.ts';
import type { Workload } from './types.ts';

export const redisTaskOverhead: Workload = {
  schedulers: ['distributed'],
  variants: [{ fuse: false }, { fuse: true }],
  async run({ fuse }) {
    const { client, startup } = await redisCluster(2);
    const value = await buildChains().compute({ scheduler: client, fuse: fuse as boolean });
    if (value !== 14950) throw new Error(`redis-task-overhead: expected 14950, got ${value}`);
    return { checksum: value, cluster_startup_s: +startup.toFixed(3), transfers: client.cluster.server.transfers };
  },
  fields: (wall, r) => ({ tasks: TASKS, us_per_task: +((wall * 1e6) / TASKS).toFixed(2), workers: 2, cluster_startup_s: r.cluster_startup_s }),
  teardown: stopRedisCluster,
};

let localWall: number | undefined;
export const redisCsvGroupbySum: Workload = {
  schedulers: ['distributed'],
  variants: [{ cluster: 'local' }, { cluster: 'redis' }],
  async run(ctx) {
    const client = ctx.cluster === 'local' ? (await sharedCluster()).client : (await redisCluster(2)).client;
    return csvGroupbySum.run({ ...ctx, scheduler: client as unknown as string });
  },
  fields(wall, r) {
    const base = csvGroupbySum.fields!(wall, r);
    // The LocalCluster line comes first; the Redis line reports its ratio to it.
    if (localWall === undefined) {
      localWall = wall;
      return { ...base, workers: 2 };
    }
    const out = { ...base, workers: 2, local_wall_s: +localWall.toFixed(3), ratio_to_local: +(wall / localWall).toFixed(2) };
    localWall = undefined;
    return out;
  },
  teardown: stopRedisCluster,
};

/** 100 chains of 99 mixing steps + a final fold: 10,001 tasks, different per `nonce`. */
function graph(nonce: number): Delayed<number> {
  const ends: Delayed<number>[] = [];
  for (let c = 0; c < 100; c++) {
    let x = delayed((v: number) => v + 1)(c + nonce * 1000);
    for (let k = 1; k < 100; k++) x = delayed((v: number, m: number) => (v * 3 + m) % 1_000_003)(x, k);
    ends.push(x);
  }
  return delayed((xs: number[]) => xs.reduce((a, b) => (a * 7 + b) % 1_000_003, 0))(ends);
}

const recovery = { undisturbed: [] as number[], disturbed: [] as number[], detect: [] as number[] };
let nonce = 0;
export const redisRecovery: Workload = {
  schedulers: ['distributed'],
  async run() {
    const c = await redisCluster(3);
    while (c.client.cluster.processes.length < 3) await c.addWorker();
    const n = ++nonce;
    const expected = await graph(n).compute({ scheduler: 'sync' });
    let t = performance.now();
    const quiet = await graph(n).compute({ scheduler: c.client, fuse: false });
    recovery.undisturbed.push((performance.now() - t) / 1000);
    const victimId = c.client.cluster.processes[0]!.id;
    let done = 0;
    let killedAt = 0;
    t = performance.now();
    const hit = await graph(n).compute({
      scheduler: c.client,
      fuse: false,
      callbacks: [
        {
          posttask: () => {
            if (++done === 3000) {
              killedAt = Date.now();
              c.workers.get(victimId)!.kill('SIGKILL');
            }
          },
        },
      ],
    });
    recovery.disturbed.push((performance.now() - t) / 1000);
    if (quiet !== expected || hit !== expected) throw new Error(`redis-recovery: expected ${expected}, got ${quiet} and ${hit}`);
    for (let i = 0; i < 100 && !c.client.cluster.lost.some((l) => l.worker === victimId); i++) await new Promise((r) => setTimeout(r, 100));
    const lost = c.client.cluster.lost.find((l) => l.worker === victimId);
    recovery.detect.push(lost ? (lost.at - killedAt) / 1000 : NaN);
    c.workers.delete(victimId);
    return { checksum: hit };
  },
  fields() {
    // The first run is the runner's warm-up: left out.
    const u = median(recovery.undisturbed.slice(1));
    const d = median(recovery.disturbed.slice(1));
    const out = {
      tasks: 10_001,
      workers: 3,
      undisturbed_s: +u.toFixed(3),
      disturbed_s: +d.toFixed(3),
      detect_s: +median(recovery.detect.slice(1)).toFixed(3),
      target_s: +(2 * u + 6).toFixed(3),
      within_target: d <= 2 * u + 6,
    };
    recovery.undisturbed = [];
    recovery.disturbed = [];
    recovery.detect = [];
    return out;
  },
  teardown: stopRedisCluster,
};
