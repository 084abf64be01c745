/**
 * Making Bags: from an array (`fromSequence`), a range, Delayed values, text files, or other Bags.
 */
import { createHash } from 'node:crypto';
import { messages, OptionError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { Delayed } from '../delayed/delayed.ts';
import { blockKey } from '../graph/keys.ts';
import { tokenize, uniqueToken } from '../graph/tokenize.ts';
import { data, ref, task, type GraphNode, type Key } from '../graph/types.ts';
import { expandPaths } from '../io/paths.ts';
import { splitBlocks } from '../io/blocks.ts';
import { parseBytes } from '../io/bytes.ts';
import { Bag } from './bag.ts';
import { op } from './graph-parts.ts';

export interface FromSequenceOptions {
  /** How many partitions (Dask's rule: about `length / npartitions` elements each). */
  npartitions?: number;
  /** How many elements per partition. */
  partitionSize?: number;
}
const FROM_SEQUENCE_KEYS = optionKeys<FromSequenceOptions>({ npartitions: true, partitionSize: true });

/** Options of `range`. */
export interface RangeOptions {
  /** How many partitions (required; the last one takes the remainder). */
  npartitions: number;
}
const RANGE_KEYS = optionKeys<RangeOptions>({ npartitions: true });

function positiveInt(name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new OptionError(messages.badOption(name, v, 'must be a whole number >= 1'));
  return v as number;
}

/**
 * A Bag of the elements of `xs`, cut into partitions held in the graph. Without options, Dask's
 * default: one element per partition up to 100 elements, else about sqrt(n) / 10 per partition.
 * @example
 * bag.fromSequence([1, 2, 3, 4, 5], { npartitions: 2 });   // partitions [1, 2, 3] and [4, 5]
 */
export function fromSequence<T>(xs: Iterable<T>, opts: FromSequenceOptions = {}): Bag<T> {
  if (xs === null || xs === undefined || typeof (xs as Iterable<T>)[Symbol.iterator] !== 'function') throw new OptionError(messages.bagNotArray('fromSequence(xs)', xs));
  checkOptions('bag.fromSequence', opts, FROM_SEQUENCE_KEYS);
  const seq = Array.isArray(xs) ? (xs as T[]) : Array.from(xs);
  let size: number;
  if (opts.partitionSize !== undefined) size = positiveInt('partitionSize', opts.partitionSize);
  else if (opts.npartitions !== undefined) {
    const np = positiveInt('npartitions', opts.npartitions);
    size = seq.length <= 100 ? Math.ceil(seq.length / np) : Math.max(1, Math.floor(seq.length / np));
  } else size = seq.length <= 100 ? 1 : Math.max(1, Math.ceil(Math.sqrt(seq.length) / Math.sqrt(100)));
  size = Math.max(1, size);
  // Long runs of plain numbers (the common large case) are held as float64 bytes: hashed for the
  // name in one pass and copied to workers as one block instead of element by element. Every JS
  // number is a float64, so nothing changes for the elements; kernels read them by index.
  const packed = seq.length >= PACK_MIN ? packNumbers(seq, size) : null;
  const name = `from_sequence-${tokenize(sequenceToken(seq, packed), size)}`;
  const layer = new Map<Key, GraphNode>();
  const keys: Key[] = [];
  for (let start = 0; start < seq.length || keys.length === 0; start += size) {
    const key = blockKey(name, [keys.length]);
    layer.set(key, data(key, packed ? packed[keys.length] : seq.slice(start, start + size)));
    keys.push(key);
  }
  return new Bag<T>(name, keys, [layer]);
}

/** Sequences of numbers at least this long are packed into Float64Arrays. */
const PACK_MIN = 4096;
/** Longer sequences are named by a fresh token instead of a hash of their content. */
const HASH_MAX = 1 << 16;

/**
 * The numbers of `seq` as one Float64Array per partition of `size`, or null if it holds anything
 * else (one pass, early exit). Separate buffers: a view of one big buffer would carry all of it to
 * every worker.
 */
function packNumbers(seq: readonly unknown[], size: number): Float64Array[] | null {
  const out: Float64Array[] = [];
  for (let start = 0; start < seq.length; start += size) {
    const part = new Float64Array(Math.min(size, seq.length - start));
    for (let i = 0; i < part.length; i++) {
      const x = seq[start + i];
      if (typeof x !== 'number') return null;
      part[i] = x;
    }
    out.push(part);
  }
  return out;
}

/**
 * What names a sequence: its content, except for long ones, which get a fresh token: hashing a
 * million elements costs more than mapping them, and the only loss is that two equal long
 * sequences built separately are not recognised as one (each is still named correctly).
 */
function sequenceToken(seq: readonly unknown[], packed: Float64Array[] | null): unknown {
  if (seq.length > HASH_MAX) return uniqueToken();
  if (!packed) return seq;
  const h = createHash('sha1');
  for (const p of packed) h.update(new Uint8Array(p.buffer));
  return `f64:${h.digest('hex')}`;
}

/**
 * The integers `0 .. n-1` in `npartitions` partitions, made in the workers (nothing in the graph).
 * @example
 * await bag.range(5, { npartitions: 2 }).compute();   // [0, 1, 2, 3, 4]
 */
export function range(n: number, opts: RangeOptions): Bag<number> {
  checkOptions('bag.range', opts, RANGE_KEYS, true);
  if (!Number.isInteger(n) || n < 0) throw new OptionError(messages.badOption('n', n, 'must be a whole number >= 0'));
  const np = positiveInt('npartitions', opts?.npartitions);
  const name = `range-${tokenize(n, np)}`;
  // Dask's rule: n / npartitions each, the last one takes the remainder.
  const size = Math.floor(n / np);
  const layer = new Map<Key, GraphNode>();
  const keys: Key[] = [];
  for (let i = 0; i < np; i++) {
    const start = size > 0 ? i * size : Math.floor((i * n) / np);
    const stop = i === np - 1 ? n : size > 0 ? (i + 1) * size : Math.floor(((i + 1) * n) / np);
    const key = blockKey(name, [i]);
    layer.set(key, task(key, op('bag.range'), [start, stop]));
    keys.push(key);
  }
  return new Bag<number>(name, keys, [layer]);
}

/**
 * A Bag with one partition per Delayed value (each an array or other iterable).
 * @example
 * const load = delayed((i: number) => [i, i + 1]);
 * await bag.fromDelayed([load(0), load(10)]).compute();   // [0, 1, 10, 11]
 */
export function fromDelayed<T>(values: Delayed<Iterable<T>> | readonly Delayed<Iterable<T>>[]): Bag<T> {
  const ds = values instanceof Delayed ? [values] : [...values];
  ds.forEach((d, i) => {
    if (!(d instanceof Delayed)) throw new OptionError(messages.badOption(`fromDelayed values[${i}]`, d, 'must be a Delayed'));
  });
  const name = `from-delayed-${tokenize(ds.map((d) => d.key))}`;
  const layer = new Map<Key, GraphNode>();
  const keys = ds.map((d, i) => {
    const key = blockKey(name, [i]);
    layer.set(key, task(key, op('bag.reify'), [ref(d.key)]));
    return key;
  });
  return new Bag<T>(name, keys, [...ds.map((d) => d.__graph__()), layer]);
}

/**
 * The partitions of several Bags, one after another.
 * @example
 * await bag.concat([bag.fromSequence([1, 2]), bag.fromSequence([3])]).compute();   // [1, 2, 3]
 */
export function concat<T>(bags: readonly Bag<T>[]): Bag<T> {
  if (!Array.isArray(bags) || bags.length === 0) throw new OptionError(messages.badOption('concat(bags)', bags, 'must be a non-empty array of Bags'));
  bags.forEach((b, i) => {
    if (!(b instanceof Bag)) throw new OptionError(messages.badOption(`concat bags[${i}]`, b, 'must be a Bag'));
  });
  const name = `concat-${tokenize(bags.map((b) => b.name))}`;
  const keys = bags.flatMap((b) => b.__keys__());
  return new Bag<T>(name, keys, bags.flatMap((b) => b.graphLayers().layers));
}

/**
 * Pair up the elements of Bags with the same partitioning.
 * @example
 * await bag.zip(bag.range(3, { npartitions: 1 }), bag.fromSequence(['a', 'b', 'c'], { npartitions: 1 })).compute();   // [[0, 'a'], [1, 'b'], [2, 'c']]
 */
export function zip<T, U extends unknown[]>(first: Bag<T>, ...others: { [K in keyof U]: Bag<U[K]> }): Bag<[T, ...U]> {
  return first.zip(...(others as Bag<unknown>[])) as Bag<[T, ...U]>;
}

/**
 * Blocks of 32 MiB: small enough that two workers reading at once stay well under a few hundred
 * MB each (a block's bytes are held while its lines stream), large enough to amortise a task.
 */
const DEFAULT_BLOCKSIZE = '32MiB';

export interface ReadTextOptions {
  /** Cut files into byte ranges of about this size (a number or '64MB'); null: one partition per file. Default 32 MiB. */
  blocksize?: number | string | null;
  /** The text encoding (any WHATWG TextDecoder label; default utf-8). */
  encoding?: string;
}
const READ_TEXT_KEYS = optionKeys<ReadTextOptions>({ blocksize: true, encoding: true });

/**
 * A Bag of the lines of text files (without line terminators). Globs are expanded, large files
 * are cut into byte ranges at line boundaries (one partition each), `.gz` files are read whole.
 * @example
 * const lines = bag.readText('logs/*.log', { blocksize: '16MB' });
 * await lines.filter((l) => l.includes('ERROR')).count().compute();
 */
export function readText(globOrPaths: string | readonly string[], opts: ReadTextOptions = {}): Bag<string> {
  checkOptions('bag.readText', opts, READ_TEXT_KEYS);
  const encoding = opts.encoding ?? 'utf-8';
  try {
    new TextDecoder(encoding);
  } catch {
    throw new OptionError(messages.bagBadEncoding(encoding));
  }
  const blocksize = opts.blocksize === null ? null : parseBytes(opts.blocksize ?? DEFAULT_BLOCKSIZE, 'blocksize');
  const paths = expandPaths(globOrPaths, 'readText');
  const blocks = splitBlocks(paths, blocksize);
  const token = tokenize(blocks, encoding);
  // The partitions are the blocks; reading them is the first fused step, so the lines of a block
  // stream through the transforms (and a reduction) without being collected first.
  const layer = new Map<Key, GraphNode>();
  const keys = blocks.map((b, i) => {
    const key = blockKey(`blocks-${token}`, [i]);
    layer.set(key, data(key, b));
    return key;
  });
  if (keys.length === 0) {
    // Only empty files: one empty partition, so the Bag still computes (to []).
    const key = blockKey(`read-text-${token}`, [0]);
    layer.set(key, data(key, []));
    return new Bag<string>(`read-text-${token}`, [key], [layer]);
  }
  return new Bag<string>(`read-text-${token}`, keys, [layer], [{ op: 'readText', fn: null, arg: encoding, extras: [] }]);
}
