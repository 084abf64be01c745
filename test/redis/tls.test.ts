/**
 * rediss:// end to end: a real redis-server speaking only TLS (a test-only CA and a certificate
 * for 127.0.0.1, fixtures/tls/), a `shoal worker` trusting that CA through NODE_EXTRA_CA_CERTS,
 * and `Client.connect(url, { tls: { ca } })`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Client } from '../../src/index.ts';
import { startWorker, stopAll, TOKEN } from './workers.ts';
import { needs, partBin } from '../system-parts.ts';

// Without redis-server: skipped with the command that installs it, or failing under CI.
const { afterAll, beforeAll, test } = needs('redis-server');

const TLS = fileURLToPath(new URL('./fixtures/tls/', import.meta.url));
let server: ChildProcess | undefined;
let url = '';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const f = (n: string) => join(TLS, n);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  server = spawn(
    partBin('redis-server'),
    ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key'), '--tls-ca-cert-file', f('ca.crt'), '--tls-auth-clients', 'no', '--requirepass', password, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  url = `rediss://:${password}@127.0.0.1:${port}`;
  // Up once its TLS port accepts connections.
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((r) => {
      const c = createConnection({ host: '127.0.0.1', port });
      c.once('connect', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 25));
  }
}, 30_000);

afterAll(async () => {
  await stopAll();
  if (server && server.exitCode === null) {
    const gone = new Promise((r) => server!.once('exit', r));
    server.kill('SIGKILL');
    await gone;
  }
});

test('a worker and a client join through rediss:// and compute; without the CA the client is refused with the reason', async () => {
  const ca = readFileSync(join(TLS, 'ca.crt'), 'utf8');
  await startWorker(url, ['--nthreads', '1'], { NODE_EXTRA_CA_CERTS: join(TLS, 'ca.crt') });
  const client = await Client.connect(url, { token: TOKEN, tls: { ca }, nWorkers: 1, setAsDefault: false });
  try {
    expect(String(client)).toMatch(/^<Client: 'rediss:\/\/127\.0\.0\.1:\d+' processes=1 threads=1, memory=/);
    expect(await client.gather(client.map((x: number) => x * x, [1, 2, 3]))).toEqual([1, 4, 9]);
    const big = await client.submit((n: number) => new Float64Array(n).fill(3), 100_000);
    expect(big[99_999]).toBe(3);
  } finally {
    await client.close();
  }
  await expect(Client.connect(url, { token: TOKEN })).rejects.toThrow(/cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+: .*(self-signed|unable to verify|certificate)/);
}, 60_000);
