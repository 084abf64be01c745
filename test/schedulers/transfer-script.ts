/**
 * A user script run as its own process by the transfer tests:
 *   node --import tsx test/schedulers/transfer-script.ts <quick|long>
 * Prints the pool's transfer directory and worker pids as JSON. `quick` moves large arrays to and
 * from the workers and ends by itself (no shutdown call); `long` keeps large arrays moving back
 * and forth until it is killed.
 */
import { existsSync } from 'node:fs';
import { delayed } from '../../src/index.ts';
import { getPool } from '../../src/schedulers/index.ts';

process.env.SHOAL_BULK_MIN = '1000';
const mode = process.argv[2];
const opts = { scheduler: 'processes', numWorkers: 2 } as const;
const pool = getPool('processes', 2);
await pool.started();
// `existed` is checked here: a quick run may end (and remove the directory) before the test looks.
console.log(JSON.stringify({ dir: pool.transferDirectory, existed: existsSync(pool.transferDirectory!), pids: pool.workers.map((w) => w.channel.pid) }));

const make = delayed((n: number, seed: number) => new Float64Array(n).fill(seed));
const total = delayed((a: Float64Array, b: Float64Array) => a.reduce((s, x) => s + x, 0) + b.reduce((s, x) => s + x, 0));
const input = new Float64Array(1 << 18).fill(1);
const once = () => Promise.all([total(make(1 << 18, 2), make(1 << 18, 3)).compute(opts), delayed((a: Float64Array) => a.map((x) => x + 1))(delayed(input, { name: "input" })).compute(opts)]);
if (mode === 'long') {
  for (;;) await once();
} else {
  const [sum, plus] = await once();
  console.log(JSON.stringify({ sum, plus: (plus as Float64Array)[0], files: pool.fileTransfers }));
}
