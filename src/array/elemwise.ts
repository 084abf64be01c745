/**
 * Elementwise operations with NumPy broadcasting, fused: an elementwise Array keeps its
 * expression, and an elementwise op on it composes expressions instead of reading its blocks. So
 * `x.mul(2).add(y).sqrt()` is one task per output block, one loop, no intermediate arrays.
 */
import { messages, OptionError } from '../errors.ts';
import { blockKey } from '../graph/keys.ts';
import { tokenize } from '../graph/tokenize.ts';
import { ref, task, type Arg } from '../graph/types.ts';
import { blockIndices, blockShape, numblocksOf, prod, sameChunks, stridesOf, type Chunks } from './chunks.ts';
import { ShoalArray, type Leaf } from './core.ts';
import { floatOf, isDType, isFloat, promoteScalar, promoteTypes, type DType } from './dtype.ts';
import { exprSize, relabel, type EwOp, type Expr } from './expr.ts';
import { elemwiseKernels } from './kernels/elemwise.ts';
import { unifyChunks } from './rechunk.ts';

/** An operand of an elementwise op: an Array or a plain number. */
export type Operand = ShoalArray | number;

/** Expressions larger than this are not inlined further (their blocks are read instead). */
const MAX_FUSED = 48;

/** NumPy broadcasting of shapes; the error names the operation and all shapes. */
export function broadcastShapes(op: string, shapes: readonly (readonly number[])[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = nd - s.length + i;
      const v = s[i]!;
      if (v === 1) continue;
      if (out[d] === 1) out[d] = v;
      else if (!Object.is(out[d], v)) throw new OptionError(messages.arrayBroadcast(op, shapes));
    }
  }
  return out;
}

/** Result dtype of `op` on operands. */
function resultType(op: EwOp, operands: readonly Operand[]): DType {
  const arrays = operands.filter((o): o is ShoalArray => o instanceof ShoalArray);
  const common = (ops: readonly Operand[]) => {
    const arrs = ops.filter((o): o is ShoalArray => o instanceof ShoalArray);
    let t: DType = arrs.length ? arrs[0]!.dtype : 'float64';
    for (const a of arrs.slice(1)) t = promoteTypes(t, a.dtype);
    if (arrs.length === 0) return 'float64';
    for (const o of ops) if (typeof o === 'number') t = promoteScalar(t, o);
    return t;
  };
  switch (op) {
    case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge': case 'isnan': case 'isfinite': case 'isinf':
    case 'logicalNot': case 'logicalAnd': case 'logicalOr': case 'logicalXor':
      return 'uint8';
    case 'div': case 'arctan2': case 'hypot':
      return isFloat(common(operands)) ? common(operands) : 'float64';
    case 'sqrt': case 'exp': case 'log': case 'log1p': case 'sin': case 'cos': case 'tan': case 'tanh': case 'expm1': case 'log2':
    case 'log10': case 'arcsin': case 'arccos': case 'arctan': case 'sinh': case 'cosh': case 'arctanh': case 'arcsinh': case 'arccosh':
    case 'reciprocal':
      return floatOf(arrays[0]!.dtype);
    case 'where':
      return common(operands.slice(1));
    case 'clip':
      return common([operands[0]!, ...operands.slice(1).filter((o) => typeof o === 'number' && !Number.isNaN(o))]);
    default:
      return common(operands);
  }
}

/**
 * Build the Array of `op` over `operands` (at least one of them an Array), broadcasting shapes and
 * aligning chunks (operands with different chunks along an axis are rechunked to a common grid).
 */
export function elemwise(op: EwOp, operands: readonly Operand[], opts: { dtype?: DType; p?: number } = {}): ShoalArray {
  for (const [i, o] of operands.entries())
    if (!(o instanceof ShoalArray) && typeof o !== 'number') throw new OptionError(messages.arrayBadOperand(op, i, o));
  if (!operands.some((o) => o instanceof ShoalArray)) throw new OptionError(messages.arrayNoArrayOperand(op));
  const arrays = operands.filter((o): o is ShoalArray => o instanceof ShoalArray);
  // Arrays of unknown block lengths (boolean-mask results) combine only with numbers and with
  // arrays cut the same way (same number of blocks, all from the same kind of mask).
  if (arrays.some((a) => a.hasUnknownChunks) && !arrays.every((a) => a.ndim === 1 && a.hasUnknownChunks && a.numblocks[0] === arrays[0]!.numblocks[0]))
    throw new OptionError(messages.arrayUnknownChunks(op));
  const shape = broadcastShapes(op, operands.map((o) => (o instanceof ShoalArray ? o.shape : [])));
  const aligned = arrays.some((a) => a.hasUnknownChunks) ? operands.slice() : unifyChunks(op, operands, shape);
  const chunks = outputChunks(aligned, shape);
  const dtype = opts.dtype ?? resultType(op, operands);
  // Build the expression over unique leaves, inlining elementwise operands and reading
  // transposes from their source blocks (a permuted stride instead of a transpose task).
  const leaves: Leaf[] = [];
  const leafOf = (l: Leaf) => {
    let i = leaves.findIndex((q) => q.array.name === l.array.name && String(q.perm) === String(l.perm));
    if (i < 0) i = leaves.push(l) - 1;
    return i;
  };
  const args: Expr[] = aligned.map((o) => {
    if (typeof o === 'number') return { op: 'const', v: o };
    const ew = o.layer.ew;
    if (ew && exprSize(ew.expr) < MAX_FUSED) {
      const inner = relabel(ew.expr, ew.leaves.map(leafOf));
      // Keep NumPy's per-step rounding of narrow types (uint8 wraps, float32 rounds) inside the fused loop.
      return o.dtype === 'float64' ? inner : { op: 'cast', t: o.dtype, args: [inner] };
    }
    const t = o.layer.transposeOf;
    return { op: 'leaf', i: leafOf(t ? { array: t.x, perm: t.perm } : { array: o, perm: null }) };
  });
  const expr: Expr = opts.p === undefined ? { op, t: dtype, args } : { op, t: dtype, args, p: opts.p };
  return fromExpr(op, expr, leaves, chunks, dtype);
}

