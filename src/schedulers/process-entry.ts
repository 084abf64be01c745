/**
 * Entry point of a child process of the `processes` scheduler. It exits when its parent goes away
 * (the IPC channel closes), so no worker outlives the program that started it.
 */
import { serialize } from 'node:v8';
import { watchParent } from './parent-watchdog.ts';
import { acceptedBy, serve } from './worker-main.ts';

watchParent();
serve({
  name: process.env.SHOAL_WORKER_NAME ?? `process-${process.pid}`,
  send: (m) => {
    process.send!(m);
  },
  onMessage: (cb) => process.on('message', cb as (m: unknown) => void),
  canSend: acceptedBy(serialize),
});
