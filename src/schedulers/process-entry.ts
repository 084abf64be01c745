/**
 * Entry point of a child process of the `processes` scheduler. It exits when its parent goes away
 * (the IPC channel closes), so no worker outlives the program that started it, and it then removes
 * the pool's directory of transfer files (`bulk.ts`), which a parent killed outright (Ctrl-C,
 * SIGKILL) cannot do itself.
 */
import { serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { bulkMinFromEnv, removeBulkDir } from './bulk.ts';
import { acceptedBy, serve } from './worker-main.ts';

const bulkDir = process.env.SHOAL_BULK_DIR;

process.on('disconnect', () => {
  // The channel closes only when the parent exits or dies (a pool that closes kills its workers).
  if (bulkDir) removeBulkDir(bulkDir);
  process.exit(0);
});
// Ctrl-C reaches the whole process group. The parent decides: if it dies, the channel closes and
// this process cleans up and exits (above, or through the watchdog when busy); if it handles the
// signal and carries on, its workers carry on too.
process.on('SIGINT', () => {});
// A task busy in a long synchronous loop never sees 'disconnect'. A tiny watchdog thread checks
// the parent every 500 ms and ends this process once the parent is gone (we were re-parented).
const watchdog = new Worker(
  `const { workerData } = require('node:worker_threads');
   const { rmSync } = require('node:fs');
   setInterval(() => {
     if (process.ppid === workerData.ppid) return;
     if (workerData.bulkDir) try { rmSync(workerData.bulkDir, { recursive: true, force: true, maxRetries: 3 }); } catch {}
     process.kill(process.pid, 'SIGKILL');
   }, 500);`,
  { eval: true, workerData: { ppid: process.ppid, bulkDir }, resourceLimits: { maxOldGenerationSizeMb: 8 } },
);
watchdog.unref();
serve({
  name: process.env.SHOAL_WORKER_NAME ?? `process-${process.pid}`,
  send: (m) => {
    process.send!(m);
  },
  onMessage: (cb) => process.on('message', cb as (m: unknown) => void),
  canSend: acceptedBy(serialize),
  bulk: bulkDir ? { dir: bulkDir, min: bulkMinFromEnv() } : undefined,
});
