/**
 * Making Arrays: from data in memory, constants, ranges, the identity, and seeded random values.
 * Every maker takes `chunks` (any spec `normalizeChunks` accepts; default `'auto'`) and `dtype`.
 */
import { messages, OptionError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { tokenize, uniqueToken } from '../graph/tokenize.ts';
import { data } from '../graph/types.ts';
import { blockwiseArray } from './blocks.ts';
import { checkShape, normalizeChunks, offsets, prod, stridesOf, type ChunksSpec } from './chunks.ts';
import { ShoalArray } from './core.ts';
import { allocShared, dtypeOf, isDType, type DType, type TypedArray } from './dtype.ts';
import { createKernels } from './kernels/create.ts';
import { copyRegion } from './kernels/copy.ts';
import { INTEGERS, NORMAL, UNIFORM, seedKey } from './random.ts';

void createKernels;

/** Options of the makers. */
export interface CreateOptions {
  /** Block lengths (default `'auto'`: ~128 MiB blocks). */
  chunks?: ChunksSpec;
  /** Element type (default float64). */
  dtype?: DType;
}
const CREATE_KEYS = optionKeys<CreateOptions>({ chunks: true, dtype: true });

/** Options of `linspace`. */
export interface LinspaceOptions extends CreateOptions {
  /** Whether `stop` is the last value (default true). */
  endpoint?: boolean;
}
const LINSPACE_KEYS = optionKeys<LinspaceOptions>({ chunks: true, dtype: true, endpoint: true });

/** Options of `eye`. */
export interface EyeOptions extends CreateOptions {
  /** Columns (default `n`). */
  m?: number;
  /** The diagonal: 0 the main one, > 0 above, < 0 below. */
  k?: number;
}
const EYE_KEYS = optionKeys<EyeOptions>({ chunks: true, dtype: true, m: true, k: true });

/** Options of `fromArray`. */
export interface FromArrayOptions extends CreateOptions {
  /** The Array's name (its keys' prefix); default: a hash of the data. */
  name?: string;
}
const FROM_ARRAY_KEYS = optionKeys<FromArrayOptions>({ chunks: true, dtype: true, name: true });

export function checkDType(op: string, dtype: unknown, fallback: DType = 'float64'): DType {
  if (dtype === undefined) return fallback;
  if (!isDType(dtype)) throw new OptionError(messages.arrayBadDType(op, dtype));
  return dtype;
}

function constant(op: string, shape: number | readonly number[], value: number, opts: CreateOptions): ShoalArray {
  checkOptions(op, opts, CREATE_KEYS);
  const s = checkShape(shape, op);
  const dtype = checkDType(op, opts.dtype);
  if (typeof value !== 'number') throw new OptionError(messages.badOption(`${op} value`, value, 'must be a number'));
  const chunks = normalizeChunks(opts.chunks, s, dtype, op);
  const name = `${op}-${tokenize(s, chunks, dtype, value)}`;
  return blockwiseArray(name, chunks, dtype, [], 'array.full', (b) => [dtype, b.shape, value]);
}

/**
 * An array of zeros. @example array.zeros([1000, 1000], { chunks: 250 })   // 16 blocks
 */
export function zeros(shape: number | readonly number[], opts: CreateOptions = {}): ShoalArray {
  return constant('zeros', shape, 0, opts);
}
/** An array of ones. @example await array.ones([3], { dtype: 'int32' }).toArray()   // [1, 1, 1] */
export function ones(shape: number | readonly number[], opts: CreateOptions = {}): ShoalArray {
  return constant('ones', shape, 1, opts);
}
/** An array filled with `value`. @example await array.full([2], 7).toArray()   // [7, 7] */
export function full(shape: number | readonly number[], value: number, opts: CreateOptions = {}): ShoalArray {
  return constant('full', shape, value, opts);
}
/** An array whose values do not matter (shoal gives zeros: shared memory starts zeroed). @example array.empty([4], { chunks: 2 }) */
export function empty(shape: number | readonly number[], opts: CreateOptions = {}): ShoalArray {
  return constant('empty', shape, 0, opts);
}

/**
 * Evenly spaced values in [start, stop) (NumPy's `arange`; `arange(stop)` starts at 0).
 * @example await array.arange(0, 10, 3, { chunks: 2 }).toArray()   // [0, 3, 6, 9]
 */
export function arange(start: number, stop?: number, step = 1, opts: CreateOptions = {}): ShoalArray {
  checkOptions('arange', opts, CREATE_KEYS);
  if (stop === undefined) [start, stop] = [0, start];
  for (const [k, v] of [['start', start], ['stop', stop], ['step', step]] as const)
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new OptionError(messages.badOption(`arange ${k}`, v, 'must be a finite number'));
  if (step === 0) throw new OptionError(messages.badOption('arange step', step, 'must not be 0'));
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = checkDType('arange', opts.dtype, [start, stop, step].every(Number.isInteger) ? 'int32' : 'float64');
  const chunks = normalizeChunks(opts.chunks, [n], dtype, 'arange');
  const name = `arange-${tokenize(start, step, n, chunks, dtype)}`;
  return blockwiseArray(name, chunks, dtype, [], 'array.arange', (b) => [dtype, start + b.start[0]! * step, step, b.shape[0]!]);
}

/**
 * `num` evenly spaced values from `start` to `stop` (inclusive unless `endpoint: false`).
 * @example await array.linspace(0, 1, 5, { chunks: 2 }).toArray()   // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(start: number, stop: number, num = 50, opts: LinspaceOptions = {}): ShoalArray {
  checkOptions('linspace', opts, LINSPACE_KEYS);
  if (!Number.isInteger(num) || num < 0) throw new OptionError(messages.badOption('linspace num', num, 'must be a whole number >= 0'));
  const endpoint = opts.endpoint ?? true;
  const dtype = checkDType('linspace', opts.dtype);
  const chunks = normalizeChunks(opts.chunks, [num], dtype, 'linspace');
  const div = endpoint ? num - 1 : num;
  const last = endpoint && num > 1 ? num - 1 : -1;
  const name = `linspace-${tokenize(start, stop, num, endpoint, chunks, dtype)}`;
  return blockwiseArray(name, chunks, dtype, [], 'array.linspace', (b) => [dtype, start, stop, div === 0 ? 1 : div, b.start[0]!, b.shape[0]!, last]);
}

/**
 * A 2-D array with ones on diagonal `k` and zeros elsewhere (`m` columns, default `n`).
 * @example await array.eye(3, { chunks: 2 }).toArray()   // [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
 */
export function eye(n: number, opts: EyeOptions = {}): ShoalArray {
  checkOptions('eye', opts, EYE_KEYS);
  const m = opts.m ?? n;
  const k = opts.k ?? 0;
  const shape = checkShape([n, m], 'eye');
  if (!Number.isInteger(k)) throw new OptionError(messages.badOption('eye k', k, 'must be a whole number'));
  const dtype = checkDType('eye', opts.dtype);
  const chunks = normalizeChunks(opts.chunks, shape, dtype, 'eye');
  const name = `eye-${tokenize(shape, k, chunks, dtype)}`;
  return blockwiseArray(name, chunks, dtype, [], 'array.eye', (b) => [dtype, b.shape, b.start[0]!, b.start[1]!, k]);
}

/** What `fromArray` accepts: an ndarray, a typed array (1-D), or nested JS arrays of numbers. */
export type ArraySource = StridedLike | TypedArray | NestedArray;
/** An ndarray (scijs) or anything with its strided layout. */
export interface StridedLike {
  data: ArrayLike<number>;
  shape: number[];
  stride: number[];
  offset: number;
}
type NestedArray = number | NestedArray[];

/** Byte size below which `fromArray` names its blocks by content; above, by a unique token. */
const HASH_LIMIT = 4 * 2 ** 20;

/**
 * An Array over data already in memory: an `ndarray`, a typed array, or nested JS arrays. A
 * C-contiguous typed array in a SharedArrayBuffer is not copied when its blocks are contiguous
 * ranges of it (blocks are views); anything else is copied into shared memory once, per block.
 * @example
 * const x = array.fromArray(new Float64Array([1, 2, 3, 4]), { chunks: 2 });
 * const y = array.fromArray(ndarray(new Int32Array(6), [2, 3]), { chunks: [1, 3] });
 */
export function fromArray(source: ArraySource, opts: FromArrayOptions = {}): ShoalArray {
  checkOptions('fromArray', opts, FROM_ARRAY_KEYS);
  const { flat, shape, stride, offset } = toStrided(source);
  const srcType = dtypeOf(flat as unknown as ArrayBufferView) ?? 'float64';
  const dtype = checkDType('fromArray', opts.dtype, srcType);
  const chunks = normalizeChunks(opts.chunks, shape, dtype, 'fromArray');
  const cstrides = stridesOf(shape);
  const contiguous = ArrayBuffer.isView(flat) && stride.every((s, i) => s === cstrides[i] || shape[i] === 1) && dtype === srcType;
  const shared = contiguous && (flat as TypedArray).buffer instanceof SharedArrayBuffer;
  const bytes = prod(shape) * 8;
  const name = opts.name ?? `array-${bytes <= HASH_LIMIT ? tokenize(flat, shape, stride, offset, chunks, dtype) : uniqueToken()}`;
  return blockwiseArray(name, chunks, dtype, [], 'array.full', (b, key) => {
    const n = prod(b.shape);
    // A block that spans whole trailing axes is one contiguous range of a C-ordered source.
    const whole = b.shape.every((len, d) => d === 0 || len === shape[d]);
    if (shared && whole) {
      const src = flat as TypedArray;
      const C = src.constructor as new (buf: ArrayBufferLike, off: number, len: number) => TypedArray;
      const startEl = offset + b.start.reduce((acc, s, d) => acc + s * stride[d]!, 0);
      return data(key, new C(src.buffer, src.byteOffset + startEl * src.BYTES_PER_ELEMENT, n));
    }
    const out = allocShared(dtype, n);
    if (contiguous) copyRegion(flat as TypedArray, shape, b.start.map((s, d) => s), null, out, b.shape, b.shape.map(() => 0), b.shape);
    else {
      // Strided or plain-array source: element by element.
      const nd = shape.length;
      const idx = new Array<number>(nd).fill(0);
      for (let i = 0; i < n; i++) {
        let o = offset;
        for (let d = 0; d < nd; d++) o += (b.start[d]! + idx[d]!) * stride[d]!;
        out[i] = (flat as ArrayLike<number>)[o]!;
        for (let d = nd - 1; d >= 0; d--) {
          if (++idx[d]! < b.shape[d]!) break;
          idx[d] = 0;
        }
      }
    }
    return data(key, out);
  });
}

function toStrided(src: ArraySource): { flat: ArrayLike<number>; shape: number[]; stride: number[]; offset: number } {
  if (ArrayBuffer.isView(src)) {
    if (!dtypeOf(src)) throw new OptionError(messages.arrayBadSource(src));
    return { flat: src as TypedArray, shape: [(src as TypedArray).length], stride: [1], offset: 0 };
  }
  if (typeof src === 'number') return { flat: [src], shape: [], stride: [], offset: 0 };
  if (Array.isArray(src)) {
    const shape: number[] = [];
    let cur: unknown = src;
    while (Array.isArray(cur)) {
      shape.push(cur.length);
      cur = cur[0];
    }
    const flat = (src as unknown[]).flat(Infinity) as unknown[];
    if (flat.length !== prod(shape) || !flat.every((v) => typeof v === 'number')) throw new OptionError(messages.arrayRagged(shape));
    return { flat: flat as number[], shape, stride: stridesOf(shape), offset: 0 };
  }
  if (typeof src === 'object' && src !== null && 'shape' in src && 'stride' in src && 'data' in src) {
    const nd = src as StridedLike;
    return { flat: nd.data as ArrayLike<number>, shape: nd.shape.slice(), stride: nd.stride.slice(), offset: nd.offset };
  }
  throw new OptionError(messages.arrayBadSource(src));
}

/** Options of the random makers. */
export interface RandomOptions extends CreateOptions {
  /** Shape of the result (default: a single value, `[]`). */
  shape?: number | readonly number[];
  /** Seed: the same seed gives the same values whatever the chunking and scheduler. Default: random. */
  seed?: number;
}
const RANDOM_KEYS = optionKeys<RandomOptions>({ chunks: true, dtype: true, shape: true, seed: true });

/** Options of `random.normal`. */
export interface NormalOptions extends RandomOptions {
  /** Mean (default 0). */
  loc?: number;
  /** Standard deviation (default 1). */
  scale?: number;
}
const NORMAL_KEYS = optionKeys<NormalOptions>({ chunks: true, dtype: true, shape: true, seed: true, loc: true, scale: true });

/** Options of `random.uniform`. */
export interface UniformOptions extends RandomOptions {
  /** Lowest value (default 0). */
  low?: number;
  /** Values stay below this (default 1). */
  high?: number;
}
const UNIFORM_KEYS = optionKeys<UniformOptions>({ chunks: true, dtype: true, shape: true, seed: true, low: true, high: true });

function randomArray(op: string, dist: number, p1: number, p2: number, opts: RandomOptions, dtype: DType): ShoalArray {
  const shape = checkShape(opts.shape ?? [], `random.${op}`);
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 53);
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) throw new OptionError(messages.badOption(`random.${op} seed`, seed, 'must be a whole number from 0 to 2^53-1'));
  for (const [k, v] of [['p1', p1], ['p2', p2]]) if (typeof v !== 'number' || Number.isNaN(v)) throw new OptionError(messages.badOption(`random.${op} parameter`, v, `${k} must be a number`));
  const chunks = normalizeChunks(opts.chunks, shape, dtype, `random.${op}`);
  const [k0, k1] = seedKey(seed);
  const name = `${op}-${tokenize(dist, p1, p2, seed, shape, chunks, dtype)}`;
  const x = blockwiseArray(name, chunks, dtype, [], 'array.random', (b) => [dtype, dist, p1, p2, k0, k1, shape, b.start, b.shape]);
  // Reductions remake random blocks in their own tasks instead of reading stored ones.
  const offs = chunks.map(offsets);
  const produce = (idx: number[]) => ['random', dtype, dist, p1, p2, k0, k1, shape, idx.map((b, d) => offs[d]![b]!), idx.map((b, d) => chunks[d]![b]!)];
  return new ShoalArray(x.name, x.chunks, x.dtype, { ...x.layer, produce, remake: true });
}

