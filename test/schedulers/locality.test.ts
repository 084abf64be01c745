/**
 * Results stay in the worker (thread or process) that made them, tasks follow their inputs, and
 * only what must move is copied (counted in RunStats.transfers). On threads, typed-array results
 * come back in shared memory.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { compute, delayed, shutdown, type Delayed, type RunStats } from '../../src/index.ts';

afterAll(() => shutdown());

function chains(n: number, length: number): Delayed<number>[] {
  return Array.from({ length: n }, (_, c) => {
    let x = delayed((v: number) => v + 1)(c);
    for (let k = 1; k < length; k++) x = delayed((v: number) => v + 1)(x);
    return x;
  });
}

describe.each(['threads', 'processes'] as const)('%s', (scheduler) => {
  async function run(xs: Delayed<number>[]): Promise<{ values: number[]; stats: RunStats }> {
    let stats!: RunStats;
    const values = (await compute(...xs, { scheduler, numWorkers: 2, fuse: false, callbacks: [{ finish: (s) => (stats = s) }] })) as number[];
    return { values, stats };
  }

  test('independent chains never move data between workers', async () => {
    const ends = chains(20, 10);
    const { values, stats } = await run(ends);
    expect(values).toEqual(Array.from({ length: 20 }, (_, c) => c + 10));
    expect(stats.tasks).toBe(200);
    expect(stats.transfers).toBe(0);
    // Each worker held about one link per chain it was running, not all 200 results.
    expect(stats.peakWorkerHeld).toBeLessThan(60);
  });

  test('a reduction copies only the inputs held by the other worker', async () => {
    const ends = chains(20, 10);
    const total = delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0))(ends);
    const { values, stats } = await run([total]);
    expect(values).toEqual([20 * 10 + (19 * 20) / 2]);
    expect(stats.transfers).toBeGreaterThan(0);
    expect(stats.transfers).toBeLessThan(20);
  });

  test('an unfused chain flows through one worker without a round trip per link', async () => {
    const [end] = chains(1, 300);
    const { values, stats } = await run([end!]);
    expect(values).toEqual([300]);
    expect(stats.tasks).toBe(300);
    expect(stats.transfers).toBe(0);
    expect(stats.messages).toBeLessThan(30); // one batch per link would be 300
    expect(stats.peakWorkerHeld).toBeLessThanOrEqual(3); // each link dropped after its last use
  });

  test('a large result used by many tasks is copied at most once per other worker', async () => {
    const big = delayed((n: number) => Array.from({ length: n }, (_, i) => ({ id: i })))(50_000);
    const uses = Array.from({ length: 10 }, (_, k) => delayed((xs: { id: number }[], m: number) => xs.length * m)(big, k));
    const { values, stats } = await run(uses);
    expect(values).toEqual(Array.from({ length: 10 }, (_, k) => 50_000 * k));
    expect(stats.transfers).toBeLessThanOrEqual(1);
  });
});

test('threads: typed-array results arrive in SharedArrayBuffer and pass on by reference', async () => {
  const make = delayed((n: number) => new Float64Array(n).fill(1.5));
  const sum = delayed((a: Float64Array) => a.reduce((s, v) => s + v, 0));
  const arr = make(1_000_000);
  const [a, s] = (await compute(arr, sum(arr), { scheduler: 'threads' })) as [Float64Array, number];
  expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
  expect(s).toBe(1_500_000);
});
