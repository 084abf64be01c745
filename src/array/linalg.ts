/**
 * Matrix products (Dask's `dot`/`matmul`/`tensordot` for 1-D and 2-D arrays): block (i, j) of the
 * result is the sum over the contracted blocks p of A[i, p] @ B[p, j]: one product task per
 * (i, p, j) and a tree sum over p with `splitEvery`.
 */
import { messages, OptionError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { blockKey } from '../graph/keys.ts';
import { tokenize } from '../graph/tokenize.ts';
import { ref, task, type GraphNode } from '../graph/types.ts';
import { ShoalArray } from './core.ts';
import { promoteTypes } from './dtype.ts';
import { linalgKernels } from './kernels/linalg.ts';
import { DEFAULT_SPLIT_EVERY } from './reductions.ts';
import { refine } from './shape.ts';
import { assertKnown } from './slicing.ts';

void linalgKernels;

/** Contract axis 1 of `a` (m x k) with axis 0 of `b` (k x n). */
function matmul2d(a: ShoalArray, b: ShoalArray, splitEvery: number): ShoalArray {
  if (a.shape[1] !== b.shape[0])
    throw new OptionError(messages.arrayMismatch('dot', `shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] are not aligned: ${a.shape[1]} (axis 1) != ${b.shape[0]} (axis 0)`));
  // Both sides must cut the contracted axis the same way.
  const k = refine([a.chunks[1]!, b.chunks[0]!]);
  const A = a.rechunk([a.chunks[0]!.slice(), k]);
  const B = b.rechunk([k, b.chunks[1]!.slice()]);
  const dtype = promoteTypes(a.dtype, b.dtype);
  const chunks = [A.chunks[0]!.slice(), B.chunks[1]!.slice()];
  const name = `dot-${tokenize(A.name, B.name, splitEvery)}`;
  const tasks = () => {
    const nodes: GraphNode[] = [];
    const nk = k.length;
    for (let i = 0; i < chunks[0]!.length; i++)
      for (let j = 0; j < chunks[1]!.length; j++) {
        const m = chunks[0]![i]!;
        const n = chunks[1]![j]!;
        let level = k.map((kk, p) => {
          const key = blockKey(`${name}-prod`, [i, p, j]);
          nodes.push(task(key, { kind: 'op', name: 'array.matmul' }, [ref(A.blockKey([i, p])), ref(B.blockKey([p, j])), m, kk, n]));
          return key;
        });
        for (let depth = 1; level.length > splitEvery; depth++) {
          const next: string[] = [];
          for (let g = 0; g < level.length; g += splitEvery) {
            const key = blockKey(`${name}-sum${depth}`, [i, g / splitEvery, j]);
            nodes.push(task(key, { kind: 'op', name: 'array.sumBlocks' }, [null, ...level.slice(g, g + splitEvery).map(ref)]));
            next.push(key);
          }
          level = next;
        }
        if (nk === 0) throw new OptionError(messages.arrayMismatch('dot', 'the contracted axis has no blocks'));
        nodes.push(task(blockKey(name, [i, j]), { kind: 'op', name: 'array.sumBlocks' }, [dtype, ...level.map(ref)]));
      }
    return nodes;
  };
  return new ShoalArray(name, chunks, dtype, { deps: [A, B], tasks });
}

/** Options of dot/matmul/tensordot. */
export interface DotOptions {
  /** Partial products summed per combine task (default 16). */
  splitEvery?: number;
}
const DOT_KEYS = optionKeys<DotOptions>({ splitEvery: true });

/**
 * Dot product of 1-D and 2-D arrays (NumPy's `dot`): vector·vector is a 0-d array, matrix·vector
 * a vector, matrix·matrix a matrix.
 * @example
 * await array.dot(array.eye(3, { chunks: 2 }), x).toArray();   // x itself
 */
export function dot(a: ShoalArray, b: ShoalArray, opts: DotOptions = {}): ShoalArray {
  checkOptions('dot', opts, DOT_KEYS);
  for (const [w, v] of [['first', a], ['second', b]] as const)
    if (!(v instanceof ShoalArray) || v.ndim < 1 || v.ndim > 2)
      throw new OptionError(messages.arrayMismatch('dot', `the ${w} operand must be a 1-D or 2-D Array (n-D products: use tensordot on 2-D views), got ${v instanceof ShoalArray ? `${v.ndim}-D` : typeof v}`));
  assertKnown('dot', a, b);
  const split = opts.splitEvery ?? DEFAULT_SPLIT_EVERY;
  if (!Number.isInteger(split) || split < 2) throw new OptionError(messages.badOption('splitEvery', split, 'must be a whole number >= 2'));
  const A = a.ndim === 1 ? a.expandDims(0) : a;
  const B = b.ndim === 1 ? b.expandDims(1) : b;
  let out = matmul2d(A, B, split);
  if (a.ndim === 1) out = out.squeeze(0);
  if (b.ndim === 1) out = out.squeeze(out.ndim - 1);
  return out;
}

/** Matrix product (for 1-D and 2-D arrays the same as `dot`). @example array.matmul(a, b) */
export function matmul(a: ShoalArray, b: ShoalArray, opts: DotOptions = {}): ShoalArray {
  return dot(a, b, opts);
}

/**
 * Sum of products over one axis pair of two 1-D/2-D arrays: `axes` is 1 (last of `a` with first
 * of `b`, the default) or `[[i], [j]]`.
 * @example array.tensordot(a, b, [[0], [0]])   // a.T @ b
 */
export function tensordot(a: ShoalArray, b: ShoalArray, axes: number | [number[], number[]] = 1, opts: DotOptions = {}): ShoalArray {
  checkOptions('tensordot', opts, DOT_KEYS);
  let ia: number;
  let ib: number;
  if (axes === 1) {
    ia = a.ndim - 1;
    ib = 0;
  } else if (Array.isArray(axes) && axes.length === 2 && axes[0].length === 1 && axes[1].length === 1) {
    ia = axes[0][0]! < 0 ? axes[0][0]! + a.ndim : axes[0][0]!;
    ib = axes[1][0]! < 0 ? axes[1][0]! + b.ndim : axes[1][0]!;
  } else throw new OptionError(messages.arrayMismatch('tensordot', `axes ${JSON.stringify(axes)} is not supported: use 1 or [[i], [j]] (one contracted axis pair)`));
  if (a.ndim > 2 || b.ndim > 2) throw new OptionError(messages.arrayMismatch('tensordot', 'only 1-D and 2-D arrays are supported'));
  if (ia < 0 || ia >= a.ndim) throw new OptionError(messages.arrayBadAxis('tensordot', ia, a.ndim));
  if (ib < 0 || ib >= b.ndim) throw new OptionError(messages.arrayBadAxis('tensordot', ib, b.ndim));
  // Move the contracted axis last in a and first in b.
  const A = a.ndim === 2 && ia === 0 ? a.T : a;
  const B = b.ndim === 2 && ib === 1 ? b.T : b;
  return dot(A, B, opts);
}
