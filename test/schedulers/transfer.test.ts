/**
 * Large values between processes travel as transfer files (src/schedulers/bulk.ts): the values
 * arrive intact whichever way they move (to a worker, back, between workers), and no file is ever
 * left behind: not after a compute, a failure, a worker's death, `shutdown()`, the end of the
 * program, Ctrl-C, or the parent being killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compute, delayed, moduleFunction, shutdown, TaskError, WorkerDiedError } from '../../src/index.ts';
import { data, ref, task, type GraphNode } from '../../src/graph/types.ts';
import { makeBulkDir, readBulk, removeBulkDir, writeBulk } from '../../src/schedulers/bulk.ts';
import { getPool, getScheduler } from '../../src/schedulers/index.ts';
import { specOf } from '../../src/schedulers/specs.ts';
import { isAlive, waitFor } from '../helpers.ts';

// Every value of 1000 bytes or more travels as a file here, so small inputs exercise that path.
process.env.SHOAL_BULK_MIN = '1000';

const fixtures = new URL('../fixtures/fns.ts', import.meta.url);
const exitWorker = moduleFunction<(code: number) => never>(fixtures, 'exitWorker');
const opts = { scheduler: 'processes', numWorkers: 2 } as const;
const script = new URL('./transfer-script.ts', import.meta.url).pathname;

afterAll(() => shutdown());

const pool = () => getPool('processes', 2);
/** Transfer files still there (spares, kept for reuse until the pool is idle, and the folder's lock are not counted). */
const filesLeft = () => readdirSync(pool().transferDirectory!).filter((n) => !n.startsWith('spare-') && n !== '.owner');

/** A Float64Array of `n` values from `seed` (the same on every side). */
function series(n: number, seed: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = seed + i * 0.25;
  return a;
}
/** Same type and bytes (vitest's toEqual walks big typed arrays element by element, slowly). */
function same(a: unknown, b: ArrayBufferView): boolean {
  if (!ArrayBuffer.isView(a) || a.constructor !== b.constructor || a.byteLength !== b.byteLength) return false;
  return Buffer.compare(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
const sum = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
};

describe('transfer files (bulk.ts)', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeBulkDir();
  });
  afterAll(() => removeBulkDir(dir));

  test('any serializable value comes back equal, typed arrays in buffers of their own, and the file is deleted', () => {
    const view = fc.oneof(
      fc.integer({ min: 0, max: 70_000 }).map((n) => series(n, 1)),
      fc.integer({ min: 0, max: 140_000 }).map((n) => new Uint8Array(n).fill(7)),
      fc.integer({ min: 65_530, max: 65_540 }).map((n) => Buffer.alloc(n, 3)),
      fc.integer({ min: 0, max: 20_000 }).map((n) => new BigInt64Array(n).fill(-5n)),
      fc.integer({ min: 10, max: 100_000 }).map((n) => series(n, 2).subarray(3, n - 2)),
    );
    const value = fc.oneof(view, fc.anything(), fc.array(fc.oneof(view, fc.string(), fc.integer()), { maxLength: 4 }), fc.dictionary(fc.string(), view, { maxKeys: 3 }));
    let k = 0;
    fc.assert(
      fc.property(value, (v) => {
        const path = join(dir, `t${k++}`);
        writeBulk(path, v);
        const back = readBulk(path);
        expect(existsSync(path)).toBe(false);
        expect(back).toEqual(v);
        const views = ArrayBuffer.isView(back) ? [back] : Array.isArray(back) ? back.filter((x) => ArrayBuffer.isView(x)) : [];
        for (const x of views as ArrayBufferView[]) expect([x.byteOffset, x.buffer.byteLength]).toEqual([0, x.byteLength]);
      }),
      { numRuns: 30 },
    );
  });

  test('a file that is not a transfer file is refused, and deleted', () => {
    const path = join(dir, 'junk');
    writeFileSync(path, 'not a transfer file at all');
    expect(() => readBulk(path)).toThrow(/not a shoal transfer file/);
    expect(existsSync(path)).toBe(false);
  });
});

