/**
 * data-plane: fetching one value from a peer's data server over loopback HTTP
 * (src/distributed/data-plane), the way a worker fetches another's result. The server runs in a
 * process of its own (`data-plane-server.ts`), holding the payloads from its first request on;
 * each timed run is one `fetchValues` of one key: a 64 MB and a 256 MB Float64Array, and a
 * dataframe partition of 1M rows (5 columns, ~22 MB of typed arrays). `gb_per_s` is the payload's
 * typed-array bytes (10^9 per GB) over the median wall time. Both processes share the machine's
 * cores, so this is the loopback ceiling of one stream, not a network's.
 * Variant `decode: false` is the baseline: the same request and response over the same agent, its
 * bytes counted and dropped (what HTTP on this machine costs before any decoding, copying or
 * checking of the response's tags; the server still computes them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { dataKey, signRequest } from '../../src/distributed/data-plane/auth.ts';
import { fetchValues, Secret } from '../../src/distributed/data-plane/index.ts';
import { payloadBytes } from './data-plane-payloads.ts';
import type { Workload } from './types.ts';

const TOKEN = randomBytes(16).toString('hex');
const SECRET = new Secret(TOKEN);
let peer: Promise<string> | undefined;
let child: ChildProcess | undefined;

function startPeer(): Promise<string> {
  const script = new URL('./data-plane-server.ts', import.meta.url).pathname;
  child = spawn(process.execPath, ['--import', 'tsx', script, TOKEN], { stdio: ['pipe', 'pipe', 'inherit'] });
  process.once('exit', () => child?.kill());
  return new Promise((resolve, reject) => {
    let out = '';
    child!.stdout!.on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      // Do not keep the benchmark alive: the peer exits when our end of its stdin closes.
      child!.unref();
      (child!.stdout as unknown as { unref(): void }).unref();
      (child!.stdin as unknown as { unref(): void }).unref();
      resolve(out.split('\n')[0]!);
    });
    child!.once('exit', (code) => reject(new Error(`data-plane peer exited (${code})`)));
  });
}

export const dataPlane: Workload = {
  schedulers: ['loopback'],
  variants: [{ payload: 'f64-64MB' }, { payload: 'f64-256MB' }, { payload: 'columns-1M' }, { payload: 'f64-256MB', decode: false }],
  async run({ payload, decode }) {
    const address = await (peer ??= startPeer());
    const key = String(payload);
    if (decode === false) {
      const bytes = await countBytes(address, key);
      return { checksum: bytes, bytes };
    }
    const { values, missing } = await fetchValues(address, [key], SECRET);
    if (missing.length) throw new Error(`data-plane: ${key} missing`);
    const v = values.get(key);
    const bytes = payloadBytes(v);
    // Spot check against how the payload was made (a[i] = i; columns: i32[k] = k).
    const probe = v instanceof Float64Array ? v[v.length - 1]! - (v.length - 1) : (v as { columns: { values: Int32Array }[] }).columns[1]!.values[999_999]! - 999_999;
    if (probe !== 0) throw new Error(`data-plane: ${key} came back wrong`);
    return { checksum: bytes, bytes };
  },
  fields: (wall, result) => ({ mb: +((result.bytes as number) / 2 ** 20).toFixed(1), gb_per_s: +((result.bytes as number) / wall / 1e9).toFixed(3) }),
};

const agent = new Agent({ keepAlive: true });

/** POST /data for `key` and count the response's bytes (frames and all), decoding nothing. */
function countBytes(address: string, key: string): Promise<number> {
  const url = new URL(address);
  const body = Buffer.from(JSON.stringify([key]));
  const { headers } = signRequest(dataKey(SECRET), 'POST', url.host, '/data', body);
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: url.hostname, port: url.port, method: 'POST', path: '/data', headers: { host: url.host, ...headers } }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.byteLength));
      res.on('end', () => resolve(n));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
