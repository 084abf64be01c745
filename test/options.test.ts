/**
 * Every public options object refuses unknown keys (issue 15, "Unknown options are errors"): a
 * table calls each public function and method that takes one with a misspelt key and checks the
 * OptionError names the function, the key and the nearest valid key. Then the cases, the
 * rule for a trailing options object of `compute` and `submit`, and the name matcher itself.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  Aggregation,
  array,
  asCompleted,
  bag,
  BaseCallback,
  Client,
  compareSchedulers,
  compute,
  config,
  datasets,
  delayed,
  fromArrow,
  fromDelayed,
  fromRecords,
  LocalCluster,
  OptionError,
  performanceReport,
  persist,
  Profiler,
  ProgressBar,
  readCsv,
  readJson,
  registerCallback,
  ResourceProfiler,
  shutdown,
  toDot,
  unregisterCallback,
  visualize,
  visualizeProfile,
  wait,
  warmup,
  withConfig,
  type Callback,
} from '../src/index.ts';
import { nearestName } from '../src/options.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir();
const csv = join(tmp.dir, 'a.csv');
const jsonl = join(tmp.dir, 'a.jsonl');
const txt = join(tmp.dir, 'a.txt');
writeFileSync(csv, 'k,x\na,1\nb,2\n');
writeFileSync(jsonl, '{"k":"a","x":1}\n');
writeFileSync(txt, 'one\ntwo\n');

let client: Client;
beforeAll(async () => {
  client = await Client.start({ processes: false, nWorkers: 1, dashboardAddress: null });
});
afterAll(async () => {
  await client?.close();
  await shutdown();
  tmp.cleanup();
});

/** The error `call` throws or its promise rejects with. */
async function errorOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  return undefined;
}

const inc = (v: number) => v + 1;
const d = () => delayed(inc)(1);
const b = () => bag.fromSequence([1, 2, 3, 4], { npartitions: 2 });
const x = () => array.arange(0, 8, 1, { chunks: 4 });
const m = () => array.ones([4, 4], { chunks: 2 });
const df = () => fromRecords([{ k: 'a', x: 1 }, { k: 'b', x: 2 }], { npartitions: 2 });
const s = () => df().col('x');
const agg = { name: 'n', chunk: (v: unknown[]) => v.length, combine: (c: number[]) => c.length, finalize: (n: number) => n };

/**
 * [name in the message, the call with a misspelt key (its misspelling and the right name)].
 * Calls are written as the user writes them; `as never` silences the type error a TypeScript user
 * would get first.
 */
