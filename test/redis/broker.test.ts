/**
 * `shoal broker` with a real redis-server: the configuration it promises (password, protected mode,
 * noeviction, loopback, no persistence) is what redis reports; the password is never in a process's
 * argv or redis's environment; SIGTERM / SIGINT stop both processes; unsafe or impossible requests
 * fail with a reason. Runs the CLI from source (`node --import tsx src/cli/main.ts broker`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, expect, test } from 'vitest';
import { brokerSettings, redisConfig } from '../../src/cli/broker-config.ts';
import { isAlive, waitFor } from '../helpers.ts';
import { freePort } from './redis-server.ts';
import { needs } from '../system-parts.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
// The broker starts redis-server: without it, those tests are skipped with the command that
// installs it, or fail under CI.
const withRedis = needs('redis-server');
const started: ChildProcess[] = [];
const redisPids: number[] = [];

afterEach(() => {
  // Whatever a failed test left behind, by pid.
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of redisPids.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

interface Broker {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function broker(args: string[], env: NodeJS.ProcessEnv = {}): Broker {
  const base = { ...process.env };
  delete base.SHOAL_REDIS_PASSWORD;
  delete base.SHOAL_TOKEN;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'broker', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...base, ...env } });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** Wait for the banner; returns the URL it tells workers to use and redis-server's pid. */
async function ready(b: Broker): Promise<{ url: URL; redisPid: number; dir: string }> {
  const ok = await Promise.race([waitFor(() => b.out().includes('Ctrl-C stops it.'), 20_000), b.exited.then(() => false)]);
  if (!ok) throw new Error(`broker not ready:\n${b.out()}\n${b.err()}`);
  const url = new URL(/shoal worker (\S+)/.exec(b.out())![1]!);
  const redisPid = Number(/redis-server \(pid (\d+)\)/.exec(b.out())![1]);
  redisPids.push(redisPid);
  const dir = /\(dir ([^)]+)\)/.exec(b.out())![1]!;
  return { url, redisPid, dir };
}

async function configGet(r: Redis, name: string): Promise<string> {
  const reply = (await r.config('GET', name)) as string[];
  return reply[1]!;
}

withRedis.test('redis runs with a password, protected mode, noeviction, loopback only, no persistence; SIGTERM stops both', async () => {
  const port = await freePort();
  const b = broker(['--port', String(port)]);
  const { url, redisPid, dir } = await ready(b);
  const password = decodeURIComponent(url.password);
  expect(password.length).toBeGreaterThanOrEqual(24);
  expect(url.hostname).toBe('127.0.0.1');
  expect(Number(url.port)).toBe(port);
  expect(b.out()).toContain(`Client.connect('redis://:${url.password}@127.0.0.1:${port}', { token: process.env.SHOAL_TOKEN })`);
  expect(b.out()).toMatch(/export SHOAL_TOKEN=\S{16,}/); // none in the environment: one is suggested

  const r = new Redis({ host: '127.0.0.1', port, password, maxRetriesPerRequest: null });
  try {
    expect(await configGet(r, 'maxmemory-policy')).toBe('noeviction');
    expect(await configGet(r, 'protected-mode')).toBe('yes');
    expect(await configGet(r, 'requirepass')).toBe(password);
    expect(await configGet(r, 'bind')).toBe('127.0.0.1');
    expect(await configGet(r, 'port')).toBe(String(port));
    expect(await configGet(r, 'save')).toBe('');
    expect(await configGet(r, 'appendonly')).toBe('no');
    expect(await configGet(r, 'dir')).toBe(dir);
    expect(await r.set('k', 'v')).toBe('OK');
  } finally {
    r.disconnect();
  }

  // Without the password, and with a wrong one: refused (raw RESP, so no client library retries).
  const raw = (command: string) =>
    new Promise<string>((resolve, reject) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => s.write(command));
      s.once('data', (d) => {
        resolve(d.toString());
        s.destroy();
      });
      s.once('error', reject);
    });
  expect(await raw('*1\r\n$4\r\nPING\r\n')).toMatch(/^-NOAUTH/);
  const wrong = `${password}x`;
  expect(await raw(`*2\r\n$4\r\nAUTH\r\n$${wrong.length}\r\n${wrong}\r\n`)).toMatch(/^-WRONGPASS/);

  // The password is not in redis-server's command line.
  const cmdline = readFileSync(`/proc/${redisPid}/cmdline`, 'utf8');
  expect(cmdline).not.toContain(password);

  b.child.kill('SIGTERM');
  expect(await b.exited).toBe(0);
  expect(await waitFor(() => !isAlive(redisPid))).toBe(true);
  expect(existsSync(dir)).toBe(false); // its own temporary directory is removed
});

