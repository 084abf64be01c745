/**
 * Data types of array elements and NumPy's promotion rules between them. Only the eight dtypes a
 * typed array holds natively; there is no int64 (JavaScript has no fast 64-bit integer arrays):
 * where NumPy would widen to int64 (uint32 with a signed integer, integer sums), shoal uses
 * float64, exact for integers up to 2^53.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The element types an Array can hold. `uint8` also stands for booleans (0/1). */
export type DType = 'float64' | 'float32' | 'int32' | 'int16' | 'int8' | 'uint32' | 'uint16' | 'uint8';

/** A typed array of any of the supported element types. */
export type TypedArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

type TypedCtor = { new (n: number): TypedArray; new (b: ArrayBufferLike, offset?: number, length?: number): TypedArray; BYTES_PER_ELEMENT: number };

const CTORS: Record<DType, TypedCtor> = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint32: Uint32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
};

export const DTYPES = Object.keys(CTORS) as DType[];

/** True for a dtype name shoal knows. */
export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && Object.hasOwn(CTORS, x);
}

/** Bytes per element. */
export function itemsize(dtype: DType): number {
  return CTORS[dtype].BYTES_PER_ELEMENT;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float64' || dtype === 'float32';
}

export function isSigned(dtype: DType): boolean {
  return dtype.startsWith('int');
}

/** A zero-filled typed array of `n` elements in shared memory (passed between threads by reference). */
export function allocShared(dtype: DType, n: number): TypedArray {
  const C = CTORS[dtype];
  const bytes = n * C.BYTES_PER_ELEMENT;
  if (bytes >= NUDGE_MIN) nudge(bytes);
  return new C(new SharedArrayBuffer(bytes), 0, n);
}

/*
 * V8 does not count SharedArrayBuffer memory towards its GC heuristics (ordinary ArrayBuffers it
 * does): a loop that makes and drops 80 MB shared blocks but few JS objects never triggers a
 * collection, and the dead blocks pile up (measured: +800 MB per 1e8-element compute). So every
 * NUDGE_BYTES of shared blocks allocated in this thread a full collection is requested (a few ms
 * on a worker's small heap; minor collections were tried and did not release blocks that had
 * been promoted). The `gc` function is taken from a fresh context after exposing it (Node's
 * long-standing `setFlagsFromString` route); if that is unavailable, nothing happens.
 */
const NUDGE_MIN = 1 << 20;
const NUDGE_BYTES = 256 * 2 ** 20;
let sinceGc = 0;
let collect: (() => void) | null | undefined;

function nudge(bytes: number): void {
  sinceGc += bytes;
  if (sinceGc < NUDGE_BYTES) return;
  sinceGc = 0;
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
}

/** The dtype of a typed array, or undefined for other views (BigInt64Array, DataView...). */
export function dtypeOf(a: ArrayBufferView): DType | undefined {
  for (const d of DTYPES) if (a instanceof CTORS[d]) return d;
  return undefined;
}

/** A view of `a`'s memory as the typed array of `dtype` (same buffer, no copy). */
export function ctorOf(dtype: DType): TypedCtor {
  return CTORS[dtype];
}

const INT_BITS: Record<string, number> = { int8: 8, int16: 16, int32: 32, uint8: 8, uint16: 16, uint32: 32 };

function intOfBits(signed: boolean, bits: number): DType {
  if (bits > 32) return 'float64';
  return `${signed ? 'int' : 'uint'}${bits}` as DType;
}

/**
 * NumPy's result type of a binary operation between arrays of dtypes `a` and `b`.
 * @example
 * promoteTypes('uint8', 'int8');     // 'int16'
 * promoteTypes('float32', 'int32');  // 'float64'
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (isFloat(a) || isFloat(b)) {
    if (a === 'float64' || b === 'float64') return 'float64';
    const other = a === 'float32' ? b : a;
    return INT_BITS[other]! >= 32 ? 'float64' : 'float32';
  }
  const sa = isSigned(a);
  const sb = isSigned(b);
  const ba = INT_BITS[a]!;
  const bb = INT_BITS[b]!;
  if (sa === sb) return intOfBits(sa, Math.max(ba, bb));
  // Mixed signedness: the signed type must hold every value of the unsigned one.
  const [ub, sbits] = sa ? [bb, ba] : [ba, bb];
  return intOfBits(true, Math.max(sbits, ub * 2));
}

/**
 * The dtype of an array combined with a plain JS number (NumPy 2's "weak" Python scalars): an
 * integer keeps the array's dtype, a fraction turns integer arrays into float64.
 */
export function promoteScalar(a: DType, value: number): DType {
  if (isFloat(a) || Number.isInteger(value)) return a;
  return 'float64';
}

/** The dtype of a float function (sqrt, exp...) of `a`: NumPy's, with float16 widened to float32. */
export function floatOf(a: DType): DType {
  if (isFloat(a)) return a;
  return INT_BITS[a]! >= 32 ? 'float64' : 'float32';
}

/** A zero-filled typed array of `n` elements in ordinary memory (results handed to the caller). */
export function allocPlain(dtype: DType, n: number): TypedArray {
  return new CTORS[dtype](n);
}
