/**
 * The peer for the `data-plane` workload: a data server in a process of its own (as a worker on
 * another machine would be), holding the workload's payloads. Prints its address on stdout; exits
 * when its stdin closes (the benchmark ended or died). The token is argv[2].
 */
import { Secret, startDataServer } from '../../src/distributed/data-plane/index.ts';
import { makePayload } from './data-plane-payloads.ts';

const held = new Map<string, unknown>();
const server = await startDataServer({
  host: '127.0.0.1',
  port: 0,
  secret: new Secret(process.argv[2]!),
  lookup(key) {
    if (!held.has(key)) held.set(key, makePayload(key));
    return held.get(key);
  },
});
process.stdout.write(`${server.address}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
