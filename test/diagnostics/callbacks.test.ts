/**
 * The public callbacks interface: per call, around a block, globally; fed by every scheduler with
 * worker ids and times, result sizes when asked (`measureBytes`) and releases of intermediates.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { BaseCallback, compute, delayed, shutdown, withCallbacks, type TaskInfo } from '../../src/index.ts';
import { sizeOf } from '../../src/schedulers/sizeof.ts';
import { SCHEDULERS } from '../helpers.ts';

afterAll(() => shutdown());

/** a → (b0..b3) → c: 6 tasks, b's are released once c ran. */
function diamond() {
  const a = delayed((n: number) => new Float64Array(n), { name: 'a' })(1000);
  const bs = [0, 1, 2, 3].map((k) => delayed((x: Float64Array, m: number) => x.length * m, { name: 'b' })(a, k));
  const c = delayed((xs: number[]) => xs.reduce((s, v) => s + v, 0), { name: 'c' })(bs);
  return { a, bs, c };
}

function recorder(measureBytes = false) {
  const posts = new Map<string, TaskInfo>();
  const released: string[] = [];
  let starts = 0;
  let finishes = 0;
  const cb = new BaseCallback({
    start: () => starts++,
    posttask: (k, info) => posts.set(k, info),
    release: (k) => released.push(k),
    finish: () => finishes++,
  });
  if (measureBytes) Object.defineProperty(cb, 'measureBytes', { value: true });
  return { cb, posts, released, counts: () => [starts, finishes] };
}

describe.each(SCHEDULERS)('%s', (scheduler) => {
  const opts = { scheduler, numWorkers: 2, fuse: false } as const;

  test('per call: every task reported once with worker and times; intermediates released', async () => {
    const { a, bs, c } = diamond();
    const r = recorder();
    expect(await c.compute({ ...opts, callbacks: [r.cb] })).toBe(6000);
    expect(r.counts()).toEqual([1, 1]);
    expect([...r.posts.keys()].sort()).toEqual([a.key, ...bs.map((b) => b.key), c.key].sort());
    for (const info of r.posts.values()) {
      expect(info.worker).toMatch(scheduler === 'sync' ? /^main$/ : /^(thread|process)-\d+/);
      expect(info.end).toBeGreaterThanOrEqual(info.start);
      expect(info.nbytes).toBeUndefined();
    }
    // Everything but the requested output is released.
    expect(r.released.sort()).toEqual([a.key, ...bs.map((b) => b.key)].sort());
  });

  test('measureBytes: each result size estimated where it ran', async () => {
    const { a, bs, c } = diamond();
    const r = recorder(true);
    await c.compute({ ...opts, callbacks: [r.cb] });
    expect(r.posts.get(a.key)!.nbytes).toBe(8000);
    for (const b of bs) expect(r.posts.get(b.key)!.nbytes).toBe(8);
    expect(r.posts.get(c.key)!.nbytes).toBe(8);
  });

  test('around a block and globally', async () => {
    const inner = recorder();
    const { c } = diamond();
    const [v] = await withCallbacks([inner.cb], () => compute(c, opts));
    expect(v).toBe(6000);
    expect(inner.posts.size).toBe(6);
    await c.compute(opts); // outside the block: not fed
    expect(inner.counts()).toEqual([1, 1]);

    const global = recorder();
    global.cb.register();
    global.cb.register(); // twice: still fed once per event
    try {
      await diamond().c.compute(opts);
      await withCallbacks([inner.cb], () => diamond().c.compute(opts));
    } finally {
      global.cb.unregister();
    }
    await diamond().c.compute(opts);
    expect(global.counts()).toEqual([2, 2]);
    expect(inner.counts()).toEqual([2, 2]);
  });
});

test('sizeOf: exact for typed arrays, sampled for large containers', () => {
  expect(sizeOf(new Float64Array(1000))).toBe(8000);
  expect(sizeOf(new Uint8Array(new SharedArrayBuffer(64)))).toBe(64);
  expect(sizeOf([1, 2, 3])).toBe(16 + 3 * 8 + 3 * 8);
  expect(sizeOf('abcd')).toBe(16 + 8);
  expect(sizeOf(null)).toBe(0);
  // 10,000 equal-sized rows: the sample's average extrapolates exactly.
  const rows = Array.from({ length: 10_000 }, (_, i) => [i, i + 1]);
  expect(sizeOf(rows)).toBe(16 + 8 * 10_000 + 10_000 * (16 + 2 * 8 + 2 * 8));
  const cyclic: Record<string, unknown> = { x: 1 };
  cyclic.self = cyclic;
  expect(sizeOf(cyclic)).toBeGreaterThan(0);
});
