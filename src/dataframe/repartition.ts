/**
 * repartition: by count (concatenate neighbours, or cut each partition into equal slices) or by
 * size (measure every partition first, then cut the large ones and group the small neighbours).
 * Row order is always kept.
 */
import { checkComputeOptions, type ComputeOptions } from '../base.ts';
import { blockKey } from '../graph/keys.ts';
import { tokenize } from '../graph/tokenize.ts';
import { ref, task, type Arg, type GraphNode, type Key } from '../graph/types.ts';
import { parseBytes } from '../io/bytes.ts';
import { OptionError, messages } from '../errors.ts';
import { DataFrame, op } from './frame.ts';
import { Scalar } from './scalar.ts';

/** `npartitions` partitions from `df`'s. */
export function repartitionTo(df: DataFrame, n: number): DataFrame {
  if (!Number.isInteger(n) || n < 1) throw new OptionError(messages.badOption('npartitions', n, 'a whole number >= 1'));
  const { graph, keys } = df.partitionKeys();
  const g = new Map(graph);
  const name = `repartition-${tokenize(df.token, n)}`;
  const out: Key[] = [];
  const m = keys.length;
  if (n <= m) {
    for (let j = 0; j < n; j++) {
      const group = keys.slice(Math.floor((j * m) / n), Math.floor(((j + 1) * m) / n));
      out.push(concatTask(g, blockKey(name, [j]), df, group));
    }
  } else {
    for (let j = 0; j < n; j++) {
      const src = Math.floor((j * m) / n);
      const first = Math.ceil((src * n) / m);
      const pieces = Math.ceil(((src + 1) * n) / m) - first;
      const k = blockKey(name, [j]);
      g.set(k, task(k, op('df.sliceFrac'), [ref(keys[src]!), j - first, pieces]));
      out.push(k);
    }
  }
  return DataFrame.fromKeys(g, out, df.meta, df.sortedBy);
}

function concatTask(g: Map<Key, GraphNode>, k: Key, df: DataFrame, group: Key[]): Key {
  g.set(k, task(k, op('df.concat'), [df.meta as unknown as Arg, ...group.map(ref)]));
  return k;
}

/** Partitions of about `size` bytes of column memory (computes every partition's size first). */
export async function repartitionBySize(df: DataFrame, size: number | string, opts: ComputeOptions): Promise<DataFrame> {
  checkComputeOptions('DataFrame.repartition', opts);
  const limit = parseBytes(size, 'partitionSize');
  const { graph, keys } = df.partitionKeys();
  const g = new Map(graph);
  const name = `repartition-size-${tokenize(df.token, limit)}`;
  const sizeKeys = keys.map((k, i) => {
    const sk = blockKey(`${name}-nbytes`, [i]);
    g.set(sk, task(sk, op('df.nbytes'), [ref(k)]));
    return sk;
  });
  const listKey = `${name}-sizes`;
  g.set(listKey, task(listKey, op('list'), sizeKeys.map(ref)));
  const sizes = await new Scalar(g, listKey, (v) => v as number[]).compute(opts);
  const out: Key[] = [];
  const og = new Map(graph);
  let group: Key[] = [];
  let acc = 0;
  const flush = () => {
    if (group.length) out.push(concatTask(og, blockKey(name, [out.length]), df, group));
    group = [];
    acc = 0;
  };
  keys.forEach((k, i) => {
    const s = sizes[i]!;
    if (s > limit) {
      flush();
      const pieces = Math.ceil(s / limit);
      for (let j = 0; j < pieces; j++) {
        const sk = blockKey(name, [out.length]);
        og.set(sk, task(sk, op('df.sliceFrac'), [ref(k), j, pieces]));
        out.push(sk);
      }
      return;
    }
    if (acc + s > limit) flush();
    group.push(k);
    acc += s;
  });
  flush();
  if (out.length === 0) return repartitionTo(df, 1);
  return DataFrame.fromKeys(og, out, df.meta, df.sortedBy);
}
