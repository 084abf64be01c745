/** Importing users' modules, kernel modules and shoal's own dependencies, once per thread or process. */
import { createRequire } from 'node:module';
import { messages, OptionError } from '../errors.ts';
import type { AnyFn } from './registry.ts';

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

const require = createRequire(import.meta.url);

/**
 * A CommonJS dependency loaded at its first use instead of when shoal is imported: `import
 * 'shoal'` costs every module it loads, and most programs never read a CSV or expand a glob. The
 * loader is synchronous, so its callers stay synchronous. A CommonJS package is one instance
 * whether it is imported or required. Not for ES module packages: a loader such as tsx turns a
 * `require()` of one into a second copy (whose classes fail `instanceof` against a user's
 * imports), so those are imported statically (apache-arrow) or with `import()` (vega, bullmq, …).
 * @example
 * const papa = lazyDependency<typeof import('papaparse')>('papaparse');
 * papa().parse('a,b\n1,2');
 */
export function lazyDependency<T>(specifier: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= require(specifier) as T);
}
