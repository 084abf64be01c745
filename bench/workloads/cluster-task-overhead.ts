/**
 * cluster-task-overhead: the task-overhead graph (100 chains of 100 `inc` + one sum, 10,001
 * tasks) on a LocalCluster of 2 worker processes through a Client, fusion off and on. The cluster
 * starts once (its start-up is reported as `cluster_startup_s`, not timed), like the pools.
 */
import { buildChains, TASKS } from './task-overhead.ts';
import type { Workload } from './types.ts';
import { sharedCluster } from './cluster-shared.ts';

export const clusterTaskOverhead: Workload = {
  schedulers: ['distributed'],
  variants: [{ fuse: false }, { fuse: true }],
  async run({ fuse }) {
    const { client, startup } = await sharedCluster();
    const value = await buildChains().compute({ scheduler: client, fuse: fuse as boolean });
    if (value !== 14950) throw new Error(`cluster-task-overhead: expected 14950, got ${value}`);
    return { checksum: value, cluster_startup_s: +startup.toFixed(3), transfers: client.cluster.server.transfers };
  },
  fields: (wall, r) => ({ tasks: TASKS, us_per_task: +((wall * 1e6) / TASKS).toFixed(2), workers: 2, cluster_startup_s: r.cluster_startup_s }),
};
