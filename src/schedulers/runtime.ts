/**
 * Running tasks: resolving a function spec to a callable, substituting references in arguments,
 * and executing fused chains. Shared by the sync scheduler (in the calling thread) and by every
 * worker thread and process, so all schedulers run a task the same way.
 */
import { inspect } from 'node:util';
import { messages, OptionError, type RemoteErrorInfo } from '../errors.ts';
import { isFnArg, isRef, KEEP, rewrite, type FnSpec, type Key } from '../graph/types.ts';
import { importOnce, loadExport } from './modules.ts';
import { closureOf } from './specs.ts';
import { getOp, type AnyFn } from './registry.ts';
import { ensureTsLoader } from './tsx.ts';
import './builtin-ops.ts';

// Toolchains (tsx/esbuild) wrap nested functions in `__name(fn, "name")`; shipped source may call it.
const g = globalThis as { __name?: unknown };
if (typeof g.__name !== 'function') g.__name = (f: unknown) => f;

async function importModule(url: string): Promise<void> {
  await ensureTsLoader(url);
  await importOnce(url);
}

const compiled = new Map<string, AnyFn>();

/** Evaluate shipped source in this realm's global scope (no access to shoal's module scope). */
export function compileSource(code: string, hash: string): AnyFn {
  let fn = compiled.get(hash);
  if (fn) return fn;
  const indirectEval = eval;
  try {
    fn = indirectEval(`(${code})`) as AnyFn;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    // A method's source (`f(x) { ... }`) is only valid inside an object literal.
    const holder = indirectEval(`({${code}})`) as Record<string, AnyFn>;
    fn = Object.values(holder)[0]!;
  }
  if (typeof fn !== 'function') throw new OptionError(messages.notAFunction('shipped source', code));
  compiled.set(hash, fn);
  return fn;
}

/**
 * Resolve a spec to a function. `url` of an op is the module that defines it (imported first when
 * this thread has not seen it). Returns a promise only when a module must be imported.
 */
export function resolveFn(spec: FnSpec & { url?: string }, preferClosure = false): AnyFn | Promise<AnyFn> {
  switch (spec.kind) {
    case 'op': {
      const f = getOp(spec.name);
      if (f) return f;
      if (!spec.url) throw new OptionError(messages.unknownOp(spec.name));
      return importModule(spec.url).then(() => {
        const f2 = getOp(spec.name);
        if (!f2) throw new OptionError(messages.unknownOp(spec.name));
        return f2;
      });
    }
    case 'source': {
      if (preferClosure) {
        const c = closureOf(spec);
        if (c) return c;
      }
      return compileSource(spec.code, spec.hash);
    }
    case 'module': {
      const known = loadedExports.get(`${spec.url}#${spec.name}`);
      if (known) return known;
      return (async () => {
        await ensureTsLoader(spec.url);
        const f = await loadExport(spec.url, spec.name);
        loadedExports.set(`${spec.url}#${spec.name}`, f);
        return f;
      })();
    }
  }
}

const loadedExports = new Map<string, AnyFn>();

/**
 * The function behind a function argument (`fnArg`), synchronously: its module was loaded when
 * the task's function definitions were (every spec a task uses is defined before it runs).
 */
export function fnForArg(spec: FnSpec, preferClosure = false): AnyFn {
  const f = resolveFn(spec, preferClosure);
  if (isThenable(f)) {
    (f as Promise<unknown>).catch(() => {}); // reported through the task's definitions
    throw new Error(messages.fnArgNotLoaded(spec.kind === 'source' ? spec.hash : spec.name));
  }
  return f;
}

const workerFnArg = (spec: FnSpec) => fnForArg(spec, false);
const syncFnArg = (spec: FnSpec) => fnForArg(spec, true);
/** Resolvers for function arguments: compiled from source in workers, the real closure on `sync`. */
export const fnArgResolvers = { worker: workerFnArg, sync: syncFnArg };

/**
 * Replace every reference inside `args` with `lookup(key)` and, when `fns` is given, every
 * function argument with the function it names; values are not walked.
 */
export function substitute(args: unknown[], lookup: (key: Key) => unknown, fns?: (spec: FnSpec) => AnyFn): unknown[] {
  const out = new Array<unknown>(args.length);
  if (fns) {
    const ctx = { lookup, fns };
    for (let i = 0; i < args.length; i++) out[i] = rewrite(args[i], swapRefOrFn, ctx);
  } else for (let i = 0; i < args.length; i++) out[i] = rewrite(args[i], swapRef, lookup);
  return out;
}

