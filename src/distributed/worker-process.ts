/**
 * Entry point of a distributed worker process (LocalCluster with `processes: true`). Its options
 * come in the environment; it exits when the cluster's process goes away.
 */
import { watchParent } from '../schedulers/parent-watchdog.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { serveWorker } from './worker-main.ts';

watchParent();
const env = process.env;
serveWorker(
  {
    name: env.SHOAL_WORKER_NAME ?? `worker-${process.pid}`,
    send: (m: FromWorker) => {
      process.send!(m);
    },
    onMessage: (cb: (m: ToWorker) => void) => process.on('message', cb as (m: unknown) => void),
  },
  {
    nthreads: Number(env.SHOAL_NTHREADS ?? 1),
    share: false,
    memoryLimit: env.SHOAL_MEMORY_LIMIT ? Number(env.SHOAL_MEMORY_LIMIT) : undefined,
    spillDir: env.SHOAL_SPILL_DIR || undefined,
  },
);
