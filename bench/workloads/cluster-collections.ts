/**
 * cluster-bag-cheap and cluster-csv-groupby-sum: the `bag-cheap` and `csv-groupby-sum` workloads
 * (same builders, same checks) computed through a Client on a LocalCluster of 2 worker processes,
 * one thread each. The cluster starts once before timing (reported as `cluster_startup_s`), like
 * the pools of the other workloads. Dask distributed here: 28 s and 2.1 s; targets 0.3 s and 1.3 s.
 */
import { Client } from '../../src/index.ts';
import { bagCheap } from './bag-cheap.ts';
import { csvGroupbySum } from './csv.ts';
import type { Workload } from './types.ts';

let started: Promise<{ client: Client; startup: number }> | undefined;

/** One cluster for every cluster workload of this run, closed when the runner is done. */
export function sharedCluster(): Promise<{ client: Client; startup: number }> {
  started ??= (async () => {
    const t = performance.now();
    const client = await Client.start({ processes: true, nWorkers: 2, threadsPerWorker: 1, dashboardAddress: null });
    process.once('beforeExit', () => void client.close());
    return { client, startup: (performance.now() - t) / 1000 };
  })();
  return started;
}

/** `w` run with `scheduler: client` on the shared cluster. */
function onCluster(w: Workload): Workload {
  return {
    schedulers: ['distributed'],
    variants: w.variants,
    async run(ctx) {
      const { client, startup } = await sharedCluster();
      const transfers = client.cluster.server.transfers;
      const r = await w.run({ ...ctx, scheduler: client as unknown as string });
      return { ...r, scheduler: 'distributed', cluster_startup_s: +startup.toFixed(3), transfers: client.cluster.server.transfers - transfers };
    },
    fields: (wall, r) => ({ ...w.fields?.(wall, r), workers: 2, cluster_startup_s: r.cluster_startup_s, transfers: r.transfers }),
  };
}

export const clusterBagCheap = onCluster(bagCheap);
export const clusterCsvGroupbySum = onCluster(csvGroupbySum);