/**
 * Seeded random arrays. The generator is counter-based: an element's value depends only on the
 * seed and its position, so the same seed gives the same array whatever the chunks and scheduler.
 */
export const random = {
  /**
   * Normal (Gaussian) values with mean `loc` and standard deviation `scale`.
   * @example const x = array.random.normal({ shape: [1_000_000], chunks: [100_000], seed: 42 });
   */
  normal(opts: NormalOptions = {}): ShoalArray {
    checkOptions('random.normal', opts, NORMAL_KEYS);
    const dtype = checkDType('random.normal', opts.dtype);
    return randomArray('normal', NORMAL, opts.loc ?? 0, opts.scale ?? 1, opts, dtype);
  },
  /**
   * Uniform values in [low, high) (default [0, 1)).
   * @example array.random.uniform({ shape: [100, 100], chunks: 50, seed: 1 })
   */
  uniform(opts: UniformOptions = {}): ShoalArray {
    checkOptions('random.uniform', opts, UNIFORM_KEYS);
    const dtype = checkDType('random.uniform', opts.dtype);
    return randomArray('uniform', UNIFORM, opts.low ?? 0, opts.high ?? 1, opts, dtype);
  },
  /**
   * Whole numbers in [low, high) (NumPy's `Generator.integers`); dtype int32 by default.
   * @example array.random.integers(0, 6, { shape: [10], seed: 7 })   // dice rolls 0..5
   */
  integers(low: number, high?: number, opts: RandomOptions = {}): ShoalArray {
    checkOptions('random.integers', opts, RANDOM_KEYS);
    if (high === undefined) [low, high] = [0, low];
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new OptionError(messages.badOption('random.integers low/high', [low, high], 'need whole numbers with low < high'));
    const dtype = checkDType('random.integers', opts.dtype, 'int32');
    return randomArray('integers', INTEGERS, low, high, opts, dtype);
  },
};
