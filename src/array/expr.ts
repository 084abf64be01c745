/**
 * Elementwise expressions: the data that describes a fused chain of elementwise operations. The
 * builder (elemwise.ts) composes them; a worker compiles each distinct expression once into a
 * tight loop over typed arrays (kernels/elemwise.ts). They are plain data, so they travel in the
 * graph like any other argument; no code is shipped.
 */
import type { DType } from './dtype.ts';

export type Expr =
  | { op: 'leaf'; i: number }
  | { op: 'const'; v: number }
  | { op: 'cast'; t: DType; args: [Expr] }
  | { op: EwOp; t: DType; args: Expr[]; p?: number };

/** Unary operations. */
export const UNARY = ['neg', 'abs', 'sqrt', 'exp', 'log', 'log1p', 'sin', 'cos', 'tan', 'tanh', 'floor', 'ceil', 'round', 'isnan', 'sign', 'expm1', 'log2', 'log10', 'arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'arctanh', 'arcsinh', 'arccosh', 'trunc', 'square', 'reciprocal', 'isfinite', 'isinf', 'logicalNot'] as const;
/** Binary operations. */
export const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'mod', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'fmax', 'fmin', 'arctan2', 'hypot', 'logicalAnd', 'logicalOr', 'logicalXor', 'floorDivide'] as const;
/** Three-operand operations. */
export const TERNARY = ['where', 'clip'] as const;

export type UnaryOp = (typeof UNARY)[number];
export type BinaryOp = (typeof BINARY)[number];
export type EwOp = UnaryOp | BinaryOp | (typeof TERNARY)[number];

/** Number of nodes of an expression (fusion stops growing an expression past a limit). */
export function exprSize(e: Expr): number {
  if (e.op === 'leaf' || e.op === 'const') return 1;
  let n = 1;
  for (const a of e.args) n += exprSize(a);
  return n;
}

/** The same expression with leaf `i` renumbered by `map[i]`. */
export function relabel(e: Expr, map: readonly number[]): Expr {
  if (e.op === 'leaf') return { op: 'leaf', i: map[e.i]! };
  if (e.op === 'const') return e;
  return { ...e, args: e.args.map((a) => relabel(a, map)) } as Expr;
}
