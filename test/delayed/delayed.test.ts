import { inspect } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { compute, Delayed, delayed, OptionError, persist, shutdown } from '../../src/index.ts';

afterAll(() => shutdown());

describe('delayed', () => {
  test('the seed example: square computed once for both results', async () => {
    let calls = 0;
    const square = (x: number) => {
      calls++;
      return x * x;
    };
    const i = delayed(square)(3);
    const [a, b] = await compute(i.sub(5), i.add(4), { scheduler: 'sync' });
    expect([a, b]).toEqual([4, 13]);
    expect(calls).toBe(1);
  });

  test('arithmetic and comparison methods', async () => {
    const x = delayed(10);
    const y = delayed((v: number) => v)(4);
    const r = await compute(x.add(y), x.sub(y), x.mul(y), x.div(y), x.mod(y), x.pow(2), x.neg(), x.eq(10), x.ne(10), x.lt(y), x.le(10), x.gt(y), x.ge(11));
    expect(r).toEqual([14, 6, 40, 2.5, 2, 100, -10, true, false, false, true, true, false]);
  });

  test('get(i | key) for items and properties; nout makes it iterable', async () => {
    const pair = delayed((a: number, b: number) => [Math.floor(a / b), a % b] as [number, number], { nout: 2 })(7, 2);
    const [q, r] = pair;
    expect(await compute(q!, r!)).toEqual([3, 1]);
    const obj = delayed((n: number) => ({ n, twice: 2 * n }))(5);
    expect(await obj.get('twice').compute()).toBe(10);
    expect(() => [...delayed((x: number) => x)(1)]).toThrow(/unspecified length are not iterable/);
  });

  test('delayed(value) and containers of Delayeds', async () => {
    const a = delayed((x: number) => x + 1)(1);
    expect(await delayed([a, a, 3]).compute()).toEqual([2, 2, 3]);
    expect(await delayed({ p: a, q: [a, 'z'] }).compute()).toEqual({ p: 2, q: [2, 'z'] });
    expect(await delayed(42).compute()).toBe(42);
    expect(delayed(a)).toBe(a);
  });

  test('keys: impure calls are distinct; pure calls with equal inputs share a key', () => {
    const f = (x: number) => x * 2;
    expect(delayed(f)(1).key).not.toBe(delayed(f)(1).key);
    expect(delayed(f, { pure: true })(1).key).toBe(delayed(f, { pure: true })(1).key);
    expect(delayed(f, { pure: true })(1).key).not.toBe(delayed(f, { pure: true })(2).key);
    expect(delayed(f, { name: 'double' })(1).key).toMatch(/^double-[0-9a-f]{16}$/);
    expect(delayed(f, { key: 'exact' })(1).key).toBe('exact');
    // Closures with the same text but different captured values must not share a key.
    const mk = (k: number) => (x: number) => x * k;
    expect(delayed(mk(2), { pure: true })(1).key).not.toBe(delayed(mk(3), { pure: true })(1).key);
  });

  test('pure arithmetic dedupes: x.add(1) twice is one task', () => {
    const x = delayed((v: number) => v)(1);
    expect(x.add(1).key).toBe(x.add(1).key);
    const g = compute; // graphs merge by key
    expect(typeof g).toBe('function');
  });

  test('compute passes non-collections through; options trail', async () => {
    const x = delayed((v: number) => v * 3)(2);
    expect(await compute(x, 'plain', 7, { scheduler: 'sync' })).toEqual([6, 'plain', 7]);
    expect(await compute()).toEqual([]);
  });

  test('persist: later computes start from the stored result', async () => {
    let calls = 0;
    const x = delayed(() => {
      calls++;
      return 5;
    })();
    const [p] = await persist(x, { scheduler: 'sync' });
    expect(p).toBeInstanceOf(Delayed);
    expect(calls).toBe(1);
    expect(await p.add(1).compute({ scheduler: 'sync' })).toBe(6);
    expect(await p.mul(2).compute({ scheduler: 'sync' })).toBe(10);
    expect(calls).toBe(1);
  });

  test('string forms and bad options', () => {
    const x = delayed((v: number) => v, { key: 'k-1' })(1);
    expect(String(x)).toBe("Delayed('k-1')");
    expect(inspect(x)).toBe("Delayed('k-1')");
    expect(() => delayed((v: number) => v, { nout: -1 })).toThrow(OptionError);
    expect(() => delayed((v: number) => v, { nout: -1 })).toThrow(/nout=-1/);
  });

  test('visualize draws shared intermediates once', async () => {
    const i = delayed(function square(x: number) {
      return x * x;
    })(3);
    const a = i.sub(5);
    const b = i.add(4);
    const svg = await a.visualize();
    expect(svg).toContain('<svg');
    const { visualize } = await import('../../src/index.ts');
    const dot = await visualize(a, b, { format: 'dot' });
    expect(dot.match(/label="square", shape="circle"/g)).toHaveLength(1);
    expect(dot.match(/label="square", shape="box"/g)).toHaveLength(1);
    expect(dot.match(/ -> /g)).toHaveLength(5);
    expect(dot).toContain('label="sub"');
    expect(dot).toContain('label="add"');
  });
});
