/**
 * Byte sizes as users write them (`64MB`, `256MiB`, `1.5 GiB`, or a number of bytes), parsed with
 * Dask's conventions: decimal units are powers of 1000, binary (`iB`) units powers of 1024.
 */
import { OptionError, messages } from '../errors.ts';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
  k: 1e3, m: 1e6, g: 1e9, t: 1e12,
};

/**
 * Parse a byte size; `option` names the option in the error message.
 * @example
 * parseBytes('64MB', 'blocksize');   // 64_000_000
 * parseBytes('256MiB', 'memoryLimit'); // 268_435_456
 */
export function parseBytes(value: number | string, option: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return Math.floor(value);
    throw new OptionError(messages.badByteSize(option, value));
  }
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(String(value));
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  const n = m && unit ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!(n > 0)) throw new OptionError(messages.badByteSize(option, value));
  return n;
}

/**
 * A size for people, like Dask's `format_bytes`: binary units, moving up to the next unit from 0.9
 * of it (921.6 kiB prints as `0.90 MiB`), `unknown` for NaN (an array of unknown length).
 * @example
 * formatBytes(25_200_000_000); // '23.47 GiB'
 * formatBytes(512);            // '512 B'
 */
export function formatBytes(n: number): string {
  if (Number.isNaN(n)) return 'unknown';
  const units = ['B', 'kiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let u = 0;
  while (n >= 1024 * 0.9 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${n.toFixed(2)} ${units[u]}`;
}