/**
 * How the kernel reads each leaf in one output block: 'f' (same shape, flat), 's' (one value) or
 * 'b' with per-axis strides (0 where it broadcasts; permuted for a transposed leaf).
 */
export type LeafRead = ['f' | 's' | 'b', number[]];

function leafRead(outShape: readonly number[], srcShape: readonly number[], perm: readonly number[] | null): LeafRead {
  const nd = outShape.length;
  const off = nd - srcShape.length;
  const src = stridesOf(srcShape);
  const shape = perm ? perm.map((p) => srcShape[p]!) : srcShape;
  const strides = outShape.map((n, d) => {
    if (d < off) return 0;
    const ld = d - off;
    const len = shape[ld]!;
    return len === 1 && n !== 1 ? 0 : src[perm ? perm[ld]! : ld]!;
  });
  const count = prod(srcShape);
  if (count === 1) return ['s', strides];
  const same = !perm && off === 0 && shape.every((v, d) => v === outShape[d]);
  return [same ? 'f' : 'b', strides];
}

/** The Array of an expression over leaves, with the given output chunks. */
export function fromExpr(op: string, expr: Expr, leaves: readonly Leaf[], chunks: Chunks, dtype: DType): ShoalArray {
  const name = `${op}-${tokenize(expr, leaves.map((l) => [l.array.name, l.perm]), chunks, dtype)}`;
  const nd = chunks.length;
  const unknown = chunks.some((c) => c.some(Number.isNaN));
  // The kernel's arguments for output block `idx`: how each leaf is read, and its block.
  const blockArgs = (idx: number[], remake = false): [number[], LeafRead[] | null, Arg[]] => {
    const outShape = blockShape(chunks, idx);
    const reads: LeafRead[] = [];
    const refs = leaves.map(({ array: l, perm }) => {
      const off = nd - l.ndim;
      // Output axis off+d reads source axis perm[d] (identity without a permutation).
      const lidx = new Array<number>(l.ndim).fill(0);
      for (let d = 0; d < l.ndim; d++) {
        const s = perm ? perm[d]! : d;
        lidx[s] = l.chunks[s]!.length === 1 ? 0 : idx[d + off]!;
      }
      if (!unknown) reads.push(leafRead(outShape, blockShape(l.chunks, lidx), perm));
      // Inside a reduction, random leaves are remade rather than read (see Layer.remake).
      return remake && l.layer.remake && l.layer.produce ? (l.layer.produce(lidx) as Arg) : ref(l.blockKey(lidx));
    });
    return [outShape, unknown ? null : reads, refs];
  };
  const tasks = () =>
    blockIndices(numblocksOf(chunks)).map((idx) => {
      const [outShape, reads, refs] = blockArgs(idx);
      return task(blockKey(name, idx), { kind: 'op', name: 'array.ew' }, [expr, dtype, outShape, reads, ...refs]);
    });
  const produce = (idx: number[]) => {
    const [outShape, reads, refs] = blockArgs(idx, true);
    return ['ew', expr, dtype, outShape, reads, refs];
  };
  void elemwiseKernels;
  const deps = [...new Map(leaves.map((l) => [l.array.name, l.array])).values()];
  const produceDeps = deps.filter((a) => !(a.layer.remake && a.layer.produce));
  return new ShoalArray(name, chunks, dtype, { deps, tasks, produce, produceDeps, ew: { expr, leaves } });
}

/** Output chunks: along each axis, those of an operand that spans it (not broadcast). */
function outputChunks(operands: readonly Operand[], shape: readonly number[]): number[][] {
  const nd = shape.length;
  const out: number[][] = [];
  for (let d = 0; d < nd; d++) {
    let c: readonly number[] | undefined;
    for (const o of operands) {
      if (!(o instanceof ShoalArray)) continue;
      const ad = d - (nd - o.ndim);
      if (ad < 0) continue;
      if (Object.is(o.shape[ad], shape[d])) {
        c = o.chunks[ad]!;
        if (shape[d] !== 1 || o.chunks[ad]!.length === 1) break;
      }
    }
    out.push((c ?? [shape[d]!]).slice());
  }
  return out;
}

export { sameChunks };

/** `x` converted to `dtype` (float to integer truncates toward zero, like NumPy's `astype`). */
export function astype(x: ShoalArray, dtype: DType): ShoalArray {
  if (!isDType(dtype)) throw new OptionError(messages.arrayBadDType('astype', dtype));
  if (dtype === x.dtype) return x;
  const ew = x.layer.ew;
  const inner: Expr = ew && exprSize(ew.expr) < MAX_FUSED ? ew.expr : { op: 'leaf', i: 0 };
  const t = x.layer.transposeOf;
  const leaves: Leaf[] = ew && exprSize(ew.expr) < MAX_FUSED ? ew.leaves.slice() : [t ? { array: t.x, perm: t.perm } : { array: x, perm: null }];
  const body: Expr = x.dtype === 'float64' || inner.op === 'leaf' ? inner : { op: 'cast', t: x.dtype, args: [inner] };
  return fromExpr('astype', { op: 'cast', t: dtype, args: [body] }, leaves, x.chunks, dtype);
}
