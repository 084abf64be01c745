/**
 * Bag → DataFrame (Dask's `Bag.to_dataframe`): each partition of records becomes one DataFrame
 * partition. With `meta` the conversion is lazy; without it, the first partition's records are
 * computed (as Dask does) to find the columns and their dtypes, which is why that form is async.
 */
import type { ComputeOptions } from '../base.ts';
import { fromDelayed, type DataFrame, type Dtype } from '../dataframe/index.ts';
import { metaOfRecords } from '../dataframe/readers.ts';
import type { Delayed } from '../delayed/delayed.ts';
import { messages, OptionError } from '../errors.ts';

export function bagToDataFrame(parts: Delayed<unknown[]>[], meta: Record<string, Dtype>): DataFrame {
  return fromDelayed(parts, { meta });
}

export async function inferBagMeta(first: Delayed<unknown[]>, opts: ComputeOptions): Promise<Record<string, Dtype>> {
  const records = await first.compute(opts);
  const bad = records.find((r) => r === null || typeof r !== 'object' || Array.isArray(r));
  if (bad !== undefined || records.length === 0) throw new OptionError(messages.bagMetaUnknown(records.length === 0 ? undefined : bad));
  const meta = metaOfRecords(records as Record<string, unknown>[]);
  return Object.fromEntries(meta.names.map((n, i) => [n, meta.dtypes[i]!]));
}
