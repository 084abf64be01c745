/**
 * Evaluating column expressions over a partition's typed arrays: one pass per expression node,
 * string operations through each partition's dictionary (once per distinct value), numbers on the
 * right of an operator without materialising a column of copies.
 */
import { allocArray, type Column, type Dtype } from '../io/csv-columns.ts';
import { textToDate } from '../io/csv-convert.ts';
import { OptionError, messages } from '../errors.ts';
import { ARITH, DT_PARTS, type BinOp, type Expr, type Scalar, type UnOp } from './expr.ts';
import { columnOf, type Part } from './part.ts';

function numbers(col: Column, n: number): Float64Array | Int32Array | Uint8Array {
  return col.values.length === n ? col.values : col.values.subarray(0, n);
}

function litColumn(value: Scalar, dtype: Dtype, n: number): Column {
  if (value === null) {
    const col: Column = { dtype, values: allocArray((dtype === 'string' || dtype === 'int32' ? Int32Array : Float64Array) as typeof Float64Array, n), valid: allocArray(Uint8Array, n) };
    if (dtype === 'string') col.dict = [];
    return col;
  }
  if (dtype === 'string') return { dtype, values: allocArray(Int32Array, n), dict: [value as string] };
  const values = allocArray((dtype === 'bool' ? Uint8Array : dtype === 'int32' ? Int32Array : Float64Array) as typeof Float64Array, n);
  values.fill(typeof value === 'boolean' ? (value ? 1 : 0) : (value as number));
  return { dtype, values };
}

function andValid(a: Column, b: Column, n: number): Uint8Array | undefined {
  if (!a.valid && !b.valid) return undefined;
  const out = allocArray(Uint8Array, n);
  for (let i = 0; i < n; i++) out[i] = (a.valid ? a.valid[i]! : 1) & (b.valid ? b.valid[i]! : 1);
  return out;
}

/** JS strings of a string column (via its dictionary). */
function strAt(col: Column, i: number): string {
  return col.dict![col.values[i]!]!;
}

/**
 * Evaluate an expression over a partition: a column of `part.length` rows.
 * @example
 * evalExpr(part, { op: 'bin', fn: 'gt', a: { op: 'col', name: 'x' }, b: { op: 'lit', value: 0, dtype: 'float64' } });
 */
export function evalExpr(part: Part, e: Expr): Column {
  const n = part.length;
  switch (e.op) {
    case 'col':
      return columnOf(part, e.name);
    case 'lit':
      return litColumn(e.value, e.dtype, n);
    case 'cast':
      return castColumn(evalExpr(part, e.a), e.dtype, n);
    case 'fillNull': {
      const a = evalExpr(part, e.a);
      if (!a.valid) return a;
      const b = castColumn(evalExpr(part, e.b), a.dtype, n);
      const out: Column = { dtype: a.dtype, values: a.values.slice() as Float64Array };
      if (a.dtype === 'string') {
        const dict = a.dict!.slice();
        const extra = new Map<number, number>();
        for (let i = 0; i < n; i++) {
          if (a.valid[i]) continue;
          const bc = b.values[i]!;
          let c = extra.get(bc);
          if (c === undefined) extra.set(bc, (c = dict.push(b.dict![bc]!) - 1));
          out.values[i] = c;
        }
        out.dict = dict;
      } else for (let i = 0; i < n; i++) if (!a.valid[i]) out.values[i] = b.values[i]!;
      if (b.valid) {
        out.valid = allocArray(Uint8Array, n);
        for (let i = 0; i < n; i++) out.valid[i] = a.valid[i]! | b.valid[i]!;
      }
      return out;
    }
    case 'isin': {
      const a = evalExpr(part, e.a);
      const out = allocArray(Uint8Array, n);
      if (a.dtype === 'string') {
        const set = new Set(e.values);
        const hit = a.dict!.map((s) => (set.has(s) ? 1 : 0));
        for (let i = 0; i < n; i++) out[i] = hit[a.values[i]!]!;
      } else {
        const set = new Set(e.values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)));
        const vals = a.values;
        for (let i = 0; i < n; i++) out[i] = set.has(vals[i]!) ? 1 : 0;
      }
      if (a.valid) for (let i = 0; i < n; i++) if (!a.valid[i]) out[i] = 0;
      return { dtype: 'bool', values: out };
    }
    case 'str': {
      const a = evalExpr(part, e.a);
      const pat = e.pat;
      const test = e.fn === 'contains' ? (s: string) => s.includes(pat) : e.fn === 'startsWith' ? (s: string) => s.startsWith(pat) : (s: string) => s.endsWith(pat);
      const hit = a.dict!.map((s) => (test(s) ? 1 : 0));
      const out = allocArray(Uint8Array, n);
      for (let i = 0; i < n; i++) out[i] = hit[a.values[i]!]!;
      if (a.valid) for (let i = 0; i < n; i++) if (!a.valid[i]) out[i] = 0;
      return { dtype: 'bool', values: out };
    }
    case 'un':
      return evalUnary(e.fn, evalExpr(part, e.a), n);
    case 'bin':
      // A number on the right (x > 0, x * 2): no column of copies of it.
      if (e.b.op === 'lit' && typeof e.b.value === 'number' && e.b.dtype !== 'string') {
        const a = evalExpr(part, e.a);
        if (a.dtype !== 'string') return evalScalar(e.fn, a, e.b.value, n);
      }
      return evalBinary(e.fn, evalExpr(part, e.a), evalExpr(part, e.b), n, e.b.op === 'lit' && e.b.value !== null);
  }
}

