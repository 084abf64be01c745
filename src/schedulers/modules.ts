/** Importing users' modules and kernel modules, once per thread or process. */
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
