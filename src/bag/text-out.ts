/**
 * Where `toTextFiles` writes: one file per partition, named from a pattern, and the write tasks.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { messages, OptionError } from '../errors.ts';
import { blockKey } from '../graph/keys.ts';
import { ref, task, type GraphNode, type Key } from '../graph/types.ts';
import { op } from './graph-parts.ts';

/**
 * The file of each of `n` partitions: `'out/*.txt'` → `out/0.txt`, `out/1.txt`, ...; a path
 * without `*` is a directory (`dir/0.part`, as Dask); an array gives one path per partition.
 * Parent directories are created.
 * @example
 * textFileTargets('out/*.txt.gz', 2);   // ['/abs/out/0.txt.gz', '/abs/out/1.txt.gz']
 */
export function textFileTargets(pattern: string | readonly string[], n: number): string[] {
  let paths: string[];
  if (Array.isArray(pattern)) {
    if (pattern.length !== n || !pattern.every((p) => typeof p === 'string')) throw new OptionError(messages.bagTextPattern(pattern, n));
    paths = pattern.map((p) => resolve(p));
  } else if (typeof pattern === 'string' && pattern !== '') {
    paths = pattern.includes('*')
      ? Array.from({ length: n }, (_, i) => resolve(pattern.replace('*', String(i))))
      : Array.from({ length: n }, (_, i) => join(resolve(pattern), `${i}.part`));
  } else throw new OptionError(messages.bagTextPattern(pattern, n));
  for (const dir of new Set(paths.map((p) => dirname(p)))) mkdirSync(dir, { recursive: true });
  return paths;
}

/** One write task per partition; each returns `[path]`, so computing them gives the list of paths. */
export function writeLayer(keys: readonly Key[], paths: readonly string[], encoding: string, token: string): { keys: Key[]; layer: Map<Key, GraphNode> } {
  const layer = new Map<Key, GraphNode>();
  const out = keys.map((k, i) => {
    const key = blockKey(`to-textfiles-${token}`, [i]);
    layer.set(key, task(key, op('bag.writeText'), [ref(k), paths[i]!, encoding, i]));
    return key;
  });
  return { keys: out, layer };
}
