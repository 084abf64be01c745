/**
 * Child processes end when their parent goes away. The IPC channel closing ('disconnect') covers
 * an idle child; a task busy in a long synchronous loop never sees it, so a tiny watchdog thread
 * checks the parent every 500 ms and ends this process once the parent is gone (we were
 * re-parented). Either way the child removes `cleanupDir` (the pool's transfer files, `bulk.ts`),
 * which a parent killed outright (Ctrl-C, SIGKILL) cannot do itself. Used by the `processes`
 * scheduler's workers and by distributed workers.
 *
 * Ctrl-C reaches the whole process group. The parent decides: if it dies, the channel closes and
 * this process cleans up and exits; if it handles the signal and carries on, its workers carry on.
 */
import { Worker } from 'node:worker_threads';
import { removeBulkDir } from './bulk.ts';

export function watchParent(cleanupDir?: string): void {
  process.on('disconnect', () => {
    // The channel closes only when the parent exits or dies (a pool that closes kills its workers).
    if (cleanupDir) removeBulkDir(cleanupDir);
    process.exit(0);
  });
  process.on('SIGINT', () => {});
  const watchdog = new Worker(
    `const { workerData } = require('node:worker_threads');
     const { rmSync } = require('node:fs');
     setInterval(() => {
       if (process.ppid === workerData.ppid) return;
       if (workerData.cleanupDir) try { rmSync(workerData.cleanupDir, { recursive: true, force: true, maxRetries: 3 }); } catch {}
       process.kill(process.pid, 'SIGKILL');
     }, 500);`,
    { eval: true, workerData: { ppid: process.ppid, cleanupDir }, resourceLimits: { maxOldGenerationSizeMb: 8 } },
  );
  watchdog.unref();
}
