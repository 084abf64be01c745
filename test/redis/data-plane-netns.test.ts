/**
 * Nothing in the data plane assumes loopback: a data server in one network namespace, bound to its
 * veth address, serves a fetch from another namespace over a veth pair, with loopback down in both.
 * Needs root and iproute2 (`ip netns`); skipped otherwise, saying why.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isAlive } from '../helpers.ts';

const tag = process.pid % 100_000;
const NS_A = `shoal-a-${tag}`;
const NS_B = `shoal-b-${tag}`;
const subnet = `10.213.${process.pid % 250}`;
const ADDR_A = `${subnet}.1`;
const TOKEN = 'netns-token-0123456789';
const root = new URL('../../', import.meta.url).pathname;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why the test cannot run here, or null. */
function unavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (ip netns)';
  try {
    ip('netns', 'add', `shoal-probe-${tag}`);
    ip('netns', 'del', `shoal-probe-${tag}`);
    return null;
  } catch (e) {
    return `ip netns unavailable: ${(e as Error).message.split('\n')[0]}`;
  }
}
const reason = unavailable();
if (reason) console.warn(`data-plane-netns: skipped: ${reason}`);

let server: ChildProcess | undefined;
let address = '';

beforeAll(async () => {
  if (reason) return;
  ip('netns', 'add', NS_A);
  ip('netns', 'add', NS_B);
  ip('link', 'add', `sva${tag}`, 'type', 'veth', 'peer', 'name', `svb${tag}`);
  ip('link', 'set', `sva${tag}`, 'netns', NS_A);
  ip('link', 'set', `svb${tag}`, 'netns', NS_B);
  ip('-n', NS_A, 'addr', 'add', `${ADDR_A}/24`, 'dev', `sva${tag}`);
  ip('-n', NS_B, 'addr', 'add', `${subnet}.2/24`, 'dev', `svb${tag}`);
  ip('-n', NS_A, 'link', 'set', `sva${tag}`, 'up');
  ip('-n', NS_B, 'link', 'set', `svb${tag}`, 'up');
  // Loopback stays down in both namespaces (a new namespace's default): 127.0.0.1 goes nowhere.
  server = spawn('ip', ['netns', 'exec', NS_A, process.execPath, '--import', 'tsx', 'test/redis/fixtures/dying-data-server.ts', TOKEN, ADDR_A], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  server.stderr!.on('data', (d) => (err += d));
  address = await new Promise<string>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    server!.once('exit', (code) => reject(new Error(`data server in ${NS_A} exited (${code}): ${err}`)));
  });
});

afterAll(() => {
  if (reason) return;
  if (server?.pid && isAlive(server.pid)) server.kill('SIGKILL');
  for (const ns of [NS_A, NS_B]) {
    try {
      ip('netns', 'del', ns); // takes its end of the veth pair with it
    } catch {
      // never created
    }
  }
});

function fetchFromB(...args: string[]): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const c = spawn('ip', ['netns', 'exec', NS_B, process.execPath, '--import', 'tsx', 'test/redis/fixtures/fetch-values.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout!.on('data', (d) => (out += d));
    c.stderr!.on('data', (d) => (err += d));
    c.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`fetch in ${NS_B} exited (${code}): ${err}`))));
  });
}

test.skipIf(reason !== null)('a fetch from another network namespace, over a veth pair, loopback down', async () => {
  expect(address).toBe(`http://${ADDR_A}:${new URL(address).port}`);
  const r = await fetchFromB(address, TOKEN, 'big', 'small', 'nope');
  expect(r.missing).toEqual(['nope']);
  expect(r.values.small).toBe(42);
  expect(r.values.big).toEqual({ type: 'Float64Array', length: 4 << 20, sum: 1.5 * (4 << 20) });
  // The token is still required across machines.
  expect(await fetchFromB(address, 'wrong-token', 'small')).toMatchObject({ error: 'DataPlaneError', message: expect.stringContaining('401') });
  // And a peer dying mid-stream is reported as unreachable there too.
  expect(await fetchFromB(address, TOKEN, 'big', 'die')).toMatchObject({ error: 'PeerUnreachableError' });
});
