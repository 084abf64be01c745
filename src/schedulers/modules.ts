/** Importing users' modules, kernel modules and shoal's own dependencies, once per thread or process. */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
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
 * A dependency loaded at its first use instead of when shoal is imported: `import 'shoal'` costs
 * every module it loads, and most programs never touch a DataFrame, a CSV or a glob. The loader is
 * synchronous, so its callers stay synchronous: `require()` of the very file an `import` of the
 * package resolves to (Node >= 20.19 loads ES modules with `require`). The same file means the
 * same instance as a user's `import` of the package: `require(name)` would pick a dual package's
 * CommonJS build, a second copy whose classes fail `instanceof` against the user's objects.
 * @example
 * const papa = lazyDependency<typeof import('papaparse')>('papaparse');
 * papa().parse('a,b\n1,2');
 */
export function lazyDependency<T>(specifier: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= require(fileURLToPath(import.meta.resolve(specifier))) as T);
}
