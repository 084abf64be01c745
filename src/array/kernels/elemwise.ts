/**
 * The elementwise kernel: compiles an expression (expr.ts) into a loop over typed arrays, once per
 * distinct expression and per worker, and runs it on one output block. The generated source is
 * built only from the fixed templates below and numeric constants, never from user text.
 */
import { defineOps } from '../../schedulers/registry.ts';
import { prod } from '../chunks.ts';
import { allocShared, type DType, type TypedArray } from '../dtype.ts';
import type { Expr } from '../expr.ts';

/** Helpers the generated loops call. */
const H = {
  fr: Math.fround,
  /** Round half to even (NumPy's `round`). */
  rint(x: number): number {
    const r = Math.round(x);
    return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  rintd(x: number, d: number): number {
    const f = 10 ** d;
    return H.rint(x * f) / f;
  },
  /** Python/NumPy modulo: the result takes the divisor's sign. */
  mod(a: number, b: number): number {
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r;
  },
  floordiv(a: number, b: number): number {
    return Math.floor(a / b);
  },
  isnan: (x: number) => (x !== x ? 1 : 0),
  clip(x: number, lo: number, hi: number): number {
    return x < lo ? lo : x > hi ? hi : x;
  },
  fmax: (a: number, b: number) => (a !== a ? b : b !== b ? a : Math.max(a, b)),
  fmin: (a: number, b: number) => (a !== a ? b : b !== b ? a : Math.min(a, b)),
  sign: (x: number) => (x > 0 ? 1 : x < 0 ? -1 : x),
};

function lit(v: number): string {
  if (typeof v !== 'number') throw new TypeError(`elementwise constant must be a number, got ${typeof v}`);
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  if (Object.is(v, -0)) return '(-0)';
  return v < 0 ? `(${v})` : String(v);
}

const CAST: Record<DType, (a: string) => string> = {
  float64: (a) => a,
  float32: (a) => `fr(${a})`,
  int32: (a) => `(${a}|0)`,
  uint32: (a) => `(${a}>>>0)`,
  int16: (a) => `((${a}<<16)>>16)`,
  uint16: (a) => `(${a}&65535)`,
  int8: (a) => `((${a}<<24)>>24)`,
  uint8: (a) => `(${a}&255)`,
};

const MATH1: Record<string, string> = {
  abs: 'Math.abs', sqrt: 'Math.sqrt', exp: 'Math.exp', log: 'Math.log', log1p: 'Math.log1p', sin: 'Math.sin', cos: 'Math.cos',
  tan: 'Math.tan', tanh: 'Math.tanh', floor: 'Math.floor', ceil: 'Math.ceil', expm1: 'Math.expm1', log2: 'Math.log2',
  log10: 'Math.log10', arcsin: 'Math.asin', arccos: 'Math.acos', arctan: 'Math.atan', sinh: 'Math.sinh', cosh: 'Math.cosh',
  arctanh: 'Math.atanh', arcsinh: 'Math.asinh', arccosh: 'Math.acosh', trunc: 'Math.trunc', isnan: 'isnan', sign: 'sign',
};
const CMP: Record<string, string> = { eq: '===', ne: '!==', lt: '<', le: '<=', gt: '>', ge: '>=' };
const ARITH: Record<string, string> = { add: '+', sub: '-', div: '/', pow: '**' };
const CALL2: Record<string, string> = { mod: 'mod', maximum: 'Math.max', minimum: 'Math.min', fmax: 'fmax', fmin: 'fmin', arctan2: 'Math.atan2', hypot: 'Math.hypot', floorDivide: 'floordiv' };

/** JS source of `e`, reading leaf `k` through `leaf(k)`. */
function gen(e: Expr, leaf: (k: number) => string): string {
  if (e.op === 'leaf') return leaf(e.i);
  if (e.op === 'const') return lit(e.v);
  const a = e.args.map((x) => gen(x, leaf));
  if (e.op === 'cast') return CAST[e.t](a[0]!);
  const op = e.op;
  if (op in MATH1) return `${MATH1[op]}(${a[0]})`;
  if (op in CMP) return `(${a[0]}${CMP[op]}${a[1]}?1:0)`;
  if (op in ARITH) return `(${a[0]}${ARITH[op]}${a[1]})`;
  if (op in CALL2) return `${CALL2[op]}(${a[0]},${a[1]})`;
  switch (op) {
    case 'mul':
      return e.t === 'int32' || e.t === 'uint32' ? `Math.imul(${a[0]},${a[1]})` : `(${a[0]}*${a[1]})`;
    case 'neg':
      return `(-${a[0]})`;
    case 'round':
      return e.p ? `rintd(${a[0]},${lit(e.p)})` : `rint(${a[0]})`;
    case 'square':
      return `((t=${a[0]}),t*t)`;
    case 'reciprocal':
      return `(1/${a[0]})`;
    case 'isfinite':
      return `(Number.isFinite(${a[0]})?1:0)`;
    case 'isinf':
      return `((t=${a[0]})===Infinity||t===-Infinity?1:0)`;
    case 'logicalNot':
      return `(${a[0]}===0?1:0)`;
    case 'logicalAnd':
      return `(${a[0]}!==0&&${a[1]}!==0?1:0)`;
    case 'logicalOr':
      return `(${a[0]}!==0||${a[1]}!==0?1:0)`;
    case 'logicalXor':
      return `((${a[0]}!==0)!==(${a[1]}!==0)?1:0)`;
    case 'where':
      return `(${a[0]}!==0?${a[1]}:${a[2]})`;
    case 'clip':
      return `clip(${a[0]},${a[1]},${a[2]})`;
  }
  throw new Error(`unknown elementwise op ${JSON.stringify(op)}`);
}

const TILE = 32;

/** How a leaf is read: 'f' same shape as the output, 's' a single value, 'b' broadcast. */
export type LeafKind = 'f' | 's' | 'b';
type Kernel = (out: TypedArray, ins: TypedArray[], shape: number[], strides: number[][]) => void;

const compiled = new Map<string, Kernel>();

/**
 * Compile `expr` for leaves read as `kinds`. `tiled`: a 2-D block with a leaf read across rows
 * (a transpose): walk 32x32 tiles so both the rows written and the columns read stay in cache.
 */
function compile(expr: Expr, kinds: LeafKind[], tiled: boolean): Kernel {
  const id = `${kinds.join('')}${tiled ? 'T' : ''}:${JSON.stringify(expr)}`;
  let k = compiled.get(id);
  if (k) return k;
  const hoist = kinds.map((kind, i) => (kind === 's' ? `const c${i}=ins[${i}][0];` : kind === 'f' ? `const a${i}=ins[${i}];` : `const a${i}=ins[${i}],s${i}=strides[${i}],t${i}=s${i}[nd-1];`)).join('');
  let body: string;
  if (!kinds.includes('b')) {
    const x = gen(expr, (i) => (kinds[i] === 's' ? `c${i}` : `a${i}[i]`));
    body = `for(let i=0;i<n;i++)out[i]=${x};`;
  } else if (tiled) {
    const bl = kinds.map((kind, i) => (kind === 'b' ? i : -1)).filter((i) => i >= 0);
    const x = gen(expr, (i) => (kinds[i] === 's' ? `c${i}` : kinds[i] === 'f' ? `a${i}[ob+j]` : `a${i}[r${i}+j*t${i}]`));
    body =
      `const R=shape[0],C=shape[1];` +
      `for(let i0=0;i0<R;i0+=${TILE}){const i1=Math.min(R,i0+${TILE});` +
      `for(let j0=0;j0<C;j0+=${TILE}){const j1=Math.min(C,j0+${TILE});` +
      `for(let i=i0;i<i1;i++){const ob=i*C;` +
      bl.map((i) => `const r${i}=i*s${i}[0];`).join('') +
      `for(let j=j0;j<j1;j++)out[ob+j]=${x};}}}`;
  } else {
    const x = gen(expr, (i) => (kinds[i] === 's' ? `c${i}` : kinds[i] === 'f' ? `a${i}[base+j]` : `a${i}[o${i}+j*t${i}]`));
    const bl = kinds.map((kind, i) => (kind === 'b' ? i : -1)).filter((i) => i >= 0);
    body =
      `const inner=shape[nd-1],rows=inner===0?0:n/inner,idx=new Array(nd).fill(0);` +
      `for(let r=0,base=0;r<rows;r++,base+=inner){` +
      bl.map((i) => `let o${i}=0;for(let d=0;d<nd-1;d++)o${i}+=idx[d]*s${i}[d];`).join('') +
      `for(let j=0;j<inner;j++)out[base+j]=${x};` +
      `for(let d=nd-2;d>=0;d--){if(++idx[d]<shape[d])break;idx[d]=0;}}`;
  }
  const src = `const {fr,rint,rintd,mod,floordiv,isnan,clip,fmax,fmin,sign}=H;return function ew(out,ins,shape,strides){const n=out.length,nd=shape.length;let t=0;${hoist}${body}};`;
  k = new Function('H', src)(H) as Kernel;
  compiled.set(id, k);
  return k;
}

/**
 * Evaluate `expr` over one output block of `shape`. `reads[k]` says how leaf k is read (its kind
 * and per-axis strides, worked out when the graph was built); null for blocks of unknown length
 * (1-D, after a boolean mask), where lengths are taken from the data.
 */
function ew(expr: Expr, dtype: DType, shape: number[], reads: [LeafKind, number[]][] | null, ...ins: TypedArray[]): TypedArray {
  return ewInto(allocShared, expr, dtype, shape, reads, ins);
}

/** `ew` with the output block from `alloc` (shared memory, or scratch when a reduction consumes it at once). */
export function ewInto(alloc: (dtype: DType, n: number) => TypedArray, expr: Expr, dtype: DType, shape: number[], reads: [LeafKind, number[]][] | null, ins: TypedArray[]): TypedArray {
  if (reads === null) {
    const len = Math.max(...ins.map((a) => a.length));
    shape = [len];
    reads = ins.map((a) => [a.length === 1 ? 's' : 'f', [1]]);
  }
  const n = prod(shape);
  const out = alloc(dtype, n);
  const tiled = shape.length === 2 && reads.some((r) => r[0] === 'b' && r[1][1]! > 1);
  compile(expr, reads.map((r) => r[0]), tiled)(out, ins, shape, reads.map((r) => r[1]));
  return out;
}

type SumKernel = (ins: TypedArray[], n: number) => number;
const compiledSums = new Map<string, SumKernel>();

/**
 * The sum of a float64 expression over `n` elements whose leaves are all read flat or as single
 * values (no broadcasting, no transposes): one loop that adds each value as it is made, two
 * accumulators, instead of storing the block and reading it again (the store and the second
 * pass cost as much as the arithmetic).
 */
export function ewSum(expr: Expr, reads: [LeafKind, number[]][], ins: TypedArray[], n: number): number {
  const kinds = reads.map((r) => r[0]);
  if (kinds.includes('b')) throw new Error('ewSum: leaves must be read flat or as single values');
  const id = `${kinds.join('')}:${JSON.stringify(expr)}`;
  let k = compiledSums.get(id);
  if (!k) {
    const hoist = kinds.map((kind, i) => (kind === 's' ? `const c${i}=ins[${i}][0];` : `const a${i}=ins[${i}];`)).join('');
    const at = (j: string) => gen(expr, (i) => (kinds[i] === 's' ? `c${i}` : `a${i}[${j}]`));
    const body = `let p=0,q=0,i=0;for(;i+1<n;i+=2){p+=${at('i')};q+=${at('i+1')};}if(i<n)p+=${at('i')};return p+q;`;
    const src = `const {fr,rint,rintd,mod,floordiv,isnan,clip,fmax,fmin,sign}=H;return function ewSum(ins,n){let t=0;${hoist}${body}};`;
    k = new Function('H', src)(H) as SumKernel;
    compiledSums.set(id, k);
  }
  return k(ins, n);
}

export const elemwiseKernels = defineOps(import.meta.url, { 'array.ew': ew });