describe('processes: large values as files', () => {
  test('to a worker, back, and between workers: the values arrive intact, and no file is left', async () => {
    const n = 300_000; // 2.4 MB each
    const before = pool().fileTransfers;
    // to: a data node read by a worker; from: results; between: a task needing two arrays made
    // on different workers (one of them is fetched from the other).
    const input = delayed(series(n, 1), { name: 'input' });
    const a = delayed(series)(n, 2);
    const b = delayed(series)(n, 3);
    const both = delayed((x: Float64Array, y: Float64Array) => x.map((v, i) => v + y[i]!))(a, b);
    const shifted = delayed((x: Float64Array) => x.map((v) => v + 1))(input);
    const [s, back, total] = await compute(shifted, both, delayed(sum)(input), opts);
    expect(same(s, series(n, 2))).toBe(true);
    const y = series(n, 3);
    expect(same(back, series(n, 2).map((v, i) => v + y[i]!))).toBe(true);
    expect(total).toBe(sum(series(n, 1)));
    expect(pool().fileTransfers - before).toBeGreaterThanOrEqual(4);
    expect(filesLeft()).toEqual([]);
    // Read files are kept as spares for the next writes (at most 2), until the pool is idle.
    const dir = pool().transferDirectory!;
    const files = () => readdirSync(dir).filter((n) => n !== '.owner');
    expect(files().length).toBeLessThanOrEqual(2);
    expect(await waitFor(() => files().length === 0, 5000)).toBe(true);
  });

  test('a value fetched from one worker and needed on the other twice is relayed, then deleted', async () => {
    // 'a' on one worker; its two users are pinned to the other by their second input.
    const make = specOf((n: number, seed: number) => new Float64Array(n).fill(seed));
    const add = specOf((x: Float64Array, y: Float64Array) => x[0]! + y[0]! + x.length);
    const g = new Map<string, GraphNode>([
      ['a', task('a', make, [50_000, 1])],
      ['b', task('b', make, [50_000, 2])],
      ['c', task('c', make, [50_000, 3])],
      ['ab', task('ab', add, [ref('a'), ref('b')])],
      ['ac', task('ac', add, [ref('a'), ref('c')])],
    ]);
    const out = await getScheduler('processes').get(g, ['ab', 'ac'], { ...opts, fuse: false });
    expect(out).toEqual([50_003, 50_004]);
    expect(filesLeft()).toEqual([]);
  });

  test('large literal arguments (delayed(f)(bigArray)) travel as files too', async () => {
    const xs = series(200_000, 5);
    const rows = Array.from({ length: 5000 }, (_, i) => ({ i }));
    const before = pool().fileTransfers;
    const f = delayed((a: Float64Array, k: number, r: Array<{ i: number }>) => a[a.length - 1]! * k + r.length + r[4999]!.i);
    expect(await f(xs, 2, rows).compute(opts)).toBe(xs[xs.length - 1]! * 2 + 5000 + 4999);
    expect(pool().fileTransfers - before).toBe(2);
    expect(filesLeft()).toEqual([]);
  });

  test('a relayed value reaches several workers intact while files are reused around it', async () => {
    // 'a' is made on one of 3 workers and needed on the other two (pinned there by b and c); the
    // calling process holds its file and links it to each. Large results meanwhile reuse spares.
    const make = specOf((n: number, seed: number) => new Float64Array(n).fill(seed));
    const add = specOf((x: Float64Array, y: Float64Array) => x.map((v, i) => v + y[i]!));
    const n = 100_000;
    for (let round = 0; round < 3; round++) {
      const g = new Map<string, GraphNode>([
        ['a', task('a', make, [n, 1])],
        ['b', task('b', make, [n, 2])],
        ['c', task('c', make, [n, 3])],
        ['ab', task('ab', add, [ref('a'), ref('b')])],
        ['ac', task('ac', add, [ref('a'), ref('c')])],
      ]);
      const [ab, ac] = await getScheduler('processes').get(g, ['ab', 'ac'], { numWorkers: 3, fuse: false });
      expect(same(ab, new Float64Array(n).fill(3))).toBe(true);
      expect(same(ac, new Float64Array(n).fill(4))).toBe(true);
    }
    expect(readdirSync(getPool('processes', 3).transferDirectory!).filter((f) => !f.startsWith('spare-') && f !== '.owner')).toEqual([]);
    await getPool('processes', 3).close();
  });

  test('objects, Maps and typed arrays inside containers survive, sync gives the same', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `row-${i}`, tags: new Set([i % 3]), v: new Float32Array([i, -i]) }));
    const f = delayed((xs: typeof rows) => ({ n: xs.length, last: xs[xs.length - 1], map: new Map(xs.slice(0, 3).map((r) => [r.id, r])) }));
    const onProcesses = await f(delayed(rows, { name: 'rows' })).compute(opts);
    const onSync = await f(delayed(rows, { name: 'rows' })).compute({ scheduler: 'sync' });
    expect(onProcesses).toEqual(onSync);
    expect(filesLeft()).toEqual([]);
  });

  test('results do not depend on the path: files or the IPC channel, any size, any direction', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: 40_000 }), async (n, m) => {
        const x = delayed(series)(n, 1);
        const y = delayed(series(m, 2), { name: 'y' });
        const joined = delayed((p: Float64Array, q: Float64Array) => [p.length, q.length, p.reduce((s, v) => s + v, 0) + q.reduce((s, v) => s + v, 0)])(x, y);
        const [r, xs] = await compute(joined, x, opts);
        expect(r).toEqual([n, m, sum(series(n, 1)) + sum(series(m, 2))]);
        expect(same(xs, series(n, 1))).toBe(true);
      }),
      { numRuns: 8 },
    );
    expect(filesLeft()).toEqual([]);
  });

  test('a failing compute deletes the files it held or had sent', async () => {
    const big = delayed(series)(100_000, 1);
    const other = delayed(series)(100_000, 2);
    const boom = delayed((a: Float64Array, b: Float64Array) => {
      throw new Error(`boom ${a.length + b.length}`);
    })(big, other);
    const err = await compute(boom, delayed(series(100_000, 3), { name: 'z' }), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect(await waitFor(() => filesLeft().length === 0, 2000)).toBe(true);
  });

  test('a worker that dies is swept: files it wrote but never sent, and files sent to it but never read', async () => {
    await pool().started();
    const dir = pool().transferDirectory!;
    const victim = pool().workers[0]!;
    const pid = victim.channel.pid;
    // As if it died halfway through sending a result, and before reading an input.
    writeBulk(join(dir, `p${pid}-999`), series(1000, 1));
    writeBulk(pool().fileFor(victim), series(1000, 2));
    const other = join(dir, `p${pool().workers[1]!.channel.pid}-999`);
    writeBulk(other, series(10, 3));
    expect(filesLeft()).toHaveLength(3);
    process.kill(pid, 'SIGKILL');
    await victim.channel.closed;
    expect(filesLeft()).toEqual([other.split('/').pop()]);
    readBulk(other);
    // The pool replaced it and moves large values again.
    await waitFor(() => pool().workers.every((w) => w.alive));
    expect(await delayed(sum)(delayed(series(5000, 1), { name: 'after' })).compute(opts)).toBe(sum(series(5000, 1)));
    expect(filesLeft()).toEqual([]);
  });

  test('a worker dying while large inputs are on their way fails the compute, and leaves no file', async () => {
    const doomed = delayed(exitWorker, { name: 'doomed' })(3);
    const users = Array.from({ length: 4 }, (_, k) => delayed((a: Float64Array, _d: unknown) => a.length)(delayed(series(50_000, k), { name: `in${k}` }), doomed));
    const err = await compute(...users, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerDiedError);
    expect(await waitFor(() => filesLeft().length === 0, 5000)).toBe(true);
  });

  test('shutdown() removes the directory; a new pool makes a new one and removes directories of dead programs', async () => {
    await pool().started();
    const dir = pool().transferDirectory!;
    await shutdown();
    expect(existsSync(dir)).toBe(false);
    // A directory left by a program killed with its workers (its lock names a pid no longer running).
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    const stale = join(dir.slice(0, dir.lastIndexOf('/')), 'shoal-transfer-abcdef');
    mkdirSync(stale);
    writeFileSync(join(stale, '.owner'), JSON.stringify({ pid: dead.pid, start: '1' }));
    writeFileSync(join(stale, 'p1-0'), 'x');
    await pool().started();
    expect(pool().transferDirectory).not.toBe(dir);
    expect(existsSync(stale)).toBe(false);
  });
});

