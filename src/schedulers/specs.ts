/**
 * How a function travels: its spec (DESIGN.md §3). Op and module functions carry one; any other
 * function is described by its source text and a hash of it. Shared by the calling thread and the
 * workers (which need `closureOf` only on `sync`), so it loads nothing heavy.
 */
import { createHash } from 'node:crypto';
import { messages, OptionError } from '../errors.ts';
import type { FnSpec } from '../graph/types.ts';
import type { AnyFn, Shippable } from './registry.ts';

/** A `source` spec that also carries the real closure, for the sync scheduler (not cloned). */
export interface SourceSpec {
  kind: 'source';
  code: string;
  hash: string;
  name?: string;
}

// The links between a function and its spec live in symbol-keyed properties, not WeakMaps:
// hundreds of thousands of ephemeron entries make every GC slow. structuredClone skips symbol
// keys, so specs still travel as plain data.
const SPEC = Symbol('shoal.spec');
const CLOSURE = Symbol('shoal.closure');

/** The real function behind a source spec, when this process made it. */
export function closureOf(spec: FnSpec): AnyFn | undefined {
  return (spec as { [CLOSURE]?: AnyFn })[CLOSURE];
}

/**
 * How `fn` travels to workers. Op and module functions carry their spec; anything else is shipped
 * as source text.
 */
export function specOf(fn: AnyFn): FnSpec {
  if (typeof fn !== 'function') throw new OptionError(messages.notAFunction('the task function', fn));
  const tagged = (fn as Shippable).shoalSpec;
  if (tagged) return tagged;
  const cached = (fn as { [SPEC]?: FnSpec })[SPEC];
  if (cached) return cached;
  const text = Function.prototype.toString.call(fn);
  const code = NATIVE.test(text) ? (globalName(fn) ?? text) : text;
  // `delayed((x) => ...)` in a loop makes a new function object with the same text each time:
  // hash each distinct text once. Each function object still gets its own spec, which links
  // to its own closure for the sync scheduler.
  let hash = hashes.get(code);
  if (hash === undefined) {
    hash = createHash('sha1').update(code).digest('hex').slice(0, 16);
    hashes.set(code, hash);
  }
  const spec: SourceSpec & { [CLOSURE]?: AnyFn } = fn.name ? { kind: 'source', code, hash, name: fn.name } : { kind: 'source', code, hash };
  spec[CLOSURE] = fn;
  if (Object.isExtensible(fn)) (fn as { [SPEC]?: FnSpec })[SPEC] = spec;
  return spec;
}

const hashes = new Map<string, string>();

/** What `toString` gives for a function with no source (a built-in, or a bound function). */
const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

/** Namespaces whose built-in functions every worker has (`Math.sqrt`, `JSON.stringify`, ...). */
const NAMESPACES = ['Math', 'JSON', 'Number', 'String', 'Object', 'Array', 'Date'] as const;

/**
 * A built-in function has no source (`function String() { [native code] }`), but every worker has
 * it under the same global name: ship that name instead (`bag.map(String)`, `map(Math.sqrt)`).
 * Only for native functions: a user's function that happens to be global (a REPL's top level) is
 * not in a worker's globals and still travels as source.
 */
function globalName(fn: AnyFn): string | undefined {
  const name = fn.name;
  if (!name || !/^[A-Za-z_$][\w$]*$/.test(name)) return undefined;
  const g = globalThis as Record<string, unknown>;
  if (g[name] === fn) return name;
  for (const ns of NAMESPACES) if ((g[ns] as Record<string, unknown> | undefined)?.[name] === fn) return `${ns}.${name}`;
  return undefined;
}
