/**
 * Memory: exact byte accounting, spilling least-recently-used values to disk above 0.6 of the
 * limit and reading them back transparently, pausing at 0.8, and the nanny restarting a worker
 * above 0.95 (after Dask's test_spill.py and test_worker_memory.py).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Client, delayed, KilledWorkerError, moduleFunction } from '../../src/index.ts';
import { parseBytes, formatBytes, sizeOf } from '../../src/distributed/sizeof.ts';
import { Store } from '../../src/distributed/store.ts';
import { tempDir } from '../helpers.ts';
import { block, blockSum } from './fixtures.ts';

const fx = new URL('./fixtures.ts', import.meta.url);
const makeBlock = moduleFunction<(n: number, seed: number) => Float64Array>(fx, 'block');
const sumBlock = moduleFunction<(a: Float64Array) => number>(fx, 'blockSum');

test('sizes: exact for typed arrays and buffers, parse and format like Dask', () => {
  expect(sizeOf(new Float64Array(1000))).toBe(8000);
  expect(sizeOf(new ArrayBuffer(123))).toBe(123);
  expect(sizeOf([new Uint8Array(10), new Uint8Array(20)])).toBe(16 + 16 + 30);
  expect(sizeOf({ byteLength: 4096 })).toBe(4096); // Arrow tables and vectors expose byteLength
  expect(parseBytes('256MiB')).toBe(256 * 2 ** 20);
  expect(parseBytes('2 GB')).toBe(2e9);
  expect(parseBytes(1024)).toBe(1024);
  expect(parseBytes('lots')).toBeUndefined();
  expect(formatBytes(25_276_502_016)).toBe('23.54 GiB');
  expect(formatBytes(2 ** 30)).toBe('1.00 GiB');
});

test('Store: spills least recently used values above 0.6 of the limit, reads them back transparently', () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = new Store({ memoryLimit: 10_000, spillDir: join(dir, 'spill') });
    for (let i = 0; i < 5; i++) store.set(`k${i}`, new Float64Array(250).fill(i)); // 2000 bytes each
    // 10,000 bytes held in all; at most 6,000 in memory: the oldest went to disk.
    expect(store.bytes).toBeLessThanOrEqual(6000);
    expect(store.bytes + store.spilledBytes).toBe(10_000);
    expect(readdirSync(join(dir, 'spill')).length).toBe(store.spills);
    expect(store.has('k0')).toBe(true);
    const k0 = store.get('k0') as Float64Array;
    expect(k0).toBeInstanceOf(Float64Array);
    expect([k0.length, k0[0], k0[249]]).toEqual([250, 0, 0]);
    expect(store.unspills).toBe(1);
    expect(store.bytes).toBeLessThanOrEqual(6000);
    // Reading k0 made it the most recently used: something else was spilled to make room.
    expect(store.spills).toBeGreaterThanOrEqual(3);
    store.delete('k1');
    store.delete('k4');
    expect(store.bytes + store.spilledBytes).toBe(6000);
    expect(store.shouldPause()).toBe(false);
    // A value that cannot be written to disk stays in memory; above 0.8 the worker pauses.
    store.set('fn', { f: () => 1, pad: new Uint8Array(9000) });
    expect(store.shouldPause()).toBe(true);
  } finally {
    cleanup();
  }
});

test('1 GiB of array data computes on a worker limited to 256 MiB, spilling to disk', async () => {
  const n = 2 * 2 ** 20; // 16 MiB per block
  const blocks = 64; // 1 GiB in all
  const client = await Client.start({ nWorkers: 1, threadsPerWorker: 1, memoryLimit: '256MiB', dashboardAddress: null });
  try {
    // Persist every block: the worker must hold 1 GiB with 256 MiB of memory.
    const parts = client.persist(Array.from({ length: blocks }, (_, i) => delayed(makeBlock, { name: 'block' })(n, i)));
    let peakMemory = 0;
    let peakSpilled = 0;
    const watch = setInterval(() => {
      for (const w of client.cluster.workers) {
        peakMemory = Math.max(peakMemory, w.memory);
        peakSpilled = Math.max(peakSpilled, w.spilled);
      }
    }, 5);
    const sums = delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0), { name: 'total' })(parts.map((p) => delayed(sumBlock, { name: 'sum' })(p)));
    const total = await sums.compute();
    clearInterval(watch);
    let expected = 0;
    for (let i = 0; i < blocks; i++) expected += blockSum(block(n, i));
    expect(total).toBeCloseTo(expected, 3);
    // Exact accounting: the scheduler counted every block's bytes.
    const held = [...client.cluster.server.state.tasks.values()].filter((t) => t.state === 'memory');
    expect(held.length).toBe(blocks);
    expect(held.every((t) => t.nbytes === 8 * n)).toBe(true);
    // Most of it lived on disk; memory stayed near 0.6 × limit (plus the block being made).
    expect(peakSpilled).toBeGreaterThan(512 * 2 ** 20);
    expect(peakMemory).toBeLessThanOrEqual(0.6 * 256 * 2 ** 20 + 8 * n);
    expect(client.cluster.restarts).toBe(0);
  } finally {
    await client.close();
  }
}, 180_000); // writes and reads back ~0.9 GiB: slow on a busy 2-core machine

test('the nanny restarts a worker whose memory passes 95% of its limit', async () => {
  const client = await Client.start({ nWorkers: 1, threadsPerWorker: 1, memoryLimit: '64MiB', dashboardAddress: null, allowedFailures: 2 });
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    // Memory the worker cannot spill (held outside its store) keeps growing.
    const hog = client.submit(
      async (mb: number) => {
        const keep: Uint8Array[] = [];
        (globalThis as { hog?: unknown }).hog = keep;
        for (let i = 0; i < mb; i++) {
          keep.push(new Uint8Array(2 ** 20).fill(1));
          await new Promise((r) => setTimeout(r, 2));
        }
        await new Promise((r) => setTimeout(r, 5000));
        return keep.length;
      },
      400,
    );
    const err = await hog.exception();
    expect(err).toBeInstanceOf(KilledWorkerError);
    expect(client.cluster.restarts).toBeGreaterThanOrEqual(2);
    expect(warnings.some((m) => /over 95% of its memory limit/.test(m))).toBe(true);
    expect(await client.submit((x: number) => x + 1, 1)).toBe(2);
  } finally {
    process.off('warning', onWarning);
    await client.close();
  }
});
