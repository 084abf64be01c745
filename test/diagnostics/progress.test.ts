/** ProgressBar on an injected clock, timer and stream (no timing asserts). */
import { afterAll, describe, expect, test } from 'vitest';
import { delayed, OptionError, ProgressBar, shutdown, withCallbacks, type Callback } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';

afterAll(() => shutdown());

/** A manual clock and timer: the test advances time after each task and fires the timer. */
function harness(opts: { minimum?: number; width?: number; isTTY?: boolean; step?: number } = {}) {
  let now = 100;
  let tick: (() => void) | undefined;
  const written: string[] = [];
  const bar = new ProgressBar({
    minimum: opts.minimum ?? 0,
    width: opts.width ?? 10,
    dt: 0.5,
    out: { write: (s: string) => written.push(s), isTTY: opts.isTTY ?? false },
    clock: () => now,
    timer: (t, ms) => {
      expect(ms).toBe(500);
      tick = t;
      return () => (tick = undefined);
    },
  });
  const clockDriver: Callback = {
    posttask: () => {
      now += opts.step ?? 0.5;
      tick?.();
    },
  };
  return { bar, clockDriver, written, timerRunning: () => tick !== undefined };
}

/** A chain of 10 tasks. */
function chain() {
  let x = delayed((v: number) => v + 1, { name: 'inc' })(0);
  for (let i = 0; i < 9; i++) x = delayed((v: number) => v + 1, { name: 'inc' })(x);
  return x;
}

describe.each(SCHEDULERS)('%s', (scheduler) => {
  const opts = { scheduler, numWorkers: 2, fuse: false } as const;

  test('a long run prints increasing percentages, then a final 100% line', async () => {
    const h = harness({ minimum: 1 });
    expect(await chain().compute({ ...opts, callbacks: [h.bar, h.clockDriver] })).toBe(10);
    expect(h.timerRunning()).toBe(false);
    const lines = h.written.join('').split('\n').filter(Boolean);
    for (const l of lines) expect(l).toMatch(/^\[[# ]{10}\] \| \d+% Completed \| +\d+\.\ds$/);
    const pct = lines.map((l) => Number(/(\d+)% Completed/.exec(l)![1]));
    expect(pct.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < pct.length; i++) expect(pct[i]).toBeGreaterThan(pct[i - 1]!);
    // Nothing before `minimum` (1 s = after the 2nd task): the first line shows at least 20%.
    expect(pct[0]).toBeGreaterThanOrEqual(20);
    expect(lines.at(-1)).toBe('[##########] | 100% Completed |  5.0s');
    expect(h.bar.lastDuration).toBe(5);
  });

  test('a run shorter than minimum prints nothing', async () => {
    const h = harness({ minimum: 10 });
    await chain().compute({ ...opts, callbacks: [h.bar, h.clockDriver] });
    expect(h.written).toEqual([]);
    expect(h.bar.lastDuration).toBe(5);
  });

  test('on a terminal it redraws one line with \\r and ends it', async () => {
    const h = harness({ isTTY: true });
    await withCallbacks([h.bar, h.clockDriver], () => chain().compute(opts));
    expect(h.written.every((s) => s.startsWith('\r'))).toBe(true);
    expect(h.written.at(-1)).toBe('\r[##########] | 100% Completed |  5.0s\n');
    expect(h.written.slice(0, -1).join('')).not.toContain('\n');
  });
});

test('a failed compute keeps the percentage it reached', async () => {
  const h = harness();
  const bad = delayed((v: number) => {
    if (v > 2) throw new Error('boom');
    return v;
  })(chain().sub(7));
  await expect(bad.compute({ scheduler: 'sync', fuse: false, callbacks: [h.bar, h.clockDriver] })).rejects.toThrow(/boom/);
  const last = h.written.join('').trim().split('\n').at(-1)!;
  expect(last).toMatch(/^\[#{9} \] \| 91% Completed/);
});

test('Dask time format past a minute', async () => {
  const h = harness({ step: 30 });
  await chain().compute({ scheduler: 'sync', callbacks: [h.bar, h.clockDriver] });
  // fused into one task: one step of 30 s
  expect(h.written.at(-1)).toBe('[##########] | 100% Completed | 30.0s\n');
  const h2 = harness({ step: 75 });
  await chain().compute({ scheduler: 'sync', callbacks: [h2.bar, h2.clockDriver] });
  expect(h2.written.at(-1)).toBe('[##########] | 100% Completed |  1min 15.0s\n');
});

test('bad options are named', () => {
  expect(() => new ProgressBar({ dt: 0 })).toThrow(OptionError);
  expect(() => new ProgressBar({ dt: 0 })).toThrow(/dt/);
  expect(() => new ProgressBar({ width: 2.5 })).toThrow(/width/);
  expect(() => new ProgressBar({ minimum: -1 })).toThrow(/minimum/);
});

test('registered globally, it watches every compute until unregistered', async () => {
  const h = harness();
  h.bar.register();
  try {
    await chain().compute({ scheduler: 'sync', fuse: false, callbacks: [h.clockDriver] });
  } finally {
    h.bar.unregister();
  }
  const n = h.written.length;
  expect(h.written.at(-1)).toBe('[##########] | 100% Completed |  5.0s\n');
  await chain().compute({ scheduler: 'sync', fuse: false, callbacks: [h.clockDriver] });
  expect(h.written).toHaveLength(n);
});
