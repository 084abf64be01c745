/**
 * The scheduler conformance suite (Dask's GetFunctionTestMixin): every scheduler runs the same
 * graphs and must give the same results, release intermediates, and fail clearly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { compute, delayed, moduleFunction, shutdown, ShipError, TaskError, type Callback, type RunStats, type TaskInfo } from '../../src/index.ts';
import { data, ref, task, type GraphNode } from '../../src/graph/types.ts';
import { getScheduler } from '../../src/schedulers/index.ts';
import { SCHEDULERS, tempDir } from '../helpers.ts';

const fixtures = new URL('../fixtures/fns.ts', import.meta.url);
const square = moduleFunction<(x: number) => number>(fixtures, 'square');
const countedSquare = moduleFunction<(file: string, x: number) => number>(fixtures, 'countedSquare');
const slowDouble = moduleFunction<(x: number) => Promise<number>>(fixtures, 'slowDouble');

afterAll(() => shutdown());

function statsOf(run: (cb: { finish(s: RunStats): void }) => Promise<unknown>): Promise<RunStats> {
  let stats: RunStats | undefined;
  return run({ finish: (s) => (stats = s) }).then(() => stats!);
}

describe.each(SCHEDULERS)('scheduler %s', (scheduler) => {
  const opts = { scheduler, numWorkers: 2 } as const;

  test('raw graph: data, tasks, aliases, nested references in arguments', async () => {
    const g = new Map<string, GraphNode>([
      ['a', data('a', 1)],
      ['b', data('b', 2)],
      ['c', task('c', { kind: 'op', name: 'add' }, [ref('a'), ref('b')])],
      ['d', task('d', { kind: 'op', name: 'list' }, [{ x: ref('c'), ys: [ref('a'), [ref('b'), 7]] }, 'lit'])],
      ['e', { kind: 'alias' as const, key: 'e', target: 'd' }],
    ]);
    const [c, d, e, a] = await getScheduler(scheduler).get(g, ['c', 'd', 'e', 'a'], { numWorkers: 2 });
    expect(c).toBe(3);
    expect(d).toEqual([{ x: 3, ys: [1, [2, 7]] }, 'lit']);
    expect(e).toEqual(d);
    expect(a).toBe(1);
  });

  test('nested outputs and Delayed inside arrays/objects', async () => {
    const x = delayed((a: number) => a + 1)(1);
    const y = delayed((v: { p: number; q: number[] }) => v.p + v.q[0]! + v.q[1]!)({ p: x, q: [x, 10] });
    const [r, list] = await compute(y, delayed([x, y, 'z']), opts);
    expect(r).toBe(2 + 2 + 10);
    expect(list).toEqual([2, 14, 'z']);
  });

  test('a 10,000-task chain', async () => {
    let x = delayed((v: number) => v + 1)(0);
    for (let i = 1; i < 10_000; i++) x = delayed((v: number) => v + 1)(x);
    for (const fuse of [false, true]) {
      const stats = await statsOf((cb) => x.compute({ ...opts, fuse, callbacks: [cb] }));
      expect(stats.tasks).toBe(fuse ? 1 : 10_000);
      // Each link is released as soon as the next has run.
      expect(stats.peakHeld).toBeLessThanOrEqual(fuse ? 1 : 3);
      expect(stats.heldAtEnd).toBe(0);
    }
    expect(await x.compute({ ...opts, fuse: false })).toBe(10_000);
  });

  test('diamond graph', async () => {
    const a = delayed((v: number) => v * 2, { name: 'a' })(5);
    const b = delayed((v: number) => v + 1, { name: 'b' })(a);
    const c = delayed((v: number) => v - 1, { name: 'c' })(a);
    const d = delayed((p: number, q: number) => p * q, { name: 'd' })(b, c);
    expect(await d.compute(opts)).toBe(11 * 9);
  });

  test('shared intermediates run once (calls counted in the worker)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'calls.txt');
      writeFileSync(file, '');
      const i = delayed(countedSquare)(file, 3);
      const [a, b] = await compute(i.sub(5), i.add(4), opts);
      expect([a, b]).toEqual([4, 13]);
      expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
      // compute(a, b) of two separate collections sharing `i` also runs it once.
      writeFileSync(file, '');
      const j = delayed(countedSquare)(file, 4);
      const many = Array.from({ length: 6 }, (_, k) => j.add(k));
      expect(await compute(...many, opts)).toEqual([16, 17, 18, 19, 20, 21]);
      expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    } finally {
      cleanup();
    }
  });

  test('intermediates are released: wide reduction holds few results at once', async () => {
    const leaves = Array.from({ length: 200 }, (_, k) => delayed((v: number) => v * v)(k));
    // Pairwise tree: each level releases its inputs once the pair's sum has run.
    let level = leaves;
    while (level.length > 1) {
      const next = [];
      for (let k = 0; k < level.length; k += 2) next.push(k + 1 < level.length ? level[k]!.add(level[k + 1]!) : level[k]!);
      level = next;
    }
    const stats = await statsOf((cb) => level[0]!.compute({ ...opts, fuse: false, callbacks: [cb] }));
    expect(stats.heldAtEnd).toBe(0);
    expect(stats.peakHeld).toBeLessThan(200 + 200); // never everything at once
    if (scheduler === 'sync') expect(stats.peakHeld).toBeLessThanOrEqual(10); // depth-first order
    if (scheduler === 'processes') {
      expect(stats.peakWorkerHeld).toBeGreaterThan(0);
      expect(stats.peakWorkerHeld).toBeLessThan(400);
    }
    expect(await level[0]!.compute(opts)).toBe((199 * 200 * 399) / 6);
  });

  test('module functions, including async ones', async () => {
    const xs = Array.from({ length: 20 }, (_, k) => delayed(slowDouble)(delayed(square)(k)));
    expect(await compute(...xs, opts)).toEqual(Array.from({ length: 20 }, (_, k) => 2 * k * k));
  });

  test('a task that throws rejects with TaskError: key, name, message, remote stack', async () => {
    const bad = delayed(function explode(x: number) {
      if (x > 1) throw new RangeError(`too big: ${x}`);
      return x;
    }, { name: 'explode' })(5);
    const err = await bad.compute(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    const te = err as TaskError;
    expect(te.key).toBe(bad.key);
    expect(te.remoteName).toBe('RangeError');
    expect(te.remoteMessage).toBe('too big: 5');
    expect(te.remoteStack).toContain('explode');
    expect(te.message).toContain(bad.key);
    expect(te.code).toBe('ERR_SHOAL_TASK');
    // The pool stays usable.
    expect(await delayed((v: number) => v * 3)(7).compute(opts)).toBe(21);
  });

  test('a task that throws a value that is not an Error: the message shows it as util.inspect does, not [object Object]', async () => {
    const bad = delayed((code: number) => {
      throw { code, detail: ['disk full'] };
    }, { name: 'throwsObject' })(42);
    const err = (await bad.compute(opts).catch((e: unknown) => e)) as TaskError;
    expect(err).toBeInstanceOf(TaskError);
    expect(err.key).toBe(bad.key);
    expect(err.remoteMessage).toBe("a value that is not an Error was thrown: { code: 42, detail: [ 'disk full' ] }");
    expect(err.message).toContain("{ code: 42, detail: [ 'disk full' ] }");
    expect(err.message).not.toContain('[object Object]');
    // A thrown string is its own message; null says so.
    const s = (await delayed((): never => { throw 'plain words'; })().compute(opts).catch((e: unknown) => e)) as TaskError;
    expect(s.remoteMessage).toBe('plain words');
    const n = (await delayed((): never => { throw null; })().compute(opts).catch((e: unknown) => e)) as TaskError;
    expect(n.remoteMessage).toBe('a value that is not an Error was thrown: null');
  });

  test('named class expressions inside a shipped function ship; an outside variable used in one is still refused', async () => {
    // The class's own name is in scope only inside it (not bound by the const it is assigned to).
    const f = delayed((x: number) => {
      const make = class Acc {
        n = 0;
        add(v: number) {
          this.n += v;
          return this;
        }
        static of(v: number) {
          return new Acc().add(v);
        }
      };
      return make.of(x).add(1).n + new (class Counter {})().constructor.name.length;
    });
    expect(await f(41).compute(opts)).toBe(42 + 'Counter'.length);
    if (scheduler === 'sync') return;
    const offset = 5;
    const g = delayed((x: number) => {
      const K = class K {
        m() {
          return x + offset;
        }
      };
      return new K().m();
    });
    const err = (await g(1).compute(opts).catch((e: unknown) => e)) as ShipError;
    expect(err).toBeInstanceOf(ShipError);
    expect(err.variables).toEqual(['offset']);
  });

  test('errors inside a fused chain name the failing step key', async () => {
    const a = delayed((v: number) => v + 1, { name: 'first' })(1);
    const b = delayed((v: number): number => {
      throw new Error(`no ${v}`);
    }, { name: 'second' })(a);
    const c = delayed((v: number) => v, { name: 'third' })(b);
    const err = (await c.compute({ ...opts, fuse: true }).catch((e: unknown) => e)) as TaskError;
    expect(err).toBeInstanceOf(TaskError);
    expect(err.remoteMessage).toBe('no 2');
    expect(err.key).toBe(b.key);
    expect(err.scheduledKey).toBe(c.key);
    expect(err.message).toContain(b.key);
  });

  test('closures over outside variables are refused before any work, naming the variable', async () => {
    const threshold = 10;
    let ran = 0;
    const f = delayed((x: number) => x > threshold);
    const g = delayed((x: number) => {
      ran++;
      return x;
    });
    if (scheduler === 'sync') {
      expect(await f(11).compute(opts)).toBe(true); // sync runs the real closure
      return;
    }
    const err = (await compute(g(1), f(11), opts).catch((e: unknown) => e)) as ShipError;
    expect(err).toBeInstanceOf(ShipError);
    expect(err.variables).toContain('threshold');
    expect(err.variables).toContain('ran');
    expect(err.message).toContain(`'threshold'`);
    expect(err.message).toContain(`'${scheduler}'`);
    expect(err.message).toMatch(/pass it as an argument/);
    expect(ran).toBe(0);
  });

  test('functions that use only globals and their arguments ship', async () => {
    const f = delayed((x: number, k: number) => Math.sqrt(x) * k + JSON.parse('1') + [x].map((v) => v).length);
    expect(await f(16, 2).compute(opts)).toBe(4 * 2 + 1 + 1);
    // Method shorthand source and named function expressions too.
    const obj = {
      triple(x: number) {
        return 3 * x;
      },
    };
    expect(await delayed(obj.triple)(5).compute(opts)).toBe(15);
  });

  test('functions passed as arguments travel like task functions', async () => {
    const apply = (f: (x: number) => number, x: number) => f(x);
    expect(await delayed(apply)((x: number) => x * 3, 5).compute(opts)).toBe(15);
    // Nested in containers, module functions, and inside a fused chain.
    const viaObj = delayed((fs: Array<{ g: (x: number) => number }>, x: number) => fs[0]!.g(x))([{ g: (x: number) => x + 1 }], 1);
    expect(await viaObj.compute(opts)).toBe(2);
    expect(await delayed(apply)(square, 4).compute(opts)).toBe(16);
    const a = delayed(apply, { name: 'a' })((x: number) => x + 1, 1);
    const b = delayed(apply, { name: 'b' })((x: number) => x * 10, a);
    expect(await b.compute({ ...opts, fuse: true })).toBe(20);
    expect(await b.compute({ ...opts, fuse: false })).toBe(20);
    // A closure passed as an argument is refused like any other.
    const k = 2;
    const c = delayed(apply)((x: number) => x * k, 1);
    if (scheduler === 'sync') expect(await c.compute(opts)).toBe(2);
    else await expect(c.compute(opts)).rejects.toThrow(/uses 'k' from outside the function/);
  });

  test('callbacks: start, pretask then posttask once per task, finish; tasks start after their inputs end', async () => {
    const events: string[] = [];
    const infos = new Map<string, TaskInfo>();
    let started = 0;
    let finished = 0;
    const cb: Callback = {
      start: (info) => {
        started++;
        expect(info.scheduler).toBe(scheduler);
        expect(info.tasks).toBe(7);
      },
      pretask: (key) => events.push(`pre:${key}`),
      posttask: (key, info) => {
        events.push(`post:${key}`);
        infos.set(key, info);
      },
      finish: () => finished++,
    };
    const a = delayed((x: number) => x + 1, { name: 'a' })(1);
    const bs = [0, 1, 2, 3].map((k) => delayed((x: number, m: number) => x * m, { name: `b${k}` })(a, k));
    const c = delayed((xs: number[]) => xs.length, { name: 'c' })(bs);
    const d = delayed((x: number) => -x, { name: 'd' })(c);
    expect(await d.compute({ ...opts, callbacks: [cb], fuse: false })).toBe(-4);
    expect([started, finished]).toEqual([1, 1]);
    const keys = [a, ...bs, c, d].map((x) => x.key);
    for (const k of keys) {
      expect(events.filter((e) => e === `pre:${k}`)).toHaveLength(1);
      expect(events.indexOf(`pre:${k}`)).toBeLessThan(events.indexOf(`post:${k}`));
      const info = infos.get(k)!;
      expect(info.start).toBeLessThanOrEqual(info.end);
      expect(info.worker).toMatch(scheduler === 'sync' ? /^main$/ : scheduler === 'threads' ? /^thread-\d+$/ : /^process-\d+ \(pid \d+\)$/);
    }
    // Workers' clocks are the same wall clock (timeOrigin + now); allow a little skew across processes.
    const before = (x: string, y: string) => expect(infos.get(x)!.end).toBeLessThanOrEqual(infos.get(y)!.start + 5);
    for (const b of bs) before(a.key, b.key);
    for (const b of bs) before(b.key, c.key);
    before(c.key, d.key);
  });

  test('typed arrays in and out', async () => {
    const input = new Float64Array(new SharedArrayBuffer(8 * 1000)).map((_, k) => k);
    const f = delayed((a: Float64Array) => {
      const out = new Float64Array(a.length);
      for (let k = 0; k < a.length; k++) out[k] = a[k]! * 2;
      return out;
    });
    const out = (await f(input).compute(opts)) as Float64Array;
    expect(out).toBeInstanceOf(Float64Array);
    expect(out[999]).toBe(1998);
    if (scheduler === 'threads') expect(out.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  test('unclonable results fail with a clear error', async () => {
    if (scheduler === 'sync') return;
    const f = delayed(() => ({ fn: () => 1 }), { name: 'makesfn' })();
    const err = (await f.compute(opts).catch((e: unknown) => e)) as TaskError;
    expect(err).toBeInstanceOf(TaskError);
    expect(err.message).toMatch(/cannot be sent between threads\/processes/);
  });
});