function swapRef(v: object, lookup: (key: Key) => unknown): unknown {
  return isRef(v) ? lookup(v.key) : KEEP;
}

function swapRefOrFn(v: object, ctx: { lookup: (key: Key) => unknown; fns: (spec: FnSpec) => AnyFn }): unknown {
  if (isRef(v)) return ctx.lookup(v.key);
  if (isFnArg(v)) return ctx.fns(v.spec);
  return KEEP;
}

/**
 * One step of a fused chain as workers receive it: [key, function table id, args]. A tuple, not an
 * object: structured clone costs per object property, and a fused task can carry thousands.
 */
export type ExecStep = [key: Key, fnId: number, args: unknown[]];

/**
 * Load the function definitions a worker was sent into `fns` (id → function). A function that
 * fails to load (a module that throws on import, a missing export) becomes one that throws that
 * error, so its tasks fail with it and the worker itself carries on. Returns a promise only when
 * some module is still loading.
 * @example
 * const loading = loadFnDefs(msg.defs, fns);
 * if (loading) await loading;
 */
export function loadFnDefs(defs: ReadonlyArray<readonly [number, FnSpec & { url?: string }]>, fns: AnyFn[]): Promise<unknown> | undefined {
  const thrower = (e: unknown) => () => {
    throw e;
  };
  const pending: Array<Promise<unknown>> = [];
  for (const [id, spec] of defs) {
    try {
      const f = resolveFn(spec);
      if (isThenable(f)) pending.push(Promise.resolve(f).then((fn) => (fns[id] = fn), (e) => (fns[id] = thrower(e))));
      else fns[id] = f;
    } catch (e) {
      fns[id] = thrower(e);
    }
  }
  return pending.length ? Promise.all(pending) : undefined;
}

export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as PromiseLike<unknown>).then === 'function';
}

/**
 * Run a fused chain: each step sees the previous steps' results by key and the outer `lookup`.
 * Returns a promise only if a step is asynchronous.
 */
export function runChain(
  steps: ExecStep[],
  fns: (id: number) => AnyFn,
  lookup: (key: Key) => unknown,
  fnArgs: (spec: FnSpec) => AnyFn,
): unknown {
  const local = new Map<Key, unknown>();
  const look = (k: Key) => (local.has(k) ? local.get(k) : lookup(k));
  let i = 0;
  let last: unknown;
  const next = (): unknown => {
    while (i < steps.length) {
      const s = steps[i++]!;
      try {
        last = fns(s[1])(...substitute(s[2], look, fnArgs));
      } catch (e) {
        throw markStep(e, s[0]);
      }
      if (isThenable(last)) {
        const key = s[0];
        return Promise.resolve(last).then(
          (v) => {
            local.set(key, (last = v));
            return next();
          },
          (e: unknown) => {
            throw markStep(e, key);
          },
        );
      }
      local.set(s[0], last);
    }
    return last;
  };
  return next();
}

/** A thrown value as plain data that crosses threads and processes (name, message, stack, step key). */
export function errorInfo(e: unknown): RemoteErrorInfo {
  const step = typeof e === 'object' && e !== null ? (e as { shoalKey?: string }).shoalKey : undefined;
  let info: RemoteErrorInfo;
  if (e instanceof Error) info = { name: e.name, message: e.message, stack: e.stack, code: (e as { code?: unknown }).code };
  else if (typeof e === 'string') info = { name: 'Error', message: e };
  // Anything else thrown (`throw { code: 42 }`) is shown as util.inspect shows it: String() gives '[object Object]'.
  else {
    info = { name: 'Error', message: `${NON_ERROR}${thrownText(e)}` };
    const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
    if (['string', 'number', 'boolean'].includes(typeof code)) info.code = code; // `{ code: 42 }`: e.code to branch on
  }
  if (step !== undefined) info.key = step;
  return info;
}

/** How a thrown value that is not an Error is introduced in the message. */
export const NON_ERROR = 'a value that is not an Error was thrown: ';

/** One line, bounded: a thrown object may be large. */
function thrownText(e: unknown): string {
  const text = inspect(e, { depth: 3, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 200 });
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

/** Remember which step of a fused chain failed, so the error names that key. */
function markStep(e: unknown, key: Key): unknown {
  if (e !== null && typeof e === 'object' && !('shoalKey' in e)) {
    try {
      Object.defineProperty(e, 'shoalKey', { value: key, enumerable: false });
    } catch {
      // a frozen error keeps the fused task's key
    }
  }
  return e;
}

