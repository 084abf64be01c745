/**
 * Cumulative sums and products along an axis: each block is scanned on its own, and block k adds
 * (multiplies) the carry of blocks 0..k-1 along the axis, a chain of small carry tasks.
 */
import { blockKey } from '../graph/keys.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { tokenize } from '../graph/tokenize.ts';
import { ref, task, type GraphNode } from '../graph/types.ts';
import { blockIndices } from './chunks.ts';
import { ShoalArray } from './core.ts';
import { assertKnown } from './slicing.ts';
import { checkDType } from './creation.ts';
import { isFloat, type DType } from './dtype.ts';
import { cumulativeKernels } from './kernels/cumulative.ts';
import { normalizeAxes } from './reductions.ts';

void cumulativeKernels;

/** Options of cumsum/cumprod. */
export interface CumulativeOptions {
  /** The axis to run along (default: the array flattened, NumPy's `axis=None`). */
  axis?: number;
  /** Result dtype (default: the input's float type, else float64). */
  dtype?: DType;
}
const CUMULATIVE_KEYS = optionKeys<CumulativeOptions>({ axis: true, dtype: true });

/**
 * `cumsum` / `cumprod` of `x` along `axis`; without one, of `x` flattened in C order (NumPy's
 * `axis=None`: the trailing axes are rechunked whole so the flattening only relabels blocks).
 */
export function cumulative(op: 'cumsum' | 'cumprod', x: ShoalArray, opts: CumulativeOptions = {}): ShoalArray {
  checkOptions(`Array.${op}`, opts, CUMULATIVE_KEYS);
  assertKnown(op, x);
  if (opts.axis === undefined && x.ndim !== 1) x = x.rechunk(x.chunks.map((c, d) => (d === 0 ? c : -1))).reshape([x.size]);
  const axis = normalizeAxes(op, opts.axis ?? 0, x.ndim)[0]!;
  const dtype = checkDType(op, opts.dtype, isFloat(x.dtype) ? x.dtype : 'float64');
  const name = `${op}-${tokenize(x.name, axis, dtype)}`;
  const tasks = () => {
    const nodes: GraphNode[] = [];
    const local = `${name}-local`;
    const carry = `${name}-carry`;
    for (const idx of blockIndices(x.numblocks)) {
      const shape = idx.map((b, d) => x.chunks[d]![b]!);
      nodes.push(task(blockKey(local, idx), { kind: 'op', name: 'array.cum.scan' }, [op, dtype, ref(x.blockKey(idx)), shape, axis]));
      const k = idx[axis]!;
      if (k === 0) {
        nodes.push({ kind: 'alias', key: blockKey(name, idx), target: blockKey(local, idx) });
        continue;
      }
      // carry[k] = carry[k-1] (+) last slice of local[k-1]
      const prevIdx = idx.map((v, d) => (d === axis ? k - 1 : v));
      const prevShape = prevIdx.map((b, d) => x.chunks[d]![b]!);
      const prevCarry = k === 1 ? null : ref(blockKey(carry, prevIdx));
      nodes.push(task(blockKey(carry, idx), { kind: 'op', name: 'array.cum.carry' }, [op, prevCarry, ref(blockKey(local, prevIdx)), prevShape, axis]));
      nodes.push(task(blockKey(name, idx), { kind: 'op', name: 'array.cum.apply' }, [op, dtype, ref(blockKey(local, idx)), shape, axis, ref(blockKey(carry, idx))]));
    }
    return nodes;
  };
  return new ShoalArray(name, x.chunks, dtype, { deps: [x], tasks });
}
