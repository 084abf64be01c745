/**
 * The DataFrame kernels, registered by name (workers import this module by URL). A partition task
 * is `df.part(input, steps, index)`: produce the partition (read a CSV block, generate, or take a
 * computed one) and run its steps; reductions fuse the same into `df.chunk`, so a filtered,
 * projected CSV block becomes a small state inside one task and never exists as a table.
 */
import type { Block } from '../io/blocks.ts';
import { readCsvBlock, type CsvEngine } from '../io/csv-read.ts';
import type { CsvParseSpec } from '../io/csv-parse.ts';
import { defineOps } from '../schedulers/registry.ts';
import { groupChunk, groupCombine, groupFinalize, type GroupPartial, type GroupSpec } from './groupby-agg.ts';
import { concatParts, partToTable, sliceRows, tableToPart, type Meta, type Part } from './part.ts';
import {
  combineMoments,
  countsOf,
  distinctOf,
  mergeCounts,
  mergeDistinct,
  mergeSketches,
  momentsOf,
  sketchOf,
  sketchQuantile,
  type Counts,
  type Moments,
  type Sketch,
} from './reductions.ts';
import { applySteps, type Step } from './steps.ts';
import { timeseriesPart, type TimeseriesPart } from './timeseries-gen.ts';
import { readIpcPart, readJsonPart, recordsToPart, type JsonPartArg } from './readers.ts';
import type { Table } from 'apache-arrow';
import { OptionError, messages } from '../errors.ts';
import { allocArray, shareColumns } from '../io/csv-columns.ts';
import { writeCsvFile, type CsvWriteOptions } from '../io/csv-write.ts';
import { hashPartition, joinParts, sortPart, type JoinSpec, type ShuffleSpec } from './shuffle-kernels.ts';

/** Where a partition comes from. */
export type Input =
  | { kind: 'gen'; gen: 'csv'; arg: { block: Block; spec: CsvParseSpec; engine: CsvEngine; pathColumn: string | null }; columns: string[] }
  | { kind: 'gen'; gen: 'timeseries'; arg: TimeseriesPart; columns: string[] }
  | { kind: 'gen'; gen: 'ipc'; arg: { path: string; batch: number }; columns: string[] }
  | { kind: 'gen'; gen: 'json'; arg: JsonPartArg; columns: string[] }
  | { kind: 'part'; part: Part };

function csvPart(arg: Extract<Input, { gen: 'csv' }>['arg'], columns: string[]): Part {
  const fileCols = columns.filter((c) => c !== arg.pathColumn);
  const part = readCsvBlock(arg.block, arg.spec, arg.engine, fileCols);
  if (arg.pathColumn === null || !columns.includes(arg.pathColumn)) return part;
  const codes = allocArray(Int32Array, part.length);
  const cols = columns.map((c) => (c === arg.pathColumn ? { dtype: 'string' as const, values: codes, dict: [arg.block.path] } : part.columns[part.names.indexOf(c)]!));
  return { names: columns.slice(), columns: cols, length: part.length };
}

/** Produce a partition's input. */
export function produce(input: Input): Part {
  if (input.kind === 'part') return input.part;
  switch (input.gen) {
    case 'csv':
      return csvPart(input.arg, input.columns);
    case 'timeseries':
      return timeseriesPart(input.arg, input.columns);
    case 'ipc':
      return readIpcPart(input.arg, input.columns);
    case 'json':
      return readJsonPart(input.arg, input.columns);
  }
}

export function materialize(input: Input, steps: Step[], index: number): Part {
  return applySteps(produce(input), steps, index);
}

/** What a reduction computes (plain data). */
export type Reducer =
  | { kind: 'len' }
  | { kind: 'moments' }
  | { kind: 'distinct' }
  | { kind: 'counts' }
  | { kind: 'sketch' }
  | { kind: 'describe' }
  | { kind: 'group'; spec: GroupSpec }
  | { kind: 'collect' };

type State = number | Moments[] | unknown[][] | Counts | Sketch | GroupPartial | GroupPartial[] | Array<[Moments, Sketch]> | Part;

function chunk(part: Part, r: Reducer): State {
  switch (r.kind) {
    case 'len':
      return part.length;
    case 'moments':
      return part.columns.map((c) => momentsOf(c, part.length));
    case 'distinct':
      return part.columns.map((c) => distinctOf(c, part.length));
    case 'counts':
      return countsOf(part.columns[0]!, part.length);
    case 'sketch':
      return sketchOf(part.columns[0]!, part.length);
    case 'describe':
      return part.columns.map((c) => [momentsOf(c, part.length), sketchOf(c, part.length)] as [Moments, Sketch]);
    case 'group':
      return groupChunk(part, r.spec);
    case 'collect':
      return shareColumns(part);
  }
}

