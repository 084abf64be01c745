/** One LocalCluster (2 worker processes, one thread each) for every cluster workload of a run. */
import { Client } from '../../src/index.ts';

let started: Promise<{ client: Client; startup: number }> | undefined;

/** Start it on first use (its start-up time is reported, not timed); closed when the runner is done. */
export function sharedCluster(): Promise<{ client: Client; startup: number }> {
  started ??= (async () => {
    const t = performance.now();
    const client = await Client.start({ processes: true, nWorkers: 2, threadsPerWorker: 1, dashboardAddress: null });
    process.once('beforeExit', () => void client.close());
    return { client, startup: (performance.now() - t) / 1000 };
  })();
  return started;
}