describe('a program using transfer files leaves nothing behind', () => {
  function runScript(mode: string): { child: ChildProcess; first: Promise<{ dir: string; existed: boolean; pids: number[] }>; output: () => string } {
    const child = spawn(process.execPath, ['--import', 'tsx', script, mode], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const first = new Promise<{ dir: string; existed: boolean; pids: number[] }>((resolve, reject) => {
      child.stdout!.on('data', () => {
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
      });
      child.once('exit', (code) => reject(new Error(`script exited (${code}) early: ${out}`)));
    });
    return { child, first, output: () => out };
  }
  const exited = (child: ChildProcess) =>
    new Promise((res) => (child.exitCode !== null || child.signalCode !== null ? res(null) : child.once('exit', res)));

  test('ending by itself', async () => {
    const { child, first, output } = runScript('quick');
    const { dir, existed, pids } = await first;
    expect(existed).toBe(true);
    await exited(child);
    expect(output()).toMatch(/"sum":1310720,"plus":2,"files":[1-9]/);
    expect(existsSync(dir)).toBe(false);
    expect(await waitFor(() => !pids.some(isAlive))).toBe(true);
  });

  test.each([
    ['Ctrl-C (SIGINT to the process group)', 'SIGINT'],
    ['the parent killed outright', 'SIGKILL'],
  ] as const)('%s, with transfers under way', async (_name, signal) => {
    const { child, first } = runScript('long');
    const { dir, pids } = await first;
    await new Promise((r) => setTimeout(r, 500)); // large arrays are moving
    if (signal === 'SIGINT') process.kill(-child.pid!, 'SIGINT');
    else child.kill('SIGKILL');
    await exited(child);
    const clean = await waitFor(() => !existsSync(dir) && !pids.some(isAlive), 10_000);
    for (const p of pids) if (isAlive(p)) process.kill(p, 'SIGKILL');
    expect(clean).toBe(true);
  });
});
