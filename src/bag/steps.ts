/**
 * A Bag's pending transforms as the calling thread keeps them, and how their arguments become task
 * arguments and key tokens. No Bag class here (bag.ts imports this).
 */
import { uniqueToken } from '../graph/tokenize.ts';
import { fnArg, ref, type Arg, type FnSpec, type Key } from '../graph/types.ts';
import { messages, OptionError } from '../errors.ts';
import type { AnyFn } from '../schedulers/registry.ts';
import { isSelfContained } from '../schedulers/ship.ts';
import { specOf } from '../schedulers/specs.ts';

/** A pending transform, as the calling thread keeps it. */
export interface Step {
  op: string;
  fn: FnSpec | null;
  arg: unknown;
  extras: Extra[];
}
export type Extra = { kind: 'bag'; keys: readonly Key[] } | { kind: 'ref'; key: Key } | { kind: 'value'; value: unknown };

/** A start value, or a function making one per key (shipped like any function argument). */
export function initialArg(v: unknown): { arg: Arg; token: unknown } {
  if (typeof v !== 'function') return { arg: v as Arg, token: v };
  const spec = specOf(v as AnyFn);
  return { arg: fnArg(spec), token: ['make', fnToken(v as AnyFn, spec)] };
}

/** A key given as a function (shipped) or as a property name / index (a value). */
export function keyArg(key: unknown): { arg: Arg; token: unknown } {
  if (typeof key === 'function') {
    const spec = specOf(key as AnyFn);
    return { arg: fnArg(spec), token: fnToken(key as AnyFn, spec) };
  }
  if (typeof key !== 'string' && typeof key !== 'number') throw new OptionError(messages.badOption('key', key, 'must be a function, a property name or an index'));
  return { arg: key, token: key };
}

/** An extra argument in partition `i`'s task: `[1, partition]` zipped per element, `[0, value]` passed whole. */
export function extraArg(e: Extra, i: number): Arg {
  if (e.kind === 'bag') return [1, ref(e.keys[i]!)];
  if (e.kind === 'ref') return [0, ref(e.key)];
  return [0, e.value as Arg];
}

/** What an extra argument contributes to the key token. */
export function extraToken(e: Extra): unknown {
  return e.kind === 'bag' ? ['bag', e.keys] : e.kind === 'ref' ? ['ref', e.key] : ['value', e.value];
}

/** What makes a function's keys: its spec when its text determines it, else the object's identity. */
const identities = new WeakMap<object, string>();
export function fnToken(fn: AnyFn, spec: FnSpec): unknown {
  if (spec.kind !== 'source' || isSelfContained(spec)) return spec;
  let t = identities.get(fn);
  if (!t) identities.set(fn, (t = uniqueToken()));
  return t;
}
