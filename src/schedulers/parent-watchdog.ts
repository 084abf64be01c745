/**
 * Child processes end when their parent goes away, silently. The IPC channel closing
 * ('disconnect') covers an idle child; a task busy in a long synchronous loop never sees it, so a
 * tiny watchdog thread checks the parent every 500 ms and ends this process once the parent is
 * gone (we were re-parented). Either way the child removes `cleanupDir` (the pool's transfer
 * files, `bulk.ts`), which a parent killed outright (Ctrl-C, SIGKILL) cannot do itself. Used by
 * the `processes` scheduler's workers and by distributed workers.
 *
 * A program that finishes quickly often exits before all of its workers have booted, or while a
 * worker is sending a last report. So the parent may be gone before this module runs (its
 * 'disconnect' was emitted while nobody listened), and a send may meet a closed or broken channel
 * (Node reports ERR_IPC_CHANNEL_CLOSED or EPIPE as an 'error' event on `process`, which would
 * print a stack on the terminal the program shared with us). Each of these means the same thing
 * as 'disconnect': nobody hears us any more; we clean up and exit without a word.
 *
 * Ctrl-C reaches the whole process group. The parent decides: if it dies, the channel closes and
 * this process cleans up and exits; if it handles the signal and carries on, its workers carry on.
 */
import { Worker } from 'node:worker_threads';
import { removeBulkDir } from './bulk.ts';

export function watchParent(cleanupDir?: string): void {
  const parentGone = () => {
    if (cleanupDir) removeBulkDir(cleanupDir);
    process.exit(0);
  };
  // The channel closes only when the parent exits or dies (a pool that closes kills its workers).
  process.on('disconnect', parentGone);
  // Only the IPC channel emits 'error' on `process`: a message that can no longer be delivered.
  process.on('error', parentGone);
  if (!process.connected) {
    parentGone(); // it left while this process was still loading
    return;
  }
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
