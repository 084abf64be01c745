/** Bag.toDataFrame: partitions of records become DataFrame partitions (Dask's to_dataframe). */
import { afterAll, expect, test } from 'vitest';
import { bag, OptionError, shutdown } from '../../src/index.ts';
import { rows } from '../dataframe/helpers.ts';

afterAll(() => shutdown());

const people = Array.from({ length: 23 }, (_, i) => ({ name: ['Ann', 'Bo', 'Cy'][i % 3]!, age: 20 + ((i * 7) % 31), score: i / 4 }));

test.each(['sync', 'threads', 'processes'] as const)('records become rows, partition for partition (%s)', async (scheduler) => {
  const b = bag.fromSequence(people, { npartitions: 4 });
  const df = b.toDataFrame({ name: 'string', age: 'int32', score: 'float64' });
  expect(df.npartitions).toBe(4);
  expect(df.columns).toEqual(['name', 'age', 'score']);
  expect(rows(await df.compute({ scheduler }))).toEqual(people);
  // a reduction on top agrees with a plain loop
  const mean = people.reduce((s, p) => s + p.age, 0) / people.length;
  expect(await df.col('age').mean().compute({ scheduler })).toBeCloseTo(mean, 12);
});

test('without meta the first partition is computed to find columns and dtypes', async () => {
  const b = bag.fromSequence(people, { npartitions: 3 }).map((p) => ({ ...p, old: p.age > 35 }));
  const df = await b.toDataFrame(undefined, { scheduler: 'sync' });
  expect(df.columns).toEqual(['name', 'age', 'score', 'old']);
  const got = rows(await df.compute({ scheduler: 'sync' }));
  expect(got).toEqual(people.map((p) => ({ ...p, old: p.age > 35 })));
});

test('elements that are not records, and empty first partitions, are refused with the fix', async () => {
  await expect(bag.fromSequence([1, 2, 3]).toDataFrame(undefined, { scheduler: 'sync' })).rejects.toThrow(/needs a bag of records .*found 1.*pass meta/);
  await expect(bag.fromSequence([], { npartitions: 1 }).toDataFrame(undefined, { scheduler: 'sync' })).rejects.toThrow(OptionError);
});
