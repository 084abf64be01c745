/**
 * toCsv / toArrow. CSV files are written inside the workers, one per partition (`*` in the path is
 * the partition number); `singleFile` writes the partitions in order into one file from the
 * calling thread. Arrow IPC files are written from the computed table (one batch per partition).
 */
import { mkdirSync, writeFileSync, appendFileSync, readFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RecordBatchFileWriter } from 'apache-arrow';
import type { ComputeOptions } from '../base.ts';
import { blockKey } from '../graph/keys.ts';
import { tokenize } from '../graph/tokenize.ts';
import { ref, task, type Arg, type Key } from '../graph/types.ts';
import type { CsvWriteOptions } from '../io/csv-write.ts';
import { OptionError, messages } from '../errors.ts';
import type { DataFrame } from './frame.ts';
import { op } from './frame.ts';
import { Scalar } from './scalar.ts';
import { concatParts, emptyPart, partToTable, type Part } from './part.ts';

export interface ToCsvOptions extends CsvWriteOptions, ComputeOptions {
  /** Write one file (partitions in order) instead of one per partition. */
  singleFile?: boolean;
}

export async function toCsvFiles(df: DataFrame, path: string, opts: ToCsvOptions = {}): Promise<string[]> {
  const { singleFile, delimiter, header, floatDecimals, ...computeOpts } = opts;
  const w: CsvWriteOptions = { delimiter, header, floatDecimals };
  const abs = resolve(path);
  if (!singleFile && !abs.includes('*') && df.npartitions > 1) throw new OptionError(messages.badOption('path', path, "a path with '*' (replaced by the partition number), or pass { singleFile: true }"));
  mkdirSync(dirname(abs), { recursive: true });
  const { graph, keys } = df.partitionKeys();
  const g = new Map(graph);
  const name = `to-csv-${tokenize(df.token, abs, w, singleFile ?? false)}`;
  const outs: string[] = keys.map((_, i) => (singleFile ? `${abs}.part-${i}.tmp` : abs.replace('*', String(i))));
  const writeKeys: Key[] = keys.map((k, i) => {
    const wk = blockKey(name, [i]);
    const wopts = singleFile && i > 0 ? { ...w, header: false } : w;
    g.set(wk, task(wk, op('df.writeCsv'), [ref(k), outs[i]!, wopts as unknown as Arg]));
    return wk;
  });
  const listKey = `${name}-all`;
  g.set(listKey, task(listKey, op('list'), writeKeys.map(ref)));
  const written = await new Scalar(g, listKey, (v) => v as string[]).compute(computeOpts);
  if (!singleFile) return written;
  writeFileSync(abs, '');
  for (const p of written) {
    appendFileSync(abs, readFileSync(p));
    rmSync(p);
  }
  return [abs];
}

export async function toArrowFile(df: DataFrame, path: string, opts: ComputeOptions = {}): Promise<string> {
  const { graph, keys } = df.partitionKeys();
  const g = new Map(graph);
  const listKey = `to-arrow-${tokenize(df.token)}`;
  g.set(listKey, task(listKey, op('list'), keys.map(ref)));
  const values = await new Scalar(g, listKey, (v) => v as Part[]).compute(opts);
  // One dictionary per string column: the IPC file format cannot replace dictionaries between batches.
  const table = partToTable(values.length ? concatParts(values, df.meta) : emptyPart(df.meta));
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, RecordBatchFileWriter.writeAll(table).toUint8Array(true));
  return abs;
}
