/**
 * Turning what a user passes (`'data/*.csv'`, a path, a list of either) into a sorted list of
 * files, failing early with the path or pattern that matched nothing.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as Tinyglobby from 'tinyglobby';
import { lazyDependency } from '../schedulers/modules.ts';
import { OptionError, messages } from '../errors.ts';

/**
 * tinyglobby, loaded at the first path expanded (not at `import 'shoal'`): its CommonJS build, a
 * copy of its own beside a user's `import`, which is harmless for a package of plain functions.
 */
const glob = lazyDependency<typeof Tinyglobby>('tinyglobby');

/**
 * Expand globs and check plain paths. Each entry contributes its matches in natural order
 * (`part-2` before `part-10`); entries keep the order they were given in. Paths come back absolute.
 * @param what the function asking, for the error when nothing is given (e.g. `'readCsv'`).
 * @example
 * expandPaths('datasets/*.csv', 'readCsv'); // ['/…/datasets/weather.csv']
 */
export function expandPaths(input: string | readonly string[], what: string): string[] {
  const entries = typeof input === 'string' ? [input] : [...input];
  if (entries.length === 0) throw new OptionError(messages.noPaths(what));
  const out: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string' || entry === '') throw new OptionError(messages.noPaths(what));
    if (glob().isDynamicPattern(entry)) {
      const found = glob().globSync(entry, { absolute: true, onlyFiles: true, expandDirectories: false });
      if (found.length === 0) throw new OptionError(messages.emptyGlob(entry));
      out.push(...found.sort(naturalCompare));
      continue;
    }
    const path = resolve(entry);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) throw new OptionError(messages.noSuchPath(entry));
    if (st.isDirectory()) throw new OptionError(messages.notAFile(entry));
    out.push(path);
  }
  return out;
}

/** Compare strings with digit runs as numbers, so `part-2.csv` sorts before `part-10.csv`. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