withRedis.test('SHOAL_REDIS_PASSWORD is used, kept out of argv and environment; SIGINT stops both; --maxmemory and --dir apply', async () => {
  const port = await freePort();
  const password = 'a "quoted" pass\\word with spaces';
  const dir = mkdtempSync(join(tmpdir(), 'shoal-broker-test-'));
  try {
    const b = broker(['--port', String(port), '--maxmemory', '64mb', '--dir', dir], { SHOAL_REDIS_PASSWORD: password, SHOAL_TOKEN: 'x'.repeat(32) });
    const { redisPid } = await ready(b);
    expect(b.out()).toContain('password: from SHOAL_REDIS_PASSWORD');
    expect(b.out()).not.toContain('export SHOAL_TOKEN=');
    const r = new Redis({ host: '127.0.0.1', port, password, maxRetriesPerRequest: null });
    try {
      expect(await configGet(r, 'requirepass')).toBe(password);
      expect(await configGet(r, 'maxmemory')).toBe(String(64 * 1024 * 1024));
      expect(await configGet(r, 'dir')).toBe(dir);
    } finally {
      r.disconnect();
    }
    expect(readFileSync(`/proc/${redisPid}/cmdline`, 'utf8')).not.toContain('pass');
    expect(readFileSync(`/proc/${redisPid}/environ`, 'utf8')).not.toContain(password);
    b.child.kill('SIGINT');
    expect(await b.exited).toBe(0);
    expect(await waitFor(() => !isAlive(redisPid))).toBe(true);
    expect(existsSync(dir)).toBe(true); // a directory it was given is left alone
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a non-loopback bind without TLS is refused with the reason, before anything starts', async () => {
  const b = broker(['--bind', '0.0.0.0', '--port', String(await freePort())]);
  expect(await b.exited).toBe(1);
  expect(b.err()).toMatch(/refusing --bind 0\.0\.0\.0: the password and every task would cross the network in plaintext/);
  expect(b.err()).toMatch(/--tls-cert and --tls-key.*--insecure/);
  expect(b.out()).not.toContain('redis-server (pid');
});

test('redis-server missing: a clear error naming the package', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'shoal-empty-path-'));
  try {
    const b = broker(['--port', String(await freePort())], { PATH: empty });
    expect(await b.exited).toBe(1);
    expect(b.err()).toContain('redis-server is not installed (or not on PATH): apt-get install redis-server');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('bad flags are named', async () => {
  const bad = broker(['--port', 'abc']);
  expect(await bad.exited).toBe(1);
  expect(bad.err()).toContain('invalid --port "abc"');
  const unknown = broker(['--prot', '1']);
  expect(await unknown.exited).toBe(1);
  expect(unknown.err()).toMatch(/--prot/);
});

test('the configuration text: TLS settings, quoting, and the loopback policy', () => {
  const tls = brokerSettings({ bind: '10.0.0.5', 'tls-cert': '/c.pem', 'tls-key': '/k.pem' });
  const text = redisConfig(tls, 'p"w', '/var/lib/x y');
  expect(text).toContain('port 0\ntls-port 6379\ntls-cert-file "/c.pem"\ntls-key-file "/k.pem"\ntls-auth-clients no\n');
  expect(text).toContain('requirepass "p\\"w"\n');
  expect(text).toContain('dir "/var/lib/x y"\n');
  expect(brokerSettings({ bind: '10.0.0.5', insecure: true }).bind).toBe('10.0.0.5');
  expect(() => brokerSettings({ bind: '10.0.0.5' })).toThrow(/refusing --bind 10\.0\.0\.5/);
  expect(() => brokerSettings({ 'tls-cert': '/c.pem' })).toThrow(/both --tls-cert and --tls-key/);
  expect(() => brokerSettings({ maxmemory: '2GiB' })).toThrow(/invalid --maxmemory "2GiB"/);
  expect(brokerSettings({ bind: '127.0.0.2' }).bind).toBe('127.0.0.2');
});

const hasOpenssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].some((p) => existsSync(p));

withRedis.test.skipIf(!hasOpenssl)('with --tls-cert/--tls-key it serves TLS only (rediss://), no plaintext port', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-broker-tls-'));
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const { execFileSync } = await import('node:child_process');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=shoal-test', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const port = await freePort();
    const b = broker(['--port', String(port), '--tls-cert', cert, '--tls-key', key]);
    const { url, redisPid } = await ready(b);
    expect(url.protocol).toBe('rediss:');
    const r = new Redis({ host: '127.0.0.1', port, password: decodeURIComponent(url.password), tls: { ca: readFileSync(cert) }, maxRetriesPerRequest: null });
    try {
      expect(await r.ping()).toBe('PONG');
      expect(await configGet(r, 'port')).toBe('0'); // no plaintext listener at all
      expect(await configGet(r, 'tls-port')).toBe(String(port));
    } finally {
      r.disconnect();
    }
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(await waitFor(() => !isAlive(redisPid))).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const hasSetpriv = ['/usr/bin/setpriv', '/bin/setpriv'].some((p) => existsSync(p));

withRedis.test.skipIf(!hasSetpriv)('a broker killed with SIGKILL takes redis-server with it (setpriv --pdeathsig)', async () => {
  const b = broker(['--port', String(await freePort())]);
  const { redisPid } = await ready(b);
  b.child.kill('SIGKILL');
  await b.exited;
  expect(await waitFor(() => !isAlive(redisPid))).toBe(true);
});
