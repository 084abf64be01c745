/**
 * The interactive HTML profile in a real browser (Debian's Chromium through playwright-core): it
 * draws one bar per task with no console error, offline, and hovering a bar shows its task.
 * Without Chromium: skipped with the command that installs it, or failing under CI (system-parts.ts).
 */
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { delayed, Profiler, shutdown, visualizeProfile } from '../../src/index.ts';
import { tempDir } from '../helpers.ts';
import { needs, partBin } from '../system-parts.ts';

const { test } = needs('chromium');

const tmp = tempDir();
afterAll(async () => {
  await shutdown();
  tmp.cleanup();
});

test('profile.html renders every task in Chromium, with tooltips', async () => {
  const parts = [1, 2, 3, 4, 5].map((k) => delayed((x: number) => x * x, { name: 'sq' })(k));
  const total = delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0), { name: 'total' })(parts);
  const prof = new Profiler();
  expect(await total.compute({ scheduler: 'threads', numWorkers: 2, fuse: false, callbacks: [prof] })).toBe(55);
  const file = path.join(tmp.dir, 'profile.html');
  await visualizeProfile(prof, { filename: file });

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: partBin('chromium'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => !r.url().startsWith('file:') && !r.url().startsWith('data:') && errors.push(`network: ${r.url()}`));
    await page.goto(`file://${file}`);
    await page.waitForSelector('#view svg');
    const bars = page.locator('[aria-roledescription="bar"]');
    expect(await bars.count()).toBe(6);
    // Hover the widest bar (tasks of a few µs are drawn a pixel or two wide).
    const boxes = await Promise.all((await bars.all()).map((b) => b.boundingBox()));
    const box = boxes.reduce((a, b) => ((b?.width ?? 0) > (a?.width ?? 0) ? b : a))!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = await page.locator('#view').getAttribute('title');
    expect(tip).toMatch(/key: (sq|total)-/);
    expect(tip).toMatch(/worker: thread-\d/);
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
