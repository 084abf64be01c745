/**
 * DNS rebinding: a web page that points a name it controls at 127.0.0.1 makes the browser send
 * requests to the dashboard with that name as the Host header. The dashboard answers only to its
 * own address (and the loopback forms of it); real requests with a foreign Host get 421 and none
 * of the cluster's data.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LocalCluster } from '../../src/index.ts';

let cluster: LocalCluster;
let port = 0;
beforeAll(async () => {
  cluster = await LocalCluster.start({ nWorkers: 1, threadsPerWorker: 1, processes: false, dashboardAddress: '127.0.0.1:0' });
  port = Number(new URL(cluster.dashboardLink!).port);
});
afterAll(async () => {
  await cluster?.close();
});

/** GET `path` from the dashboard (connecting to 127.0.0.1) with this Host header. */
function get(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a foreign Host is refused with 421 and no data; the dashboard\'s own address and its loopback forms are served', async () => {
  for (const path of ['/status', '/snapshot.json']) {
    const rebound = await get(path, `evil.example:${port}`);
    expect(rebound.status).toBe(421);
    expect(rebound.body).toBe(
      `shoal dashboard: refusing Host "evil.example:${port}": this server answers only to 127.0.0.1:${port}, localhost:${port}, [::1]:${port} (a request under another name may come from a web page through DNS rebinding)\n`,
    );
    // The right port under another name, and the right name under another port, are foreign too.
    expect((await get(path, `evil.example`)).status).toBe(421);
    expect((await get(path, `127.0.0.1:${port + 1}`)).status).toBe(421);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
    const ok = await get('/snapshot.json', host);
    expect([host, ok.status]).toEqual([host, 200]);
    expect(JSON.parse(ok.body)).toHaveProperty('workers');
  }
});
