/**
 * An estimate of how many bytes a value holds (Dask's `sizeof`), for the `CacheProfiler` and other
 * memory diagnostics. Cheap by design: large arrays, maps and objects are sampled (10 items) and
 * the average is extrapolated, nesting is followed a few levels, and shared objects are counted
 * once. Typed arrays and buffers count their byte length exactly.
 */

const SAMPLE = 10;
const MAX_DEPTH = 6;

/**
 * Estimated bytes held by `value`.
 * @example
 * sizeOf(new Float64Array(1000));   // 8000
 * sizeOf([1, 2, 3]);                // 48 (8 per slot + 8 per number)
 */
export function sizeOf(value: unknown): number {
  return Math.round(measure(value, 0, new Set()));
}

function measure(v: unknown, depth: number, seen: Set<object>): number {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
      return 4;
    case 'string':
      return 16 + 2 * v.length;
    case 'object':
      break;
    default:
      return 0; // undefined, functions, symbols
  }
  if (v === null) return 0;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) return v.byteLength;
  if (seen.has(v) || depth > MAX_DEPTH) return 0;
  seen.add(v);
  if (Array.isArray(v)) return 16 + 8 * v.length + sampled(v.length, (i) => v[i], depth, seen);
  if (v instanceof Map) return 16 + 16 * v.size + sampledIter(v.size, v.entries(), depth, seen);
  if (v instanceof Set) return 16 + 8 * v.size + sampledIter(v.size, v.values(), depth, seen);
  // An object that reports its own size (Arrow tables and vectors do).
  const own = (v as { byteLength?: unknown }).byteLength;
  if (typeof own === 'number' && Number.isFinite(own)) return own;
  const keys = Object.keys(v);
  const rec = v as Record<string, unknown>;
  return 16 + sampled(keys.length, (i) => [keys[i], rec[keys[i]!]], depth, seen);
}

/** Sum of the sizes of `n` items, sampled evenly past `SAMPLE` items. */
function sampled(n: number, at: (i: number) => unknown, depth: number, seen: Set<object>): number {
  if (n <= SAMPLE) {
    let s = 0;
    for (let i = 0; i < n; i++) s += measure(at(i), depth + 1, seen);
    return s;
  }
  let s = 0;
  for (let k = 0; k < SAMPLE; k++) s += measure(at(Math.floor((k * n) / SAMPLE)), depth + 1, seen);
  return (s / SAMPLE) * n;
}

/** `sampled` for a Map's or Set's `n` items, picked while iterating (no copy of the whole collection). */
function sampledIter(n: number, items: Iterator<unknown>, depth: number, seen: Set<object>): number {
  let s = 0;
  let i = 0;
  let k = 0;
  let next = 0; // index of the next item measured: every item up to SAMPLE, else floor(k * n / SAMPLE)
  for (let r = items.next(); !r.done && k < Math.min(n, SAMPLE); r = items.next(), i++) {
    if (i !== next) continue;
    s += measure(r.value, depth + 1, seen);
    k++;
    next = n <= SAMPLE ? k : Math.floor((k * n) / SAMPLE);
  }
  return n <= SAMPLE ? s : (s / SAMPLE) * n;
}
