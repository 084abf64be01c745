import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';

/** Rows of a table as plain objects (dictionary strings decoded, dates as ms). */
export function rows(t: Table): Array<Record<string, unknown>> {
  return t.toArray().map((r) => {
    const o = r.toJSON() as Record<string, unknown>;
    for (const k of Object.keys(o)) if (typeof o[k] === 'bigint') o[k] = Number(o[k]);
    return o;
  });
}

/** Write files into `dir`; returns their paths. */
export function writeFiles(dir: string, files: Record<string, string | Buffer>): string[] {
  return Object.entries(files).map(([name, text]) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  });
}

/** A tiny CSV parser for tests: unquoted fields only, split on commas, blank lines skipped. */
export function naiveCsv(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.length > 0)
    .map((l) => l.split(','));
}

export const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
