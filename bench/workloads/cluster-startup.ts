/**
 * cluster-startup: start a LocalCluster of 2 worker processes, run one task, close it (no process
 * left). Dask: 0.8 s here; target ≤ 0.4 s. Variant `from`: the cluster of the TypeScript sources
 * (workers load tsx, whose ESM loader thread costs 0.5-1 s per process) or of the built `dist/`
 * (`npm run build` first; its workers never load tsx unless a task needs a .ts module).
 */
import { existsSync } from 'node:fs';
import * as source from '../../src/index.ts';
import type { Workload } from './types.ts';

const DIST = new URL('../../dist/index.js', import.meta.url);

async function shoal(from: unknown): Promise<typeof source> {
  if (from !== 'dist') return source;
  if (!existsSync(DIST)) throw new Error('cluster-startup from dist: run `npm run build` first');
  return (await import(DIST.href)) as typeof source;
}

export const clusterStartup: Workload = {
  schedulers: ['distributed'],
  variants: [{ from: 'src' }, { from: 'dist' }],
  async run({ from }) {
    const { Client } = await shoal(from);
    const client = await Client.start({ processes: true, nWorkers: 2, threadsPerWorker: 1, dashboardAddress: null });
    const value = await client.submit((x: number) => x + 1, 1);
    await client.close();
    if (value !== 2) throw new Error(`cluster-startup: expected 2, got ${value}`);
    return { checksum: value };
  },
};
