/** A helper for Arrays whose blocks are each one task: the grid walk, block shapes and offsets. */
import { blockKey } from '../graph/keys.ts';
import { task, type Arg, type FnSpec, type GraphNode } from '../graph/types.ts';
import { blockIndices, numblocksOf, offsets, type Chunks } from './chunks.ts';
import { ShoalArray } from './core.ts';
import type { DType } from './dtype.ts';

/** Where a block sits: its index in the grid, its shape and its start in the whole array. */
export interface BlockInfo {
  index: number[];
  shape: number[];
  start: number[];
}

/**
 * An Array whose block `index` is `op(...args(info))`, or a literal when `args` returns a node.
 * `deps` are the Arrays the tasks read (their block keys appear as refs in the args).
 */
export function blockwiseArray(name: string, chunks: Chunks, dtype: DType, deps: readonly ShoalArray[], op: string | FnSpec, args: (b: BlockInfo, key: string) => Arg[] | GraphNode): ShoalArray {
  const fn: FnSpec = typeof op === 'string' ? { kind: 'op', name: op } : op;
  const tasks = () => {
    const offs = chunks.map(offsets);
    return blockIndices(numblocksOf(chunks)).map((index) => {
      const info: BlockInfo = { index, shape: index.map((b, d) => chunks[d]![b]!), start: index.map((b, d) => offs[d]![b]!) };
      const key = blockKey(name, index);
      const a = args(info, key);
      return Array.isArray(a) ? task(key, fn, a) : a;
    });
  };
  return new ShoalArray(name, chunks, dtype, { deps, tasks });
}
