/**
 * Options objects. Every public function that takes one passes it through `checkOptions` with the
 * names its type declares, so a misspelt key is an error naming the key and the nearest valid one
 * (`unknown option 'schedular' (did you mean 'scheduler'?)`) instead of being silently ignored.
 * The names are listed once, with `optionKeys`, next to the options type: a list that misses a
 * key of the type, or names one the type does not have, does not compile.
 * This module imports only errors.ts.
 */
import { messages, OptionError } from './errors.ts';

/**
 * The option names of `T`, written as `{ name: true, … }` so that TypeScript checks the list
 * against the type both ways (a missing name and an extra one are both compile errors).
 * @example
 * interface TakeOptions { n?: number; warn?: boolean }
 * const TAKE_KEYS = optionKeys<TakeOptions>({ n: true, warn: true });
 */
export function optionKeys<T extends object>(keys: { [K in keyof T]-?: true }): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/**
 * Refuse an options object that is not an object, or holds a key `known` does not list; returns
 * `opts` unchanged. `undefined` means "no options", unless they are `required` (a function whose
 * options hold a mandatory one). `where` names the function in the message.
 * @example
 * checkOptions('readText', { blocksise: '1MB' }, READ_TEXT_KEYS);
 * // OptionError: bag.readText: unknown option 'blocksise' (did you mean 'blocksize'?)
 */
export function checkOptions<T>(where: string, opts: T, known: readonly string[], required = false): T {
  if (opts === undefined && !required) return opts;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new OptionError(messages.notOptions(where, opts, known));
  for (const key of Object.keys(opts)) if (!known.includes(key)) throw new OptionError(messages.unknownOption(where, key, known, nearestName(key, known)));
  return opts;
}

/**
 * A plain object (`{ … }` or `Object.create(null)`): the only kind of value a trailing options
 * argument (of `compute`, `submit`) can be.
 * @example
 * isPlainObject({ a: 1 });      // true
 * isPlainObject(new Map());     // false
 */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * The name in `names` closest to `key` by edit distance (case-insensitive, a swap of two
 * neighbouring letters counts as one edit), when it is close enough to be a likely typo: at most
 * a third of the longer name's letters differ, and not every letter of the shorter one.
 * @example
 * nearestName('schedular', ['scheduler', 'fuse']);   // 'scheduler'
 * nearestName('x', ['k']);                           // undefined
 */
export function nearestName(key: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const d = editDistance(key.toLowerCase(), name.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(key.length, name.length) / 3));
    if (d <= limit && d < Math.min(key.length, name.length) && d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]![j] = j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
