/**
 * Getting user functions to workers (DESIGN.md §3). Worker threads and child processes have their
 * own heaps, so a closure cannot cross. A function travels as one of:
 * - an op name (built-in kernels, see registry.ts),
 * - a module URL + export name (`moduleFunction`),
 * - its source text, compiled once per worker and cached by hash.
 * Source is only safe when the function uses nothing from its enclosing scope, so before any work
 * starts we parse it (acorn) and list its free identifiers (periscopic); anything that is not a
 * global of a fresh worker is an outside variable, and the error names each one and the fix.
 */
import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'acorn';
import { analyze } from 'periscopic';
import { messages, OptionError, ShipError } from '../errors.ts';
import type { FnSpec } from '../graph/types.ts';
import type { AnyFn, Shippable } from './registry.ts';

/** Names every worker has even though a static check sees them as free. */
const EXTRA_GLOBALS = new Set(['arguments', 'undefined', 'NaN', 'Infinity', 'globalThis', '__name']);

function isWorkerGlobal(name: string): boolean {
  return EXTRA_GLOBALS.has(name) || name in globalThis;
}

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
  const code = Function.prototype.toString.call(fn);
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

interface Analysis {
  /** Outside variables, or null when the source cannot be shipped at all. */
  free: string[] | null;
  why?: string;
}
const analyses = new Map<string, Analysis>();

/** Parse `code` as an expression; methods (`f(x) {}`) are parsed inside an object literal. */
function parseFunction(code: string) {
  try {
    return parse(`(${code})`, { ecmaVersion: 'latest', sourceType: 'module' });
  } catch {
    return parse(`({${code}})`, { ecmaVersion: 'latest', sourceType: 'module' });
  }
}

/** The free variables of a function's source that a fresh worker will not have. */
export function analyzeSource(code: string): Analysis {
  let a = analyses.get(code);
  if (a) return a;
  if (/\{\s*\[native code\]\s*\}\s*$/.test(code)) {
    a = { free: null, why: 'it is a native or bound function, which has no source to ship' };
  } else {
    try {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const { globals } = analyze(parseFunction(code) as any);
      a = { free: [...globals.keys()].filter((n) => !isWorkerGlobal(n)).sort() };
    } catch (e) {
      a = { free: null, why: `its source could not be parsed (${(e as Error).message})` };
    }
  }
  analyses.set(code, a);
  return a;
}

/** True when a source function reads nothing from its enclosing scope (its text determines it). */
export function isSelfContained(spec: FnSpec): boolean {
  if (spec.kind !== 'source') return true;
  const a = analyzeSource(spec.code);
  return a.free !== null && a.free.length === 0;
}

/** Throw a ShipError unless `spec` can run on `scheduler` in another thread or process. */
export function assertShippable(spec: FnSpec, scheduler: string): void {
  if (spec.kind !== 'source') return;
  const a = analyzeSource(spec.code);
  const label = spec.name ? `function ${spec.name}` : `the function ${preview(spec.code)}`;
  if (a.free === null) throw new ShipError(messages.unshippable(label, a.why!, scheduler));
  if (a.free.length > 0) throw new ShipError(messages.closure(label, a.free, scheduler), a.free);
}

/** Check every distinct shipped function; report all that cannot travel in one error. */
export function assertAllShippable(specs: Iterable<FnSpec>, scheduler: string): void {
  const seen = new Set<string>();
  const problems: ShipError[] = [];
  for (const spec of specs) {
    if (spec.kind !== 'source' || seen.has(spec.hash)) continue;
    seen.add(spec.hash);
    try {
      assertShippable(spec, scheduler);
    } catch (e) {
      if (e instanceof ShipError) problems.push(e);
      else throw e;
    }
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new ShipError(problems.map((p) => p.message).join('\n'), [...new Set(problems.flatMap((p) => p.variables))]);
}

function preview(code: string): string {
  const one = code.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

/**
 * A function exported by a module, referenced by URL + export name so workers import it
 * themselves. Use it for functions that need imports or module state. `moduleUrl` may be a URL
 * or a file path. Inside tasks it is always loaded; to call it directly, `await fn.ready` first.
 * @example
 * // fns.ts: export function parse(line: string) { return JSON.parse(line); }
 * const parse = moduleFunction<typeof import('./fns.ts').parse>(new URL('./fns.ts', import.meta.url), 'parse');
 * await delayed(parse)('{"a":1}').compute({ scheduler: 'processes' });
 */
export function moduleFunction<F extends AnyFn = AnyFn>(moduleUrl: string | URL, exportName: string): F & Shippable & { ready: Promise<void> } {
  const url = moduleUrl instanceof URL ? moduleUrl.href : isAbsolute(moduleUrl) ? pathToFileURL(moduleUrl).href : moduleUrl;
  let loaded: AnyFn | undefined;
  const ready = loadExport(url, exportName).then((f) => {
    loaded = f;
  });
  ready.catch(() => {}); // reported when used
  const wrapper = function (this: unknown, ...args: unknown[]) {
    if (!loaded) throw new OptionError(messages.stillLoading(exportName, url));
    return loaded.apply(this, args);
  } as unknown as F & Shippable & { ready: Promise<void> };
  Object.defineProperty(wrapper, 'name', { value: exportName });
  Object.defineProperty(wrapper, 'ready', { value: ready });
  Object.defineProperty(wrapper, 'shoalSpec', { value: { kind: 'module', url, name: exportName }, enumerable: false });
  return wrapper;
}

const moduleCache = new Map<string, Promise<Record<string, unknown>>>();

/** Import a module once per process. */
export function importOnce(url: string): Promise<Record<string, unknown>> {
  let p = moduleCache.get(url);
  if (!p) {
    p = import(url) as Promise<Record<string, unknown>>;
    moduleCache.set(url, p);
  }
  return p;
}

/** Load `name` from the module at `url`, with a clear error when it is missing. */
export async function loadExport(url: string, name: string): Promise<AnyFn> {
  const mod = await importOnce(url);
  const f = mod[name];
  if (typeof f !== 'function') throw new OptionError(messages.missingExport(url, name, Object.keys(mod)));
  return f as AnyFn;
}
