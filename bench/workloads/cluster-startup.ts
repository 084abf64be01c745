/**
 * cluster-startup: start a LocalCluster of 2 worker processes, run one task, close it (no process
 * left). Dask: 0.8 s here; target ≤ 0.4 s.
 */
import { Client } from '../../src/index.ts';
import type { Workload } from './types.ts';

export const clusterStartup: Workload = {
  schedulers: ['distributed'],
  async run() {
    const client = await Client.start({ processes: true, nWorkers: 2, threadsPerWorker: 1, dashboardAddress: null });
    const value = await client.submit((x: number) => x + 1, 1);
    await client.close();
    if (value !== 2) throw new Error(`cluster-startup: expected 2, got ${value}`);
    return { checksum: value };
  },
};