function evalUnary(fn: UnOp, a: Column, n: number): Column {
  if (fn === 'isNull' || fn === 'notNull') {
    const out = allocArray(Uint8Array, n);
    const want = fn === 'isNull' ? 0 : 1;
    if (a.valid) for (let i = 0; i < n; i++) out[i] = a.valid[i] === want ? 1 : 0;
    else out.fill(fn === 'isNull' ? 0 : 1);
    return { dtype: 'bool', values: out };
  }
  if (fn === 'lower' || fn === 'upper') {
    const dict = a.dict!.map((s) => (fn === 'lower' ? s.toLowerCase() : s.toUpperCase()));
    return { dtype: 'string', values: a.values, dict, ...(a.valid ? { valid: a.valid } : {}) };
  }
  if (fn === 'len') {
    const lens = a.dict!.map((s) => [...s].length);
    const out = allocArray(Int32Array, n);
    for (let i = 0; i < n; i++) out[i] = lens[a.values[i]!] ?? 0;
    return { dtype: 'int32', values: out, ...(a.valid ? { valid: a.valid } : {}) };
  }
  if (DT_PARTS.has(fn)) {
    const out = allocArray(Int32Array, n);
    const v = a.values;
    for (let i = 0; i < n; i++) {
      const d = new Date(v[i]!);
      out[i] =
        fn === 'year' ? d.getUTCFullYear() : fn === 'month' ? d.getUTCMonth() + 1 : fn === 'day' ? d.getUTCDate() : fn === 'hour' ? d.getUTCHours() :
        fn === 'minute' ? d.getUTCMinutes() : fn === 'second' ? d.getUTCSeconds() : (d.getUTCDay() + 6) % 7;
    }
    return { dtype: 'int32', values: out, ...(a.valid ? { valid: a.valid } : {}) };
  }
  const v = numbers(a, n);
  const out = allocArray((fn === 'not' ? Uint8Array : a.dtype === 'int32' ? Int32Array : Float64Array) as typeof Float64Array, n);
  if (fn === 'not') for (let i = 0; i < n; i++) out[i] = v[i] ? 0 : 1;
  else if (fn === 'neg') for (let i = 0; i < n; i++) out[i] = -v[i]!;
  else for (let i = 0; i < n; i++) out[i] = Math.abs(v[i]!);
  return { dtype: fn === 'not' ? 'bool' : a.dtype === 'int32' ? 'int32' : 'float64', values: out, ...(a.valid ? { valid: a.valid } : {}) };
}

