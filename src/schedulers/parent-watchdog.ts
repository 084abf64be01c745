/**
 * Child processes end when their parent goes away. The IPC channel closing ('disconnect') covers
 * an idle child; a task busy in a long synchronous loop never sees it, so a tiny watchdog thread
 * checks the parent every 500 ms and ends this process once the parent is gone (we were
 * re-parented). Used by the `processes` scheduler's workers and by distributed workers.
 */
import { Worker } from 'node:worker_threads';

export function watchParent(): void {
  process.on('disconnect', () => process.exit(0));
  const watchdog = new Worker(
    `const { workerData } = require('node:worker_threads');
     setInterval(() => { if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL'); }, 500);`,
    { eval: true, workerData: { ppid: process.ppid }, resourceLimits: { maxOldGenerationSizeMb: 8 } },
  );
  watchdog.unref();
}
