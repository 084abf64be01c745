import { afterAll, describe, expect, test } from 'vitest';
import { config, delayed, OptionError, shutdown, withConfig, type Callback } from '../src/index.ts';

afterAll(() => shutdown());

/** Records which scheduler ran each compute. */
function recorder(): { cb: Callback; seen: string[] } {
  const seen: string[] = [];
  return { seen, cb: { start: (info) => seen.push(info.scheduler) } };
}

describe('choosing a scheduler', () => {
  const x = delayed((v: number) => v + 1)(1);

  test('Delayed defaults to threads; per call wins over scope and global', async () => {
    const r = recorder();
    await x.compute({ callbacks: [r.cb] });
    await x.compute({ scheduler: 'sync', callbacks: [r.cb] });
    const undo = config.set({ scheduler: 'processes' });
    try {
      await x.compute({ callbacks: [r.cb] });
      await withConfig({ scheduler: 'sync' }, () => x.compute({ callbacks: [r.cb] }));
      await withConfig({ scheduler: 'sync' }, () => x.compute({ scheduler: 'threads', callbacks: [r.cb] }));
    } finally {
      undo.restore();
    }
    await x.compute({ callbacks: [r.cb] });
    expect(r.seen).toEqual(['threads', 'sync', 'processes', 'sync', 'threads', 'threads']);
  });

  test('withConfig is async-safe: concurrent scopes do not leak into each other', async () => {
    const r1 = recorder();
    const r2 = recorder();
    const slow = async (cb: Callback) => {
      await new Promise((res) => setTimeout(res, 20));
      return x.compute({ callbacks: [cb] });
    };
    await Promise.all([withConfig({ scheduler: 'sync' }, () => slow(r1.cb)), withConfig({ scheduler: 'processes' }, () => slow(r2.cb))]);
    expect(r1.seen).toEqual(['sync']);
    expect(r2.seen).toEqual(['processes']);
  });

  test('scoped callbacks see every compute in scope', async () => {
    const r = recorder();
    await withConfig({ callbacks: [r.cb] }, async () => {
      await x.compute({ scheduler: 'sync' });
      await x.compute({ scheduler: 'threads' });
    });
    expect(r.seen).toEqual(['sync', 'threads']);
  });

  test('bad names and options are clear errors', async () => {
    await expect(x.compute({ scheduler: 'gpu' })).rejects.toThrow(/unknown scheduler "gpu"; use one of 'sync', 'threads', 'processes'/);
    expect(() => config.set({ numWorkers: 0 })).toThrow(OptionError);
    expect(() => config.set({ numWorkers: 0 })).toThrow(/numWorkers=0: must be a whole number >= 1/);
    expect(() => config.set({ schedular: 'sync' } as never)).toThrow("config.set: unknown option 'schedular' (did you mean 'scheduler'?)");
    // Dask's aliases work.
    expect(await x.compute({ scheduler: 'synchronous' })).toBe(2);
  });
});