const cases: [where: string, bad: string, good: string, call: () => unknown][] = [
  // compute & co, configuration
  ['compute', 'schedular', 'scheduler', () => compute(d(), { schedular: 'sync' } as never)],
  ['persist', 'schedular', 'scheduler', () => persist(d(), { schedular: 'sync' } as never)],
  ['visualize', 'filname', 'filename', () => visualize(d(), { filname: 'g.svg' } as never)],
  ['config.set', 'schedular', 'scheduler', () => config.set({ schedular: 'sync' } as never)],
  ['withConfig', 'numWorker', 'numWorkers', () => withConfig({ numWorker: 2 } as never, () => 1)],
  ['warmup', 'numWorker', 'numWorkers', () => warmup({ scheduler: 'threads', numWorker: 1 } as never)],
  // Delayed
  ['delayed', 'nme', 'name', () => delayed(inc, { nme: 'f' } as never)],
  ['Delayed.compute', 'schedular', 'scheduler', () => d().compute({ schedular: 'sync' } as never)],
  ['visualize', 'rankDir', 'rankdir', () => d().visualize({ rankDir: 'LR' } as never)],
  // Bag
  ['bag.fromSequence', 'npartition', 'npartitions', () => bag.fromSequence([1], { npartition: 1 } as never)],
  ['bag.range', 'npartition', 'npartitions', () => bag.range(4, { npartition: 2 } as never)],
  ['bag.readText', 'blocksise', 'blocksize', () => bag.readText(txt, { blocksise: '1MB' } as never)],
  ['Bag.compute', 'schedular', 'scheduler', () => b().compute({ schedular: 'sync' } as never)],
  ['Bag.persist', 'schedular', 'scheduler', () => b().persist({ schedular: 'sync' } as never)],
  ['Bag.take', 'npartition', 'npartitions', () => b().take(1, { npartition: 1 } as never)],
  ['Bag.toDataFrame', 'schedular', 'scheduler', () => bag.fromSequence([{ a: 1 }]).toDataFrame(undefined, { schedular: 'sync' } as never)],
  ['Bag.toDataFrame', 'schedular', 'scheduler', () => bag.fromSequence([{ a: 1 }]).toDataFrame({ a: 'float64' } as never, { schedular: 'sync' } as never)],
  ['Bag.toTextFiles', 'encodng', 'encoding', () => b().toTextFiles(join(tmp.dir, 'out-*.txt'), { encodng: 'utf-8' } as never)],
  ['Bag.reduction', 'splitevery', 'splitEvery', () => b().reduction((p) => p.length, (c) => c.length, { splitevery: 2 } as never)],
  ['Bag.fold', 'intial', 'initial', () => b().fold((a, v) => a + v, undefined, { intial: 0 } as never)],
  ['Bag.foldBy', 'splitEvry', 'splitEvery', () => b().foldBy((v) => v % 2, (a: number, v) => a + v, 0, undefined, undefined, { splitEvry: 2 } as never)],
  ...(['count', 'sum', 'min', 'max', 'mean', 'any', 'all'] as const).map(
    (r) => [`Bag.${r}`, 'splitEvry', 'splitEvery', () => b()[r]({ splitEvry: 2 } as never)] as [string, string, string, () => unknown],
  ),
  ['Bag.var', 'splitEvry', 'splitEvery', () => b().var(0, { splitEvry: 2 } as never)],
  ['Bag.std', 'splitEvry', 'splitEvery', () => b().std(0, { splitEvry: 2 } as never)],
  ['Bag.frequencies', 'splitEvry', 'splitEvery', () => b().frequencies(false, { splitEvry: 2 } as never)],
  ['Bag.topk', 'splitEvry', 'splitEvery', () => b().topk(1, undefined, { splitEvry: 2 } as never)],
  ['Bag.distinct', 'splitEvry', 'splitEvery', () => b().distinct(undefined, { splitEvry: 2 } as never)],
  ['Bag.groupBy', 'npartitons', 'npartitions', () => b().groupBy((v) => v % 2, { npartitons: 2 } as never)],
  ['Item.compute', 'schedular', 'scheduler', () => b().sum().compute({ schedular: 'sync' } as never)],
  // Array
  ...(['zeros', 'ones', 'empty'] as const).map((f) => [f, 'chunk', 'chunks', () => array[f]([4], { chunk: 2 } as never)] as [string, string, string, () => unknown]),
  ['full', 'chunk', 'chunks', () => array.full([4], 1, { chunk: 2 } as never)],
  ['arange', 'chunk', 'chunks', () => array.arange(0, 4, 1, { chunk: 2 } as never)],
  ['linspace', 'endpont', 'endpoint', () => array.linspace(0, 1, 5, { endpont: false } as never)],
  ['eye', 'chunk', 'chunks', () => array.eye(3, { chunk: 2 } as never)],
  ['fromArray', 'chunk', 'chunks', () => array.fromArray([1, 2, 3], { chunk: 2 } as never)],
  ['random.normal', 'sed', 'seed', () => array.random.normal({ shape: [4], sed: 1 } as never)],
  ['random.uniform', 'hihg', 'high', () => array.random.uniform({ shape: [4], hihg: 2 } as never)],
  ['random.integers', 'shap', 'shape', () => array.random.integers(0, 6, { shap: [4] } as never)],
  ...(['sum', 'prod', 'min', 'max', 'any', 'all', 'nansum', 'nanprod', 'nanmin', 'nanmax', 'mean', 'var', 'std', 'nanmean', 'nanvar', 'nanstd', 'argmin', 'argmax', 'cumsum', 'cumprod'] as const).map(
    (r) => [`Array.${r}`, 'axes', 'axis', () => x()[r]({ axes: 0 } as never)] as [string, string, string, () => unknown],
  ),
  ['Array.sum', 'axes', 'axis', () => array.sum(x(), { axes: 0 } as never)],
  ['Array.var', 'dodf', 'ddof', () => x().var({ dodf: 1 } as never)],
  ['dot', 'splitevery', 'splitEvery', () => m().dot(m(), { splitevery: 2 } as never)],
  ['dot', 'splitevery', 'splitEvery', () => array.matmul(m(), m(), { splitevery: 2 } as never)],
  ['tensordot', 'splitevery', 'splitEvery', () => array.tensordot(m(), m(), 1, { splitevery: 2 } as never)],
  ['mapBlocks', 'dtpye', 'dtype', () => x().mapBlocks((blk: { data: Float64Array }) => blk.data, { dtpye: 'float64' } as never)],
  ['mapBlocks', 'dropAxes', 'dropAxis', () => array.mapBlocks((blk: { data: Float64Array }) => blk.data, m(), { dropAxes: 1 } as never)],
  ['blockwise', 'concatinate', 'concatenate', () => array.blockwise((blk: unknown) => blk, 'i', x(), 'i', { concatinate: true } as never)],
  ['mapOverlap', 'dept', 'depth', () => x().mapOverlap((blk: { data: Float64Array }) => blk.data, { dept: 1 } as never)],
  ['Array.compute', 'schedular', 'scheduler', () => x().compute({ schedular: 'sync' } as never)],
  ['Array.toArray', 'schedular', 'scheduler', () => x().toArray({ schedular: 'sync' } as never)],
  ['Array.persist', 'schedular', 'scheduler', () => x().persist({ schedular: 'sync' } as never)],
  ['Array.computeChunkSizes', 'schedular', 'scheduler', () => x().computeChunkSizes({ schedular: 'sync' } as never)],
  // DataFrame
  ['readCsv', 'blocksiz', 'blocksize', () => readCsv(csv, { blocksiz: 5 } as never)],
  ['readJson', 'line', 'lines', () => readJson(jsonl, { line: true } as never)],
  ['fromArrow', 'npartition', 'npartitions', () => fromArrow(tableFromArrays({ x: new Float64Array([1, 2]) }), { npartition: 2 } as never)],
  ['fromRecords', 'dtype', 'dtypes', () => fromRecords([{ x: 1 }], { dtype: { x: 'float64' } } as never)],
  ['fromDelayed', 'mta', 'meta', () => fromDelayed([d()], { mta: { x: 'float64' } } as never)],
  ['datasets.timeseries', 'freqs', 'freq', () => datasets.timeseries({ freqs: '1h' } as never)],
  ['DataFrame.compute', 'schedular', 'scheduler', () => df().compute({ schedular: 'sync' } as never)],
  ['DataFrame.head', 'schedular', 'scheduler', () => df().head(1, { schedular: 'sync' } as never)],
  ['DataFrame.tail', 'schedular', 'scheduler', () => df().tail(1, { schedular: 'sync' } as never)],
  ...(['sum', 'mean', 'min', 'max', 'count', 'std', 'var', 'nunique', 'describe'] as const).map(
    (r) => [`DataFrame.${r}`, 'splitevery', 'splitEvery', () => df()[r]({ splitevery: 2 } as never)] as [string, string, string, () => unknown],
  ),
  ['DataFrame.dropDuplicates', 'splitevery', 'splitEvery', () => df().dropDuplicates(undefined, { splitevery: 2 } as never)],
  ['DataFrame.sample', 'sed', 'seed', () => df().sample({ frac: 0.5, sed: 1 } as never)],
  ['DataFrame.mapPartitions', 'meat', 'meta', () => df().mapPartitions((t) => t, { meat: { x: 'float64' } } as never)],
  ['DataFrame.groupby', 'splitout', 'splitOut', () => df().groupby('k', { splitout: 2 } as never)],
  ['DataFrame.merge', 'onn', 'on', () => df().merge(df(), { onn: 'k' } as never)],
  ['DataFrame.sortValues', 'ascend', 'ascending', () => df().sortValues('x', { ascend: false } as never)],
  ['DataFrame.repartition', 'npartition', 'npartitions', () => df().repartition({ npartition: 1 } as never)],
  ['DataFrame.repartition', 'schedular', 'scheduler', () => df().repartition({ partitionSize: '1MB' }, { schedular: 'sync' } as never)],
  ['DataFrame.toCsv', 'singlefile', 'singleFile', () => df().toCsv(join(tmp.dir, 'o.csv'), { singlefile: true } as never)],
  ['DataFrame.toArrow', 'schedular', 'scheduler', () => df().toArrow(join(tmp.dir, 'o.arrow'), { schedular: 'sync' } as never)],
  ['Series.compute', 'schedular', 'scheduler', () => s().compute({ schedular: 'sync' } as never)],
  ...(['sum', 'mean', 'min', 'max', 'count', 'std', 'var', 'nunique', 'unique', 'valueCounts'] as const).map(
    (r) => [`Series.${r}`, 'splitevery', 'splitEvery', () => s()[r]({ splitevery: 2 } as never)] as [string, string, string, () => unknown],
  ),
  ['Series.quantile', 'splitevery', 'splitEvery', () => s().quantile(0.5, { splitevery: 2 } as never)],
  ['Scalar.compute', 'schedular', 'scheduler', () => s().sum().compute({ schedular: 'sync' } as never)],
  ['Aggregation', 'finalise', 'finalize', () => new Aggregation({ ...agg, finalize: undefined, finalise: agg.finalize } as never)],
  // diagnostics
  ['ProgressBar', 'widht', 'width', () => new ProgressBar({ widht: 10 } as never)],
  ['ResourceProfiler', 'dT', 'dt', () => new ResourceProfiler({ dT: 0.5 } as never)],
  ['BaseCallback', 'posttsk', 'posttask', () => new BaseCallback({ posttsk: () => {} } as never)],
  ['visualizeProfile', 'filname', 'filename', () => visualizeProfile(new Profiler(), { filname: 'p.svg' } as never)],
  ['compareSchedulers', 'numWorker', 'numWorkers', () => compareSchedulers(d(), ['sync'], { numWorker: 1 } as never)],
  ['toDot', 'rankDir', 'rankdir', () => toDot(d().__graph__(), { rankDir: 'LR' } as never)],
  // distributed
  ['LocalCluster.start', 'nWorker', 'nWorkers', () => LocalCluster.start({ nWorker: 2 } as never)],
  ['Client.start', 'nWorker', 'nWorkers', () => Client.start({ nWorker: 2 } as never)],
  ['Client.connect', 'nWorker', 'nWorkers', () => Client.connect('redis://127.0.0.1:1', { nWorker: 2 } as never)],
  ['new Client', 'setAsDefualt', 'setAsDefault', () => new Client(client.cluster, { setAsDefualt: false } as never)],
  ['Client.submit', 'retires', 'retries', () => client.submit(inc, 1, { retires: 2 })],
  ['Client.map', 'retires', 'retries', () => client.map(inc, [1], { retires: 2 } as never)],
  ['Client.compute', 'retires', 'retries', () => client.compute(d(), { retires: 2 } as never)],
  ['Client.scatter', 'broadcst', 'broadcast', () => client.scatter(1, { broadcst: true } as never)],
  ['asCompleted', 'withResult', 'withResults', () => asCompleted([], { withResult: true } as never)],
  ['wait', 'timout', 'timeout', () => wait([], { timout: 1 } as never)],
  ['performanceReport', 'filname', 'filename', () => performanceReport({ filname: join(tmp.dir, 'r.html') } as never, () => 1)],
];

