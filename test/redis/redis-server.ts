/**
 * A real redis-server for the tests (Debian's package, installed by .ci/run): on 127.0.0.1, a free
 * port, a random password, no persistence. `stop()` kills it by pid; a test file that starts one
 * stops it in `afterAll`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
import { partBin } from '../system-parts.ts';

export interface TestRedis {
  host: string;
  port: number;
  password: string;
  /** `redis://:password@127.0.0.1:port` */
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A port nothing listens on right now (the caller may still race another process for it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Start redis-server and wait until it accepts connections (retrying on a port race). */
export async function startRedis(): Promise<TestRedis> {
  let lastErr = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const password = randomBytes(12).toString('hex');
    const child = spawn(
      partBin('redis-server'),
      ['--bind', '127.0.0.1', '--port', String(port), '--requirepass', password, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let exitCode: number | null | undefined;
    void exited.then((c) => (exitCode = c));
    const t0 = Date.now();
    while (Date.now() - t0 < 5000 && exitCode === undefined) {
      if (await canConnect(port)) {
        const stop = async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL');
            await exited;
          }
        };
        return { host: '127.0.0.1', port, password, url: `redis://:${password}@127.0.0.1:${port}`, process: child, stop };
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await exited;
    lastErr = out;
  }
  throw new Error(`redis-server did not start (is the Debian package redis-server installed?):\n${lastErr}`);
}
