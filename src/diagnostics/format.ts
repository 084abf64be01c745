/** Human-readable durations and sizes, formatted the way Dask prints them. */

/**
 * Seconds as Dask's progress bar shows them: ` 1.2s`, ` 2min  3.0s`, ` 1hr  2min  3.0s`.
 * @example
 * formatTime(1.23);   // ' 1.2s'
 * formatTime(75);     // ' 1min 15.0s'
 */
export function formatTime(t: number): string {
  const s = t % 60;
  const m = Math.floor(t / 60) % 60;
  const h = Math.floor(t / 3600);
  const sec = s.toFixed(1).padStart(4);
  if (h) return `${String(h).padStart(2)}hr ${String(m).padStart(2)}min ${sec}s`;
  if (m) return `${String(m).padStart(2)}min ${sec}s`;
  return `${sec}s`;
}

/**
 * Bytes with a binary unit: `512 B`, `1.50 KiB`, `31.38 GiB`.
 * @example
 * formatBytes(1536);   // '1.50 KiB'
 */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (Math.abs(n) >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${n.toFixed(2)} ${units[u]}`;
}
