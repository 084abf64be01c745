/**
 * The function forms of Array methods (`array.add(a, b)`, `array.sum(x)`, `array.where(c, a, b)`),
 * for NumPy-style code and for operations whose first operand may be a number.
 */
import { ShoalArray } from './core.ts';
import { elemwise, type Operand } from './elemwise.ts';
import type { ReduceOptions } from './reductions.ts';

const bin = (op: Parameters<typeof elemwise>[0]) => (a: Operand, b: Operand): ShoalArray => elemwise(op, [a, b]);
const un = (op: Parameters<typeof elemwise>[0]) => (x: ShoalArray): ShoalArray => elemwise(op, [x]);

/** `a + b` (either may be a number). @example array.add(x, 1) */
export const add = bin('add');
/** `a - b` @example array.sub(1, x) */
export const sub = bin('sub');
/** `a * b` @example array.mul(x, y) */
export const mul = bin('mul');
/** `a / b` @example array.div(1, x) */
export const div = bin('div');
/** `a ** b` @example array.pow(2, x) */
export const pow = bin('pow');
/** Remainder with the divisor's sign. @example array.mod(x, 2) */
export const mod = bin('mod');
/** Elementwise larger (NaN wins). @example array.maximum(x, 0) */
export const maximum = bin('maximum');
/** Elementwise smaller (NaN wins). @example array.minimum(x, y) */
export const minimum = bin('minimum');
/** `a === b` as uint8. @example array.eq(x, y) */
export const eq = bin('eq');
/** `a !== b` as uint8. @example array.ne(x, 0) */
export const ne = bin('ne');
/** `a < b` as uint8. @example array.lt(x, y) */
export const lt = bin('lt');
/** `a <= b` as uint8. @example array.le(x, y) */
export const le = bin('le');
/** `a > b` as uint8. @example array.gt(x, 0) */
export const gt = bin('gt');
/** `a >= b` as uint8. @example array.ge(x, y) */
export const ge = bin('ge');
/** `-x` @example array.neg(x) */
export const neg = un('neg');
/** `|x|` @example array.abs(x) */
export const abs = un('abs');
/** Square root. @example array.sqrt(x) */
export const sqrt = un('sqrt');
/** Exponential. @example array.exp(x) */
export const exp = un('exp');
/** Natural log. @example array.log(x) */
export const log = un('log');
/** `log(1 + x)` @example array.log1p(x) */
export const log1p = un('log1p');
/** Sine. @example array.sin(x) */
export const sin = un('sin');
/** Cosine. @example array.cos(x) */
export const cos = un('cos');
/** Tangent. @example array.tan(x) */
export const tan = un('tan');
/** Hyperbolic tangent. @example array.tanh(x) */
export const tanh = un('tanh');
/** Round down. @example array.floor(x) */
export const floor = un('floor');
/** Round up. @example array.ceil(x) */
export const ceil = un('ceil');
/** 1 where NaN (uint8). @example array.isnan(x) */
export const isnan = un('isnan');

/** Round half to even to `decimals` places. @example array.round(x, 1) */
export function round(x: ShoalArray, decimals = 0): ShoalArray {
  return x.round(decimals);
}

/**
 * `x` where `cond` is non-zero, else `y` (all broadcast together).
 * @example array.where(x.gt(0), x, 0)   // ReLU
 */
export function where(cond: Operand, x: Operand, y: Operand): ShoalArray {
  return elemwise('where', [cond, x, y]);
}

/** Limit values to [min, max]. @example array.clip(x, 0, 1) */
export function clip(x: ShoalArray, min?: Operand, max?: Operand): ShoalArray {
  return elemwise('clip', [x, min ?? -Infinity, max ?? Infinity]);
}

type Red = (x: ShoalArray, opts?: ReduceOptions) => ShoalArray;
/** Sum. @example array.sum(x, { axis: 0 }) */
export const sum: Red = (x, o) => x.sum(o);
/** Product. @example array.prod(x) */
export const prod: Red = (x, o) => x.prod(o);
/** Mean. @example array.mean(x) */
export const mean: Red = (x, o) => x.mean(o);
/** Variance (exported as `var`). @example array.var(x, { ddof: 1 }) */
const var_ = (x: ShoalArray, o?: ReduceOptions & { ddof?: number }) => x.var(o);
export { var_ as var };
/** Standard deviation. @example array.std(x) */
export const std = (x: ShoalArray, o?: ReduceOptions & { ddof?: number }) => x.std(o);
/** Minimum. @example array.min(x) */
export const min: Red = (x, o) => x.min(o);
/** Maximum. @example array.max(x) */
export const max: Red = (x, o) => x.max(o);
/** Any non-zero. @example array.any(x) */
export const any: Red = (x, o) => x.any(o);
/** All non-zero. @example array.all(x) */
export const all: Red = (x, o) => x.all(o);
/** Sum skipping NaN. @example array.nansum(x) */
export const nansum: Red = (x, o) => x.nansum(o);
/** Mean skipping NaN. @example array.nanmean(x) */
export const nanmean: Red = (x, o) => x.nanmean(o);
/** Index of the minimum. @example array.argmin(x, { axis: 0 }) */
export const argmin = (x: ShoalArray, o?: { axis?: number; keepdims?: boolean }) => x.argmin(o);
/** Index of the maximum. @example array.argmax(x) */
export const argmax = (x: ShoalArray, o?: { axis?: number; keepdims?: boolean }) => x.argmax(o);
/** Running sum. @example array.cumsum(x, { axis: 0 }) */
export const cumsum = (x: ShoalArray, o?: { axis?: number }) => x.cumsum(o);
