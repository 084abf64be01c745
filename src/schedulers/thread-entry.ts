/** Entry point of a worker thread of the `threads` scheduler. */
import { parentPort, workerData } from 'node:worker_threads';
import { acceptedBy, serve } from './worker-main.ts';

const port = parentPort!;
serve({
  name: (workerData as { name: string }).name,
  send: (m) => port.postMessage(m),
  onMessage: (cb) => port.on('message', cb),
  canSend: acceptedBy(structuredClone),
});
