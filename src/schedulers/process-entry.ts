/**
 * Entry point of a child process of the `processes` scheduler. It exits when its parent goes away
 * (the IPC channel closes), so no worker outlives the program that started it.
 */
import { serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { acceptedBy, serve } from './worker-main.ts';

process.on('disconnect', () => process.exit(0));
// A task busy in a long synchronous loop never sees 'disconnect'. A tiny watchdog thread checks
// the parent every 500 ms and ends this process once the parent is gone (we were re-parented).
const watchdog = new Worker(
  `const { workerData } = require('node:worker_threads');
   setInterval(() => { if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL'); }, 500);`,
  { eval: true, workerData: { ppid: process.ppid }, resourceLimits: { maxOldGenerationSizeMb: 8 } },
);
watchdog.unref();
serve({
  name: process.env.SHOAL_WORKER_NAME ?? `process-${process.pid}`,
  send: (m) => {
    process.send!(m);
  },
  onMessage: (cb) => process.on('message', cb as (m: unknown) => void),
  canSend: acceptedBy(serialize),
});
