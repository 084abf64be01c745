/**
 * The op registry: built-in kernels by name. A kernel module calls `defineOps(import.meta.url,
 * {...})` at import time; the name travels in the graph (`{ kind: 'op', name }`) and a worker that
 * has not yet imported the module is told its URL first. Kernels never travel as source.
 */
import { messages } from '../errors.ts';
import type { FnSpec } from '../graph/types.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFn = (...args: any[]) => unknown;

interface OpEntry {
  fn: AnyFn;
  url: string;
}

const ops = new Map<string, OpEntry>();

/** Where a function can be found by a worker; attached to op and module functions. */
export interface Shippable {
  shoalSpec?: FnSpec;
}

/**
 * Register kernels under `name`s. Each function gets a `shoalSpec` so `delayed(fn)` and collection
 * methods refer to it by name instead of shipping its source.
 * @example
 * export const kernels = defineOps(import.meta.url, { 'bag.map': (part, f) => part.map(f) });
 */
export function defineOps<T extends Record<string, AnyFn>>(moduleUrl: string, table: T): T {
  for (const [name, fn] of Object.entries(table)) {
    const prev = ops.get(name);
    if (prev && prev.fn !== fn && prev.url !== moduleUrl) throw new Error(messages.opDefinedTwice(name, prev.url, moduleUrl));
    ops.set(name, { fn, url: moduleUrl });
    Object.defineProperty(fn, 'shoalSpec', { value: { kind: 'op', name }, enumerable: false, configurable: true });
  }
  return table;
}

export function getOp(name: string): AnyFn | undefined {
  return ops.get(name)?.fn;
}

/** The module that defines op `name` (so a worker can import it before running). */
export function opModule(name: string): string | undefined {
  return ops.get(name)?.url;
}
