/**
 * Entry point of a child process of the `processes` scheduler. It exits when its parent goes away
 * (the IPC channel closes), so no worker outlives the program that started it, and it then removes
 * the pool's directory of transfer files (`bulk.ts`), which a parent killed outright (Ctrl-C,
 * SIGKILL) cannot do itself.
 */
import { serialize } from 'node:v8';
import { bulkMinFromEnv } from './bulk.ts';
import { watchParent } from './parent-watchdog.ts';
import { acceptedBy, serve } from './worker-main.ts';

const bulkDir = process.env.SHOAL_BULK_DIR;
watchParent(bulkDir || undefined);
serve({
  name: process.env.SHOAL_WORKER_NAME ?? `process-${process.pid}`,
  send: (m) => {
    process.send!(m);
  },
  onMessage: (cb) => process.on('message', cb as (m: unknown) => void),
  canSend: acceptedBy(serialize),
  bulk: bulkDir ? { dir: bulkDir, min: bulkMinFromEnv() } : undefined,
});