function combine(r: Reducer, states: State[]): State | null {
  if (states.length === 0) return null;
  switch (r.kind) {
    case 'len':
      return (states as number[]).reduce((a, b) => a + b, 0);
    case 'moments':
      return (states as Moments[][]).reduce((a, b) => a.map((m, i) => combineMoments(m, b[i]!)));
    case 'distinct':
      return (states as unknown[][][])[0]!.map((_, i) => mergeDistinct((states as Array<Array<Array<number | string | boolean>>>).map((s) => s[i]!)));
    case 'counts':
      return mergeCounts(states as Counts[]);
    case 'sketch':
      return mergeSketches(states as Sketch[]);
    case 'describe':
      return (states as Array<Array<[Moments, Sketch]>>).reduce((a, b) => a.map(([m, s], i) => [combineMoments(m, b[i]![0]), mergeSketches([s, b[i]![1]])] as [Moments, Sketch]));
    case 'group':
      return groupCombine(states as GroupPartial[], r.spec);
    case 'collect':
      return shareColumns(concatParts(states as Part[]));
  }
}

export const dfKernels = defineOps(import.meta.url, {
  /** One partition: produce it and run its steps. */
  'df.part': (input: Input, steps: Step[], index: number): Part => shareColumns(materialize(input, steps, index)),
  /** A reduction's state of one partition (the partition itself is never kept). */
  'df.chunk': (input: Input, steps: Step[], index: number, r: Reducer): State => chunk(materialize(input, steps, index), r),
  /** Merge states (a node of the reduction tree). */
  'df.combine': (r: Reducer, ...states: State[]): State | null => combine(r, states),
  /** The group-by result of one bucket: merged partials as a partition sorted by key. */
  'df.groupFinalize': (spec: GroupSpec, j: number, ...states: Array<GroupPartial | GroupPartial[]>): Part => {
    const parts = states.map((s) => (Array.isArray(s) ? s[j]! : s));
    return shareColumns(groupFinalize(parts.length === 1 ? parts[0]! : groupCombine(parts, spec), spec));
  },
  /** Merge bucket `j` of partials (chunks give one partial per bucket; merges give one partial). */
  'df.groupMerge': (spec: GroupSpec, j: number, ...states: Array<GroupPartial | GroupPartial[]>): GroupPartial =>
    groupCombine(states.map((s) => (Array.isArray(s) ? s[j]! : s)), spec),
  /** Concatenate partitions (repartition to fewer). */
  'df.concat': (meta: Meta, ...parts: Part[]): Part => shareColumns(concatParts(parts, meta)),
  /** Rows [start, end) of a partition (repartition to more, head). */
  'df.slice': (part: Part, start: number, end: number): Part => sliceRows(part, start, end),
  /** Bytes of column memory of a partition (typed arrays + dictionary strings at 2 bytes a character). */
  'df.nbytes': (part: Part): number => {
    let b = 0;
    for (const c of part.columns) {
      b += c.values.byteLength + (c.valid?.byteLength ?? 0);
      if (c.dict) for (const s of c.dict) b += 2 * s.length;
    }
    return b;
  },
  /** Slice `i` of `k` equal slices of a partition (repartition to more). */
  'df.sliceFrac': (part: Part, i: number, k: number): Part => sliceRows(part, Math.floor((i * part.length) / k), Math.floor(((i + 1) * part.length) / k)),
  /** Split a partition into hash or range buckets (merge, sortValues). */
  'df.split': (input: Input, steps: Step[], index: number, spec: ShuffleSpec): Part[] => hashPartition(materialize(input, steps, index), spec).map(shareColumns),
  /** Concatenate the pieces of one bucket from every input partition, optionally sorted. */
  'df.gather': (meta: Meta, sortBy: { by: string[]; ascending: boolean[] } | null, ...pieces: Part[]): Part => {
    const all = concatParts(pieces, meta);
    return shareColumns(sortBy ? sortPart(all, sortBy.by, sortBy.ascending) : all);
  },
  /** Join two partitions (one bucket of each side, or a partition with the broadcast side). */
  'df.join': (left: Part, right: Part, spec: JoinSpec): Part => shareColumns(joinParts(left, right, spec)),
  /** Cut points splitting a sorted sample into `n` ranges (sortValues). */
  'df.bounds': (state: Sketch | Array<Array<number | string | boolean>> | null, n: number): Array<number | string> => {
    if (state === null) return [];
    if (Array.isArray(state)) {
      const vals = (state[0] ?? []).slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) as Array<number | string>;
      return Array.from({ length: n - 1 }, (_, j) => vals[Math.floor(((j + 1) * vals.length) / n)]!).filter((x) => x !== undefined);
    }
    return Array.from({ length: n - 1 }, (_, j) => sketchQuantile(state, (j + 1) / n)).filter((x) => !Number.isNaN(x));
  },
  /** Write a partition as CSV; returns the path. */
  'df.writeCsv': (part: Part, path: string, opts: CsvWriteOptions): string => {
    writeCsvFile(part, path, opts);
    return path;
  },
  /** A partition from what a Delayed returned: an Arrow Table or an array of records. */
  'df.fromValue': (value: unknown, meta: Meta): Part => {
    const part = Array.isArray(value) ? recordsToPart(value as Array<Record<string, unknown>>, meta) : tableToPart(value as Table);
    const missing = meta.names.filter((n) => !part.names.includes(n));
    if (missing.length) throw new OptionError(messages.metaMismatch('fromDelayed', meta.names.join(','), part.names.join(',')));
    return shareColumns({ names: meta.names.slice(), columns: meta.names.map((n) => part.columns[part.names.indexOf(n)]!), length: part.length });
  },
  /** An Arrow table of a partition (for user code that wants one in a task). */
  'df.toTable': (part: Part) => partToTable(part),
});