/** Compare strings of two string columns (or a column and a literal) through their dictionaries. */
function stringCompare(fn: BinOp, a: Column, b: Column, n: number, bIsLit: boolean): Uint8Array {
  const out = allocArray(Uint8Array, n);
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const test = (c: number) => (fn === 'eq' ? c === 0 : fn === 'ne' ? c !== 0 : fn === 'lt' ? c < 0 : fn === 'le' ? c <= 0 : fn === 'gt' ? c > 0 : c >= 0);
  if (bIsLit) {
    const y = b.dict![0]!;
    const hit = a.dict!.map((s) => (test(cmp(s, y)) ? 1 : 0));
    for (let i = 0; i < n; i++) out[i] = hit[a.values[i]!]!;
  } else for (let i = 0; i < n; i++) out[i] = test(cmp(strAt(a, i), strAt(b, i))) ? 1 : 0;
  return out;
}

function evalBinary(fn: BinOp, a: Column, b: Column, n: number, bIsLit: boolean): Column {
  if (a.dtype === 'string' || b.dtype === 'string') {
    if (a.dtype !== 'string' || b.dtype !== 'string') throw new OptionError(messages.opDtype(fn, a.dtype === 'string' ? b.dtype : a.dtype, 'string'));
    const out = stringCompare(fn, a, b, n, bIsLit);
    // Comparisons with a null are false (ne: true), like pandas.
    if (a.valid || b.valid) for (let i = 0; i < n; i++) if ((a.valid && !a.valid[i]) || (b.valid && !b.valid[i])) out[i] = fn === 'ne' ? 1 : 0;
    return { dtype: 'bool', values: out };
  }
  const x = numbers(a, n);
  const y = numbers(b, n);
  if (ARITH.has(fn)) {
    const out = allocArray(Float64Array, n);
    switch (fn) {
      case 'add':
        for (let i = 0; i < n; i++) out[i] = x[i]! + y[i]!;
        break;
      case 'sub':
        for (let i = 0; i < n; i++) out[i] = x[i]! - y[i]!;
        break;
      case 'mul':
        for (let i = 0; i < n; i++) out[i] = x[i]! * y[i]!;
        break;
      case 'div':
        for (let i = 0; i < n; i++) out[i] = x[i]! / y[i]!;
        break;
      case 'mod':
        // Python's modulo (the sign of the divisor), as pandas does.
        for (let i = 0; i < n; i++) {
          const r = x[i]! % y[i]!;
          out[i] = r !== 0 && r < 0 !== y[i]! < 0 ? r + y[i]! : r;
        }
        break;
      default:
        for (let i = 0; i < n; i++) out[i] = x[i]! ** y[i]!;
    }
    const valid = andValid(a, b, n);
    return valid ? { dtype: 'float64', values: out, valid } : { dtype: 'float64', values: out };
  }
  const out = allocArray(Uint8Array, n);
  switch (fn) {
    case 'eq':
      for (let i = 0; i < n; i++) out[i] = x[i] === y[i] ? 1 : 0;
      break;
    case 'ne':
      for (let i = 0; i < n; i++) out[i] = x[i] !== y[i] ? 1 : 0;
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[i] = x[i]! < y[i]! ? 1 : 0;
      break;
    case 'le':
      for (let i = 0; i < n; i++) out[i] = x[i]! <= y[i]! ? 1 : 0;
      break;
    case 'gt':
      for (let i = 0; i < n; i++) out[i] = x[i]! > y[i]! ? 1 : 0;
      break;
    case 'ge':
      for (let i = 0; i < n; i++) out[i] = x[i]! >= y[i]! ? 1 : 0;
      break;
    case 'and':
      for (let i = 0; i < n; i++) out[i] = x[i]! & y[i]!;
      break;
    case 'or':
      for (let i = 0; i < n; i++) out[i] = x[i]! | y[i]!;
      break;
  }
  if (a.valid || b.valid) {
    for (let i = 0; i < n; i++) {
      if ((a.valid && !a.valid[i]) || (b.valid && !b.valid[i])) out[i] = fn === 'ne' ? 1 : 0;
    }
  }
  return { dtype: 'bool', values: out };
}

