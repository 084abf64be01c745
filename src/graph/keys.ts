/**
 * Key conventions. A key is `${name}-${token}` for a single result, or `${name}-${token}[i,j]` for a
 * block of a collection. The *prefix* (`name`) groups keys for progress bars and profiles.
 */
import type { Key } from './types.ts';

/** `blockKey('normal-7b2e', [3, 0])` → `'normal-7b2e[3,0]'`. */
export function blockKey(name: string, index: readonly number[]): Key {
  return `${name}[${index.join(',')}]`;
}

/** Split a block key into its name and index; a plain key has an empty index. */
export function parseKey(key: Key): { name: string; index: number[] } {
  const open = key.endsWith(']') ? key.lastIndexOf('[') : -1;
  if (open < 0) return { name: key, index: [] };
  const inner = key.slice(open + 1, -1);
  return { name: key.slice(0, open), index: inner === '' ? [] : inner.split(',').map(Number) };
}

const TOKEN = /-[0-9a-f]{6,}$/;

/** The human part of a key: `'inc-3f2a9c01'` → `'inc'`, `'normal-7b2e91aa[3,0]'` → `'normal'`. */
export function keyPrefix(key: Key): string {
  const { name } = parseKey(key);
  return name.replace(TOKEN, '');
}