describe('every public options object refuses a misspelt key, naming it and the nearest valid one', () => {
  test.each(cases)('%s: %s', async (where, bad, good, call) => {
    const e = await errorOf(call);
    expect(e).toBeInstanceOf(OptionError);
    expect((e as OptionError).message).toBe(`${where}: unknown option '${bad}' (did you mean '${good}'?)`);
  });

  test('a function that returns a Promise rejects; it does not throw before returning it', () => {
    const asyncCalls = [
      () => compute(d(), { schedular: 'sync' } as never),
      () => d().compute({ schedular: 'sync' } as never),
      () => b().take(1, { npartition: 1 } as never),
      () => bag.fromSequence([{ a: 1 }]).toDataFrame(undefined, { schedular: 'sync' } as never),
      () => df().repartition({ partitionSize: '1MB' }, { schedular: 'sync' } as never),
      () => df().toArrow('o.arrow', { schedular: 'sync' } as never),
      () => df().toCsv('o.csv', { singlefile: true } as never),
      () => LocalCluster.start({ nWorker: 2 } as never),
      () => Client.connect('redis://127.0.0.1:1', { nWorker: 2 } as never),
    ];
    for (const call of asyncCalls) {
      const p = call() as Promise<unknown>;
      expect(p).toBeInstanceOf(Promise);
      p.catch(() => {});
    }
  });
});

