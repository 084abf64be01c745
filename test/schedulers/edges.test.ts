/** Edge cases every scheduler must handle: concurrency, odd values, functions that cannot load. */
import { afterAll, describe, expect, test } from 'vitest';
import { compute, delayed, moduleFunction, OptionError, ShipError, shutdown, TaskError } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';

afterAll(() => shutdown());

const fixtures = new URL('../fixtures/fns.ts', import.meta.url);

describe.each(SCHEDULERS)('%s', (scheduler) => {
  const opts = { scheduler, numWorkers: 2 } as const;

  test('concurrent computes on one pool keep their results apart', async () => {
    const mk = (base: number) => {
      let x = delayed((v: number) => v + 1)(base);
      for (let k = 0; k < 50; k++) x = delayed((v: number) => v + 1)(x);
      return x;
    };
    const runs = Array.from({ length: 8 }, (_, k) => mk(1000 * k).compute({ ...opts, fuse: false }));
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 8 }, (_, k) => 1000 * k + 51));
  });

  test('one failing compute does not disturb a concurrent one', async () => {
    const ok = delayed((v: number) => v * 2)(21);
    const bad = delayed((v: number) => {
      throw new Error(`bad ${v}`);
    })(1);
    const [a, b] = await Promise.allSettled([ok.compute(opts), bad.compute(opts)]);
    expect(a).toEqual({ status: 'fulfilled', value: 42 });
    expect(b.status).toBe('rejected');
  });

  test('results of every structured-clone kind survive', async () => {
    const f = delayed(() => ({
      u: undefined,
      n: null,
      big: 12345678901234567890n,
      date: new Date(0),
      map: new Map([['a', 1]]),
      set: new Set([1, 2]),
      nested: [[1, [2, [3]]]],
      re: /x+/g,
      nan: Number.NaN,
    }));
    const r = (await f().compute(opts)) as Record<string, unknown>;
    expect(r.u).toBeUndefined();
    expect(r.n).toBeNull();
    expect(r.big).toBe(12345678901234567890n);
    expect(r.date).toEqual(new Date(0));
    expect(r.map).toEqual(new Map([['a', 1]]));
    expect(r.set).toEqual(new Set([1, 2]));
    expect(r.nested).toEqual([[1, [2, [3]]]]);
    expect(String(r.re)).toBe('/x+/g');
    expect(r.nan).toBeNaN();
    expect(await delayed(() => undefined)().compute(opts)).toBeUndefined();
  });

  test('a module that throws on import fails its tasks with that error, and the pool carries on', async () => {
    const broken = moduleFunction(new URL('../fixtures/broken.ts', import.meta.url), 'whatever');
    const err = (await delayed(broken)(1).compute(opts).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(scheduler === 'sync' ? Error : TaskError);
    expect(String(err.message)).toContain('broken module: cannot load');
    expect(await delayed((v: number) => v + 1)(1).compute(opts)).toBe(2);
  });

  test('a missing export is a clear error listing what the module exports', async () => {
    const missing = moduleFunction(fixtures, 'nope');
    const err = (await delayed(missing)(1).compute(opts).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/has no export "nope"; it exports .*"square"/);
  });

  test('native and bound functions cannot be shipped; sync runs them', async () => {
    const bound = function (this: { k: number }, x: number) {
      return x * this.k;
    }.bind({ k: 3 });
    if (scheduler === 'sync') {
      expect(await delayed(bound)(2).compute(opts)).toBe(6);
      expect(await delayed(Math.max)(2, 7).compute(opts)).toBe(7);
      return;
    }
    const err = (await delayed(bound)(2).compute(opts).catch((e: unknown) => e)) as ShipError;
    expect(err).toBeInstanceOf(ShipError);
    expect(err.message).toMatch(/native or bound function/);
  });
});

test('delayed() of a non-function with function options, and bad functions, are clear errors', () => {
  expect(() => delayed(undefined as unknown as () => void)).not.toThrow(); // a literal undefined value
  expect(() => delayed((x: number) => x, { nout: 1.5 })).toThrow(OptionError);
});

test('compute on an empty graph and of plain values needs no scheduler', async () => {
  expect(await compute(1, 'a', { scheduler: 'processes' })).toEqual([1, 'a']);
});

test('moduleFunction takes a file path too, and says how to call it directly before it has loaded', async () => {
  const sq = moduleFunction<(x: number) => number>(new URL('../fixtures/fns.ts', import.meta.url).pathname, 'square');
  expect(() => sq(3)).toThrow(/square from file:.*fns\.ts is still loading; await its `ready` promise/);
  await sq.ready;
  expect(sq(3)).toBe(9);
  expect(await delayed(sq)(4).compute({ scheduler: 'processes', numWorkers: 2 })).toBe(16);
});
