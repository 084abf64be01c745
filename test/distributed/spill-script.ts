/**
 * A user program run as its own process by the spill-folder tests:
 *   node --import tsx test/distributed/spill-script.ts <parent directory>
 * Starts a LocalCluster with one worker process whose memory limit forces spilling into a
 * folder under <parent>, and prints that folder, its own pid and the worker's pid as JSON once
 * values are on disk. Then it waits until it is killed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, delayed, moduleFunction } from '../../src/index.ts';

const parent = process.argv[2]!;
const makeBlock = moduleFunction<(n: number, seed: number) => Float64Array>(new URL('./fixtures.ts', import.meta.url), 'block');
const client = await Client.start({ nWorkers: 1, threadsPerWorker: 1, memoryLimit: '64MiB', dashboardAddress: null, localDirectory: parent });
// 16 blocks of 4 MiB on a worker that spills above 0.6 × 64 MiB.
const blocks = client.persist(Array.from({ length: 16 }, (_, i) => delayed(makeBlock, { name: 'block' })(2 ** 19, i)));
await client.gather(client.compute(delayed((...xs: Float64Array[]) => xs.length)(...blocks)));
while (client.cluster.workers[0]!.spilled === 0) await new Promise((r) => setTimeout(r, 50));
// Its own folder: the one whose lock names this process (other programs may share the parent).
const space = readdirSync(parent)
  .map((n) => join(parent, n))
  .find((d) => existsSync(join(d, '.owner')) && JSON.parse(readFileSync(join(d, '.owner'), 'utf8')).pid === process.pid);
console.log(JSON.stringify({ space, pid: process.pid, workers: client.cluster.workers.map((w) => w.pid) }));
setInterval(() => {}, 1000);