describe("the issue's cases", () => {
  test('compute(x, { schedular }) rejects instead of returning the options object as a result', async () => {
    await expect(compute(d(), { schedular: 'threads' } as never)).rejects.toThrow("compute: unknown option 'schedular' (did you mean 'scheduler'?)");
  });

  test('x.compute({ schedular }) rejects without computing anything on the default scheduler', async () => {
    const started: string[] = [];
    const cb: Callback = { start: (info) => started.push(info.scheduler) };
    registerCallback(cb);
    try {
      await expect(d().compute({ schedular: 'sync' } as never)).rejects.toThrow(OptionError);
      await expect(b().compute({ schedular: 'sync' } as never)).rejects.toThrow(OptionError);
    } finally {
      unregisterCallback(cb);
    }
    expect(started).toEqual([]);
  });

  test('LocalCluster.start({ nWorker: 2 }) and Client.start({ nWorker: 2 }) refuse the key (no cluster starts)', async () => {
    await expect(LocalCluster.start({ nWorker: 2 } as never)).rejects.toThrow("LocalCluster.start: unknown option 'nWorker' (did you mean 'nWorkers'?)");
    await expect(Client.start({ nWorker: 2 } as never)).rejects.toThrow("Client.start: unknown option 'nWorker' (did you mean 'nWorkers'?)");
  });

  test('with no valid key close, the message lists the valid ones', async () => {
    await expect(compute(d(), { foo: 1 } as never)).rejects.toThrow("compute: unknown option 'foo'; the options are 'scheduler', 'numWorkers', 'fuse', 'callbacks', 'cancelGracePeriod', 'timeout'");
    expect(() => readCsv(csv, { quux: 1 } as never)).toThrow(
      "readCsv: unknown option 'quux'; the options are 'blocksize', 'columns', 'dtypes', 'parseDates', 'delimiter', 'header', 'nullValues', 'includePathColumn', 'onBadLines', 'sample', 'engine'",
    );
  });

  test('options that are not an object are refused, naming the function', async () => {
    await expect(d().compute('threads' as never)).rejects.toThrow(`Delayed.compute: the options must be an object (with 'scheduler', 'numWorkers', 'fuse', 'callbacks', 'cancelGracePeriod', 'timeout'), got "threads"`);
    expect(() => bag.fromSequence([1], 3 as never)).toThrow("bag.fromSequence: the options must be an object (with 'npartitions', 'partitionSize'), got 3");
    expect(() => config.set(null as never)).toThrow('config.set: the options must be an object');
    expect(() => array.zeros([2], ['chunks'] as never)).toThrow('zeros: the options must be an object (with \'chunks\', \'dtype\'), got the array ["chunks"]');
    expect(() => df().merge(df(), undefined as never)).toThrow("DataFrame.merge: the options must be an object (with 'on', 'leftOn', 'rightOn', 'how', 'suffixes', 'npartitions'), got undefined");
  });
});

