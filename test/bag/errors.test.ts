/**
 * What users see when something is wrong: closures caught before any work starts (with the Bag
 * fix in the message), errors inside user functions with partition, task key and remote stack,
 * bad options naming the option and value.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { bag, OptionError, ShipError, shutdown, TaskError } from '../../src/index.ts';

afterAll(() => shutdown());

describe('shipping user functions', () => {
  test.each(['threads', 'processes'] as const)('a closure over an outside variable fails before any work starts (%s)', async (scheduler) => {
    const threshold = 10;
    let ran = false;
    const b = bag.range(20, { npartitions: 4 }).map((x) => x + 1);
    const err = await b.filter((x) => x > threshold).compute({ scheduler, callbacks: [{ pretask: () => { ran = true; } }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShipError);
    expect((err as ShipError).variables).toEqual(['threshold']);
    expect((err as Error).message).toContain("uses 'threshold' from outside the function");
    expect((err as Error).message).toContain('bag.map(f, threshold)');
    expect(ran).toBe(false);
    // The fix the message gives works.
    expect(await b.filter((x, t) => x > t, threshold).compute({ scheduler })).toEqual(Array.from({ length: 10 }, (_, i) => i + 11));
  });

  test('closures run on sync with their real scope', async () => {
    const k = 3;
    expect(await bag.range(4, { npartitions: 2 }).map((x) => x * k).compute({ scheduler: 'sync' })).toEqual([0, 3, 6, 9]);
  });

  test('closures get distinct keys; self-contained functions equal keys', () => {
    const b = bag.range(4, { npartitions: 2 });
    const mk = (k: number) => (x: number) => x * k;
    expect(b.map(mk(2)).name).not.toBe(b.map(mk(3)).name);
    expect(b.map((x) => x * 2).name).toBe(b.map((x) => x * 2).name);
  });
});

describe('errors inside user functions', () => {
  test.each(['sync', 'threads', 'processes'] as const)('reject with the partition, the task key and the remote stack (%s)', async (scheduler) => {
    const b = bag.range(10, { npartitions: 2 }).map(function explode(x) {
      if (x === 7) throw new TypeError(`bad element ${x}`);
      return x;
    });
    const err = (await b.compute({ scheduler }).catch((e: unknown) => e)) as TaskError;
    expect(err).toBeInstanceOf(TaskError);
    expect(err.key).toBe(b.__keys__()[1]);
    // A reduction streams the map inside its own per-partition task: that key names the partition.
    const viaSum = (await b.sum().compute({ scheduler }).catch((e: unknown) => e)) as TaskError;
    expect(viaSum.key).toMatch(/^sum-part-[0-9a-f]+\[1\]$/);
    expect(viaSum.remoteMessage).toBe('bad element 7 [bag partition 1, input element 2]');
    expect(err.remoteName).toBe('TypeError');
    expect(err.remoteMessage).toBe('bad element 7 [bag partition 1, input element 2]');
    expect(err.message).toContain(`task "${b.__keys__()[1]}" failed`);
    expect(err.remoteStack).toContain('explode');
  });

  test('an error inside mapPartitions names the partition', async () => {
    const b = bag.range(6, { npartitions: 3 }).mapPartitions((xs) => {
      if (xs.includes(4)) throw new Error('no fours');
      return xs;
    });
    await expect(b.compute({ scheduler: 'processes' })).rejects.toThrow(/no fours \[bag partition 2\]/);
  });

  test('async functions are refused with a clear message', async () => {
    const b = bag.range(4, { npartitions: 2 });
    await expect(b.map(async (x) => x * 2).compute({ scheduler: 'sync' })).rejects.toThrow(/holds Promises: functions given to a Bag must be synchronous/);
    await expect(b.mapPartitions(async (xs) => xs).compute({ scheduler: 'processes' })).rejects.toThrow(/must be synchronous/);
  });

  test('the pool stays usable after a failure', async () => {
    await expect(bag.range(4, { npartitions: 2 }).map((x) => { throw new Error(`x${x}`); }).compute()).rejects.toBeInstanceOf(TaskError);
    expect(await bag.range(4, { npartitions: 2 }).sum().compute()).toBe(6);
  });
});

describe('bad input', () => {
  test('options name the option and value', () => {
    expect(() => bag.fromSequence([1], { npartitions: 0 })).toThrow(/npartitions=0/);
    expect(() => bag.fromSequence([1], { partitionSize: 1.5 })).toThrow(/partitionSize=1.5/);
    expect(() => bag.fromSequence(42 as never)).toThrow(/fromSequence\(xs\) must be an array/);
    expect(() => bag.range(-1, { npartitions: 1 })).toThrow(OptionError);
    expect(() => bag.range(10, { npartitions: 2 }).topk(-1)).toThrow(/k=-1/);
    expect(() => bag.range(10, { npartitions: 2 }).groupBy((x) => x, { npartitions: 0 })).toThrow(/npartitions=0/);
    expect(() => bag.range(10, { npartitions: 2 }).foldBy({} as never, (a: number) => a)).toThrow(/key=\{\}/);
    expect(() => bag.fromDelayed([1 as never])).toThrow(/must be a Delayed/);
    expect(() => bag.range(4, { npartitions: 2 }).map(42 as never)).toThrow(/must be a function/);
  });
});
