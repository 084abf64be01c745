/**
 * Cases translated from Dask's dataframe tests (test_csv.py, datasets), plus datasets.timeseries
 * and the shared-memory claim of the design.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { datasets, fromRecords, readCsv } from '../../src/index.ts';
import { tempDir } from '../helpers.ts';
import { rows, writeFiles } from './helpers.ts';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const CSV_TEXT = 'name,amount\nAlice,100\nBob,-200\nCharlie,300\nDennis,400\nEdith,-500\nFrank,600\nAlice,200\nFrank,-200\nBob,600\nAlice,400\nFrank,200\nAlice,300\nEdith,600\n';

describe("Dask's test_csv cases", () => {
  test('consistent dtypes: a float column stays float in every block, even blocks holding only ints', async () => {
    const [p] = writeFiles(dir, { 'consistent.csv': 'name,amount\nAlice,100.5\nBob,-200.5\nCharlie,300\nDennis,400\nEdith,-500\nFrank,600\n' });
    const df = readCsv(p!, { blocksize: 30 });
    expect(df.npartitions).toBeGreaterThan(2);
    expect(df.dtypeOf.amount).toBe('float64');
    const v = await df.col('amount').compute({ scheduler: 'sync' });
    expect(String(v.type)).toBe('Float64');
    expect([...v]).toEqual([100.5, -200.5, 300, 400, -500, 600]);
  });

  test('read_csv of several files, any blocksize, groupby sum like pandas', async () => {
    const half = CSV_TEXT.split('\n');
    const paths = writeFiles(dir, { '2014-01-01.csv': half.slice(0, 8).join('\n') + '\n', '2014-01-02.csv': [half[0], ...half.slice(8)].join('\n') });
    const sums: Record<string, number> = {};
    for (const line of CSV_TEXT.trim().split('\n').slice(1)) {
      const [n, a] = line.split(',');
      sums[n!] = (sums[n!] ?? 0) + Number(a);
    }
    for (const blocksize of [null, 16, 64]) {
      const df = readCsv(`${dir}/2014-*.csv`, { blocksize });
      expect(df.npartitions).toBeGreaterThanOrEqual(paths.length);
      const got = rows(await df.groupby('name').col('amount').sum().compute({ scheduler: 'sync' }));
      expect(got).toEqual(Object.keys(sums).sort().map((name) => ({ name, amount: sums[name] })));
    }
  });

  test('a glob matching nothing, and a missing file, fail when the DataFrame is built', () => {
    expect(() => readCsv(`${dir}/nope-*.csv`)).toThrow(/matched no files/);
    expect(() => readCsv(`${dir}/missing.csv`)).toThrow(/no such file/);
  });

  test('timeseries to CSV and back gives the same frame (dask_cudf test_read_csv)', async () => {
    const df = datasets.timeseries({ start: '2000-01-01', end: '2000-01-03', freq: '120s', partitionFreq: '12h', seed: 3 });
    await df.toCsv(`${dir}/ts/data-*.csv`, { scheduler: 'threads' });
    const back = readCsv(`${dir}/ts/data-*.csv`, { parseDates: ['timestamp'] });
    expect(back.npartitions).toBe(df.npartitions);
    expect(rows(await back.compute({ scheduler: 'sync' }))).toEqual(rows(await df.compute({ scheduler: 'sync' })));
  });
});

describe('datasets.timeseries', () => {
  test("Dask's columns and shape, one partition per partitionFreq, lazy and reproducible", async () => {
    const df = datasets.timeseries({ start: '2000-01-01', end: '2000-01-02', freq: '1min', partitionFreq: '6h', seed: 7 });
    expect(df.columns).toEqual(['timestamp', 'id', 'name', 'x', 'y']);
    expect(df.dtypeOf).toEqual({ timestamp: 'date', id: 'int32', name: 'string', x: 'float64', y: 'float64' });
    expect(df.npartitions).toBe(4);
    const t = rows(await df.compute({ scheduler: 'threads' }));
    expect(t.length).toBe(24 * 60);
    expect(t[0]!.timestamp).toBe(Date.UTC(2000, 0, 1));
    expect(t[1]!.timestamp).toBe(Date.UTC(2000, 0, 1, 0, 1));
    expect(t.every((r) => (r.x as number) >= -1 && (r.x as number) < 1)).toBe(true);
    const ids = t.map((r) => r.id as number);
    expect(Math.abs(ids.reduce((a, b) => a + b, 0) / ids.length - 1000)).toBeLessThan(5);
    // Same seed, same data, whatever the scheduler; pruning columns does not change the others.
    const again = datasets.timeseries({ start: '2000-01-01', end: '2000-01-02', freq: '1min', partitionFreq: '6h', seed: 7 });
    expect([...(await again.col('x').compute({ scheduler: 'processes' }))]).toEqual(t.map((r) => r.x));
    const other = datasets.timeseries({ start: '2000-01-01', end: '2000-01-02', freq: '1min', partitionFreq: '6h', seed: 8 });
    expect([...(await other.col('x').compute({ scheduler: 'sync' }))]).not.toEqual(t.map((r) => r.x));
    expect(() => datasets.timeseries({ freq: '1 fortnight' })).toThrow(`invalid option freq="1 fortnight": a frequency such as '1s', '30min', '1h', '1d'`);
  });
});

describe('collection protocol', () => {
  test('persist keeps computed partitions; compute() of several collections shares work; visualize draws the graph', async () => {
    const { persist, compute, visualize } = await import('../../src/index.ts');
    const df = fromRecords(Array.from({ length: 50 }, (_, i) => ({ k: i % 3, x: i })), { npartitions: 3 });
    const f = df.filter(df.col('x').gt(10));
    const [p] = await persist(f, { scheduler: 'threads' });
    expect(p.npartitions).toBe(3);
    expect(rows(await p.compute({ scheduler: 'sync' }))).toEqual(rows(await f.compute({ scheduler: 'sync' })));
    expect(await p.col('x').sum().compute({ scheduler: 'processes' })).toBe(Array.from({ length: 39 }, (_, i) => i + 11).reduce((a, b) => a + b, 0));
    const [n, s] = await compute(f.length(), f.col('x').sum(), { scheduler: 'threads' });
    expect([n, s]).toEqual([39, 1170]);
    const dot = await visualize(f.col('x').sum(), { format: 'dot' });
    expect(dot).toContain('digraph');
    expect(dot).toContain('sum');
  });
});

describe('design: partitions cross threads in shared memory', () => {
  test('a partition computed on a worker thread arrives backed by SharedArrayBuffer', async () => {
    const df = fromRecords(Array.from({ length: 100 }, (_, i) => ({ x: i })), { npartitions: 1 });
    const t = await df.assign({ y: df.col('x').mul(2) }).compute({ scheduler: 'threads' });
    expect(t.getChild('y')!.data[0]!.values.buffer).toBeInstanceOf(SharedArrayBuffer);
    // On the calling thread (sync) nothing needs sharing.
    const s = await df.assign({ y: df.col('x').mul(2) }).compute({ scheduler: 'sync' });
    expect(s.getChild('y')!.data[0]!.values.buffer).toBeInstanceOf(ArrayBuffer);
  });
});
