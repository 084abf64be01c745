/**
 * Column expressions: what a Series is before it runs. `df.col('x').mul(2).gt(1)` builds a small
 * plain-data tree that travels in task arguments and is evaluated over a partition's typed
 * arrays in one pass per node, so filters and assignments fuse into the partition's task, and
 * the columns an expression reads are known when the graph is built (column pruning).
 */
import type { Dtype } from '../io/csv-columns.ts';
import { OptionError, messages } from '../errors.ts';
import type { Meta } from './part.ts';

export { evalExpr, castColumn } from './expr-eval.ts';

export type Scalar = number | string | boolean | null;
export type BinOp = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'pow' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or';
export type UnOp = 'neg' | 'abs' | 'not' | 'isNull' | 'notNull' | 'lower' | 'upper' | 'len' | 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'dayofweek';

export type Expr =
  | { op: 'col'; name: string }
  | { op: 'lit'; value: Scalar; dtype: Dtype }
  | { op: 'bin'; fn: BinOp; a: Expr; b: Expr }
  | { op: 'un'; fn: UnOp; a: Expr }
  | { op: 'fillNull'; a: Expr; b: Expr }
  | { op: 'isin'; a: Expr; values: Scalar[] }
  | { op: 'str'; fn: 'contains' | 'startsWith' | 'endsWith'; a: Expr; pat: string }
  | { op: 'cast'; a: Expr; dtype: Dtype };

export const ARITH = new Set<BinOp>(['add', 'sub', 'mul', 'div', 'mod', 'pow']);
const LOGIC = new Set<BinOp>(['and', 'or']);
const STR_OUT = new Set<UnOp>(['lower', 'upper']);
export const DT_PARTS = new Set<UnOp>(['year', 'month', 'day', 'hour', 'minute', 'second', 'dayofweek']);

/** The columns an expression reads. */
export function exprColumns(e: Expr, into: Set<string> = new Set()): Set<string> {
  switch (e.op) {
    case 'col':
      into.add(e.name);
      break;
    case 'lit':
      break;
    case 'bin':
    case 'fillNull':
      exprColumns(e.a, into);
      exprColumns(e.b, into);
      break;
    default:
      exprColumns(e.a, into);
  }
  return into;
}

/** The dtype an expression produces over columns described by `meta` (checks column names). */
export function exprDtype(e: Expr, meta: Meta): Dtype {
  switch (e.op) {
    case 'col': {
      const i = meta.names.indexOf(e.name);
      if (i < 0) throw new OptionError(messages.unknownColumn(e.name, meta.names));
      return meta.dtypes[i]!;
    }
    case 'lit':
      return e.dtype;
    case 'bin': {
      const a = exprDtype(e.a, meta);
      const b = exprDtype(e.b, meta);
      if (ARITH.has(e.fn)) {
        if (a === 'string' || b === 'string') throw new OptionError(messages.opDtype(e.fn, 'string', 'numeric'));
        return 'float64';
      }
      if (LOGIC.has(e.fn) && (a !== 'bool' || b !== 'bool')) throw new OptionError(messages.opDtype(e.fn, a !== 'bool' ? a : b, 'bool'));
      return 'bool';
    }
    case 'un': {
      const a = exprDtype(e.a, meta);
      if (e.fn === 'isNull' || e.fn === 'notNull') return 'bool';
      if (e.fn === 'not') {
        if (a !== 'bool') throw new OptionError(messages.opDtype('not', a, 'bool'));
        return 'bool';
      }
      if (STR_OUT.has(e.fn) || e.fn === 'len') {
        if (a !== 'string') throw new OptionError(messages.opDtype(`str.${e.fn}`, a, 'string'));
        return e.fn === 'len' ? 'int32' : 'string';
      }
      if (DT_PARTS.has(e.fn)) {
        if (a !== 'date') throw new OptionError(messages.opDtype(`dt.${e.fn}`, a, 'date'));
        return 'int32';
      }
      if (a === 'string' || a === 'bool') throw new OptionError(messages.opDtype(e.fn, a, 'numeric'));
      return a === 'int32' ? 'int32' : 'float64';
    }
    case 'fillNull':
      return exprDtype(e.a, meta);
    case 'isin':
      exprDtype(e.a, meta);
      return 'bool';
    case 'str': {
      const a = exprDtype(e.a, meta);
      if (a !== 'string') throw new OptionError(messages.opDtype(`str.${e.fn}`, a, 'string'));
      return 'bool';
    }
    case 'cast':
      exprDtype(e.a, meta);
      return e.dtype;
  }
}
