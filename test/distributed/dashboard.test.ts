/**
 * The live dashboard in a real headless Chromium (Debian's chromium + playwright-core): opened
 * during a computation, its task stream and progress panels show the running tasks, with no
 * console errors; a screenshot is saved as a test artifact. And performanceReport's static file.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { expect } from 'vitest';
import { Client, delayed, moduleFunction, performanceReport } from '../../src/index.ts';
import { tempDir } from '../helpers.ts';
import { needs, partBin } from '../system-parts.ts';

const fx = new URL('./fixtures.ts', import.meta.url);
const sleepMs = moduleFunction<(ms: number, v: number) => Promise<number>>(fx, 'sleepMs');
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
// Without Chromium: skipped with the command that installs it, or failing under CI.
const { test, beforeAll, afterAll } = needs('chromium');

let client: Client;
let browser: Browser;
beforeAll(async () => {
  client = await Client.start({ nWorkers: 2, threadsPerWorker: 2, dashboardAddress: '127.0.0.1:0', memoryLimit: '512MiB' });
  browser = await chromium.launch({
    executablePath: partBin('chromium'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await client?.close();
});

/** A computation that runs for a few seconds: slow leaves, then a tree of sums. */
function work(n: number, ms: number) {
  const leaves = Array.from({ length: n }, (_, i) => delayed(sleepMs, { name: 'slowleaf' })(ms, i));
  const pairs = [];
  for (let i = 0; i < n; i += 2) pairs.push(delayed((a: number, b: number) => a + b, { name: 'pairsum' })(leaves[i]!, leaves[i + 1]!));
  return delayed((xs: number[]) => xs.reduce((s, x) => s + x, 0), { name: 'total' })(pairs);
}

test('the live dashboard shows the task stream and progress of a running computation', async () => {
  const link = client.dashboardLink!;
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/status$/);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(link);
  const running = work(120, 40).compute({ fuse: false });
  // Task stream bars and a progress row for the running prefix appear while it runs.
  await page.waitForFunction("Number(document.getElementById('task-stream').dataset.count) > 5", undefined, { timeout: 20_000 });
  await page.waitForSelector('#progress .row[data-prefix="slowleaf"]', { timeout: 20_000 });
  expect(await page.locator('#bytes .worker').count()).toBe(2);
  expect(await page.locator('#system tbody tr').count()).toBe(2);
  await page.waitForSelector('#graph svg circle', { timeout: 20_000 });
  const states = await page.locator('#graph svg circle').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-state')));
  expect(states.length).toBeGreaterThan(0);
  expect(states.every((s) => ['waiting', 'processing', 'memory', 'erred'].includes(s!))).toBe(true);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  expect(await running).toBe((119 * 120) / 2);
  // After it finished, progress shows everything done.
  await page.waitForFunction(`document.querySelector('#progress .row[data-prefix="slowleaf"] .num')?.textContent === '120 / 120'`, undefined, { timeout: 10_000 });
  expect(errors).toEqual([]);
  await page.close();
  expect(existsSync(join(ARTIFACTS, 'dashboard.png'))).toBe(true);
});

test('performanceReport saves the same panels as a static HTML file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const filename = join(dir, 'report.html');
    const value = await performanceReport({ filename }, () => work(20, 10).compute({ fuse: false }));
    expect(value).toBe((19 * 20) / 2);
    const html = readFileSync(filename, 'utf8');
    expect(html).toContain('window.__SHOAL_REPORT__');
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`file://${filename}`);
    expect(Number(await page.locator('#task-stream').getAttribute('data-count'))).toBe(20 + 10 + 1);
    expect(await page.locator('#progress .row[data-prefix="slowleaf"] .num').textContent()).toBe('20 / 20');
    expect(await page.locator('#graph svg circle').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  } finally {
    cleanup();
  }
});

test('the dashboard moves to a free port when its port is taken (as Dask does)', async () => {
  const { createServer } = await import('node:http');
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const taken = (blocker.address() as { port: number }).port;
  const { LocalCluster } = await import('../../src/index.ts');
  const cluster = await LocalCluster.start({ nWorkers: 0, dashboardAddress: `127.0.0.1:${taken}` });
  try {
    const port = Number(new URL(cluster.dashboardLink!).port);
    expect(port).not.toBe(taken);
    const res = await fetch(cluster.dashboardLink!);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Task stream');
    const snap = (await (await fetch(cluster.dashboardLink!.replace('/status', '/snapshot.json'))).json()) as { workers: unknown[] };
    expect(snap.workers).toEqual([]);
  } finally {
    await cluster.close();
    blocker.close();
  }
});