describe('a trailing options object', () => {
  test('of compute: a trailing plain object is the options; other trailing values pass through', async () => {
    expect(await compute(d(), {})).toEqual([2]);
    expect(await compute(d(), { scheduler: 'sync' })).toEqual([2]);
    const when = new Date(0);
    expect(await compute(d(), when, { scheduler: 'sync' })).toEqual([2, when]);
    expect(await compute(d(), 'a')).toEqual([2, 'a']);
  });

  test('of submit: only a plain object of option names (or near misses of them); any other object is an argument', async () => {
    const sum = (o: { xs: number[]; k: number }) => o.xs.reduce((a, v) => a + v, 0) * o.k;
    expect(await client.submit(sum, { xs: [1, 2], k: 3 })).toBe(9);
    const keyed = (o: { key: string; value: number }) => `${o.key}=${o.value}`;
    expect(await client.submit(keyed, { key: 'a', value: 1 })).toBe('a=1');
    expect(await client.submit(inc, 1, { pure: false, retries: 1 })).toBe(2);
    expect(() => client.submit(inc, 1, { pure: false, prority: 1 } as never)).toThrow("Client.submit: unknown option 'prority' (did you mean 'priority'?)");
  });
});

describe('nearestName', () => {
  test('suggests a name one or two edits away (case and swapped letters count once), never an unrelated one', () => {
    const names = ['scheduler', 'numWorkers', 'fuse', 'callbacks', 'k', 'axis'];
    expect(nearestName('schedular', names)).toBe('scheduler');
    expect(nearestName('numworkers', names)).toBe('numWorkers');
    expect(nearestName('nmuWorkers', names)).toBe('numWorkers');
    expect(nearestName('workers', names)).toBe('numWorkers');
    expect(nearestName('callback', names)).toBe('callbacks');
    expect(nearestName('axes', names)).toBe('axis');
    expect(nearestName('x', names)).toBeUndefined();
    expect(nearestName('foo', names)).toBeUndefined();
    expect(nearestName('priority', names)).toBeUndefined();
  });
});