/** `column op number`, for numeric columns. */
function evalScalar(fn: BinOp, a: Column, y: number, n: number): Column {
  const x = numbers(a, n);
  if (ARITH.has(fn)) {
    const out = allocArray(Float64Array, n);
    switch (fn) {
      case 'add':
        for (let i = 0; i < n; i++) out[i] = x[i]! + y;
        break;
      case 'sub':
        for (let i = 0; i < n; i++) out[i] = x[i]! - y;
        break;
      case 'mul':
        for (let i = 0; i < n; i++) out[i] = x[i]! * y;
        break;
      case 'div':
        for (let i = 0; i < n; i++) out[i] = x[i]! / y;
        break;
      case 'mod':
        for (let i = 0; i < n; i++) {
          const r = x[i]! % y;
          out[i] = r !== 0 && r < 0 !== y < 0 ? r + y : r;
        }
        break;
      default:
        for (let i = 0; i < n; i++) out[i] = x[i]! ** y;
    }
    return a.valid ? { dtype: 'float64', values: out, valid: a.valid } : { dtype: 'float64', values: out };
  }
  const out = allocArray(Uint8Array, n);
  switch (fn) {
    case 'eq':
      for (let i = 0; i < n; i++) out[i] = x[i] === y ? 1 : 0;
      break;
    case 'ne':
      for (let i = 0; i < n; i++) out[i] = x[i] !== y ? 1 : 0;
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[i] = x[i]! < y ? 1 : 0;
      break;
    case 'le':
      for (let i = 0; i < n; i++) out[i] = x[i]! <= y ? 1 : 0;
      break;
    case 'gt':
      for (let i = 0; i < n; i++) out[i] = x[i]! > y ? 1 : 0;
      break;
    case 'ge':
      for (let i = 0; i < n; i++) out[i] = x[i]! >= y ? 1 : 0;
      break;
    case 'and':
      for (let i = 0; i < n; i++) out[i] = x[i]! & (y ? 1 : 0);
      break;
    case 'or':
      for (let i = 0; i < n; i++) out[i] = x[i]! | (y ? 1 : 0);
      break;
  }
  if (a.valid) for (let i = 0; i < n; i++) if (!a.valid[i]) out[i] = fn === 'ne' ? 1 : 0;
  return { dtype: 'bool', values: out };
}

/** A column converted to `dtype` (astype). Strings parse as numbers/dates; numbers format as strings. */
export function castColumn(a: Column, dtype: Dtype, n: number): Column {
  if (a.dtype === dtype) return a;
  if (dtype === 'string') {
    const dict: string[] = [];
    const codes = new Map<string, number>();
    const out = allocArray(Int32Array, n);
    for (let i = 0; i < n; i++) {
      const v = a.values[i]!;
      const s = a.dtype === 'bool' ? (v ? 'true' : 'false') : a.dtype === 'date' ? new Date(v).toISOString() : String(v);
      let c = codes.get(s);
      if (c === undefined) codes.set(s, (c = dict.push(s) - 1));
      out[i] = c;
    }
    return { dtype, values: out, dict, ...(a.valid ? { valid: a.valid } : {}) };
  }
  const Ctor = dtype === 'int32' ? Int32Array : dtype === 'bool' ? Uint8Array : Float64Array;
  const out = allocArray(Ctor as typeof Float64Array, n);
  let valid = a.valid;
  if (a.dtype === 'string') {
    const parsed = a.dict!.map((s) => (dtype === 'bool' ? (s === 'true' ? 1 : s === 'false' ? 0 : NaN) : dtype === 'date' ? (textToDate(s) ?? NaN) : Number(s)));
    const bad = a.dict!.findIndex((s, k) => Number.isNaN(parsed[k]) && s !== 'NaN');
    if (bad >= 0 && a.values.some((c, i) => c === bad && (!a.valid || a.valid[i]))) throw new OptionError(messages.opDtype(`astype('${dtype}') of ${JSON.stringify(a.dict![bad])}`, 'string', dtype));
    for (let i = 0; i < n; i++) out[i] = parsed[a.values[i]!]!;
  } else if (dtype === 'bool') for (let i = 0; i < n; i++) out[i] = a.values[i] ? 1 : 0;
  else if (dtype === 'int32') for (let i = 0; i < n; i++) out[i] = Math.trunc(a.values[i]!);
  else out.set(a.values.subarray(0, n));
  if (dtype === 'int32' && a.dtype === 'float64') {
    // NaN cannot be an int: it becomes a null.
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(a.values[i]!)) {
        valid ??= allocArray(Uint8Array, n).fill(1);
        if (valid === a.valid) valid = valid.slice();
        valid[i] = 0;
      }
    }
  }
  return valid ? { dtype, values: out, valid } : { dtype, values: out };
}
