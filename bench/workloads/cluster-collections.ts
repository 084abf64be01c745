/**
 * cluster-bag-cheap and cluster-csv-groupby-sum: the `bag-cheap` and `csv-groupby-sum` workloads
 * (same builders, same checks) computed through a Client on a LocalCluster of 2 worker processes,
 * one thread each. The cluster starts once before timing (reported as `cluster_startup_s`), like
 * the pools of the other workloads. Dask distributed here: 28 s and 2.1 s; targets 0.3 s and 1.3 s.
 */
import { readFileSync } from 'node:fs';
import type { Client } from '../../src/index.ts';
import { bagCheap } from './bag-cheap.ts';
import { csvGroupbySum } from './csv.ts';
import type { Workload } from './types.ts';
import { sharedCluster } from './cluster-shared.ts';

/** CPU seconds (user + system) the worker processes have used so far (Linux /proc; clock ticks of 10 ms). */
function workerCpuSeconds(client: Client): number {
  let ticks = 0;
  for (const w of client.cluster.workers) {
    const fields = readFileSync(`/proc/${w.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  }
  return ticks / 100;
}

/**
 * `w` run with `scheduler: client` on the shared cluster. Reported besides wall time: the workers'
 * CPU seconds for the run (`worker_cpu_s`), which on a shared machine says what the run would take
 * with both cores to itself (about worker_cpu_s / 2 when the work spreads evenly).
 */
function onCluster(w: Workload): Workload {
  return {
    schedulers: ['distributed'],
    variants: w.variants,
    async run(ctx) {
      const { client, startup } = await sharedCluster();
      const transfers = client.cluster.server.transfers;
      const cpu0 = workerCpuSeconds(client);
      const r = await w.run({ ...ctx, scheduler: client as unknown as string });
      const workerCpu = workerCpuSeconds(client) - cpu0;
      return { ...r, scheduler: 'distributed', cluster_startup_s: +startup.toFixed(3), transfers: client.cluster.server.transfers - transfers, workerCpu };
    },
    fields: (wall, r) => ({ ...w.fields?.(wall, r), workers: 2, cluster_startup_s: r.cluster_startup_s, transfers: r.transfers, worker_cpu_s_last: +(r.workerCpu as number).toFixed(2) }),
  };
}

export const clusterBagCheap = onCluster(bagCheap);
export const clusterCsvGroupbySum = onCluster(csvGroupbySum);
