/** Entry point of a distributed worker thread (LocalCluster with `processes: false`). */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.ts';
import { serveWorker, type WorkerOptions } from './worker-main.ts';

const port = parentPort!;
const data = workerData as WorkerOptions & { name: string; preload?: string[] };
// `shoal worker --preload`: user modules loaded before the first task (their side effects, warm imports).
for (const m of data.preload ?? []) await import(m);
serveWorker(
  {
    name: data.name,
    send: (m: FromWorker) => port.postMessage(m),
    onMessage: (cb: (m: ToWorker) => void) => port.on('message', cb),
  },
  { nthreads: data.nthreads, share: true, memoryLimit: data.memoryLimit, spillDir: data.spillDir, inlineBytes: data.inlineBytes },
);
