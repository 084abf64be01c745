/**
 * Bytes held by a value (Dask's `sizeof`): exact for typed arrays, ArrayBuffers and anything
 * exposing `byteLength` (Arrow tables, vectors and buffers), the UTF-16 size of strings, 8 per
 * number; containers add their items (large arrays are sampled, as Dask does) plus 8 bytes per slot.
 */
const SAMPLE = 64;

export function sizeOf(v: unknown, depth = 0): number {
  switch (typeof v) {
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
      return 8;
    case 'string':
      return 2 * v.length + 16;
    case 'function':
    case 'symbol':
      return 8;
  }
  if (v === null) return 8;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) return v.byteLength;
  const bl = (v as { byteLength?: unknown }).byteLength;
  if (typeof bl === 'number') return bl;
  if (depth > 4) return 64;
  if (Array.isArray(v)) return 16 + 8 * v.length + sampled(v, depth);
  if (v instanceof Map) return 16 + sampled([...v.entries()].flat(), depth);
  if (v instanceof Set) return 16 + sampled([...v], depth);
  let n = 16;
  let k = 0;
  for (const key in v as object) {
    n += 2 * key.length + 8 + sizeOf((v as Record<string, unknown>)[key], depth + 1);
    if (++k > 1000) break;
  }
  return n;
}

function sampled(xs: readonly unknown[], depth: number): number {
  if (xs.length <= SAMPLE) {
    let n = 0;
    for (const x of xs) n += sizeOf(x, depth + 1);
    return n;
  }
  let n = 0;
  const step = xs.length / SAMPLE;
  for (let i = 0; i < SAMPLE; i++) n += sizeOf(xs[Math.floor(i * step)], depth + 1);
  return Math.round((n * xs.length) / SAMPLE);
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** '256MiB', '2 GB', 1e9 → bytes; undefined when the text is not a size. */
export function parseBytes(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? Math.floor(v) : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  if (!m) return undefined;
  const unit = UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}

/** Dask's `format_bytes` (shared with the rest of shoal): 25_200_000_000 → '23.47 GiB'. */
export { formatBytes } from '../io/bytes.ts';
