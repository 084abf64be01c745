import { Redis } from 'ioredis';
import { createConnection } from 'node:net';
import { expect } from 'vitest';
import { startRedis, type TestRedis } from './redis-server.ts';
import { needs } from '../system-parts.ts';

// Without redis-server: skipped with the command that installs it, or failing under CI.
const { afterAll, beforeAll, test } = needs('redis-server');

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

test('the test redis-server needs its password and answers with it', async () => {
  // A bare connection without the password is refused (raw RESP, so no client library retries).
  const reply = await new Promise<string>((resolve, reject) => {
    const s = createConnection({ host: redis.host, port: redis.port }, () => s.write('*2\r\n$3\r\nGET\r\n$1\r\nx\r\n'));
    s.once('data', (d) => {
      resolve(d.toString());
      s.destroy();
    });
    s.once('error', reject);
  });
  expect(reply).toMatch(/^-NOAUTH/);
  const c = new Redis(redis.url);
  await c.set('shoal-test', '42');
  expect(await c.get('shoal-test')).toBe('42');
  c.disconnect();
});
