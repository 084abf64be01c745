/**
 * Getting user functions to workers (DESIGN.md §3). Worker threads and child processes have their
 * own heaps, so a closure cannot cross. A function travels as one of:
 * - an op name (built-in kernels, see registry.ts),
 * - a module URL + export name (`moduleFunction`),
 * - its source text, compiled once per worker and cached by hash.
 * Source is only safe when the function uses nothing from its enclosing scope, so before any work
 * starts we parse it (acorn) and list its free identifiers (periscopic); anything that is not a
 * global of a fresh worker is an outside variable, and the error names each one and the fix.
 * This module (and its parser) is only loaded in the calling thread, never in workers.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'acorn';
import { analyze } from 'periscopic';
import { messages, OptionError, ShipError } from '../errors.ts';
import type { FnSpec } from '../graph/types.ts';
import { loadExport } from './modules.ts';
import { ensureTsLoader } from './tsx.ts';
import type { AnyFn, Shippable } from './registry.ts';

/** Names every worker has even though a static check sees them as free. */
const EXTRA_GLOBALS = new Set(['arguments', 'undefined', 'NaN', 'Infinity', 'globalThis', '__name']);

function isWorkerGlobal(name: string): boolean {
  return EXTRA_GLOBALS.has(name) || name in globalThis;
}

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

interface AstNode {
  type: string;
  [field: string]: unknown;
}

/**
 * periscopic gives a named function expression a scope of its own that holds its name, but not a
 * named class expression, so `class Foo {}` (and `new Foo()` inside it) would count `Foo` as an
 * outside variable. Give each such class the same shape: an anonymous class inside a function
 * expression named `Foo`. Only the scopes matter here; the code itself is never run from this tree.
 */
function scopeClassNames(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) scopeClassNames(n);
    return;
  }
  if (node === null || typeof node !== 'object' || typeof (node as AstNode).type !== 'string') return;
  const n = node as AstNode;
  for (const v of Object.values(n)) if (typeof v === 'object') scopeClassNames(v);
  if (n.type !== 'ClassExpression' || !n.id) return;
  const anonymous: AstNode = { ...n, id: null };
  const named: AstNode = {
    type: 'FunctionExpression',
    id: n.id,
    params: [],
    body: { type: 'BlockStatement', body: [{ type: 'ExpressionStatement', expression: anonymous }] },
  };
  for (const k of Object.keys(n)) delete n[k];
  Object.assign(n, named);
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
      const ast = parseFunction(code);
      scopeClassNames(ast);
      const { globals } = analyze(ast as any);
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
  // A .ts module needs tsx here too (a plain `node` program): the same one the workers find.
  const ready = Promise.resolve(ensureTsLoader(url)).then(() => loadExport(url, exportName)).then((f) => {
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
