/**
 * Finding tsx for users' TypeScript modules (a `moduleFunction` or `defineOps` in a `.ts` file)
 * in threads and processes that run shoal from dist/. shoal itself never needs tsx there: tsx is
 * the user's (an optional peer dependency), so it is looked for, in order, as the tsx this program
 * runs under, next to the module being loaded (the user's project), in the current directory, and
 * next to shoal. From the TypeScript sources tsx is a dev dependency and channel.ts boots workers
 * through it directly.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { ShoalError, messages } from '../errors.ts';

/** Set by shoal on its worker processes: the running program's tsx (its flags are not passed on). */
export const TSX_ENV = 'SHOAL_TSX';

/**
 * The directory of the tsx package this program runs under (`npx tsx`, `node --import
 * /x/tsx/dist/loader.mjs`), from its loader flags or, in a worker process, from `SHOAL_TSX`.
 * @example
 * runningTsx(['--import', 'file:///app/node_modules/tsx/dist/loader.mjs'], {});   // '/app/node_modules/tsx'
 */
export function runningTsx(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env[TSX_ENV]) return env[TSX_ENV];
  for (const arg of execArgv) {
    const value = arg.replace(/^--[a-z-]+=/, '');
    const path = value.startsWith('file:') ? fileURLToPath(value) : value;
    const m = /^(.*[/\\]tsx)[/\\]dist[/\\]/.exec(path);
    if (m) return m[1];
  }
  return undefined;
}

/** Where tsx is looked for, as [description, a file path to resolve from]. */
function searchPlaces(moduleUrl: string): Array<[string, string]> {
  const places: Array<[string, string]> = [];
  const running = runningTsx();
  if (running) places.push([`the tsx this program runs under (${running})`, join(running, 'package.json')]);
  if (moduleUrl.startsWith('file:')) places.push(['next to the module', fileURLToPath(moduleUrl)]);
  places.push([`the current directory (${process.cwd()})`, join(process.cwd(), 'package.json')]);
  places.push(['next to shoal', fileURLToPath(import.meta.url)]);
  return places;
}

/**
 * The ESM build of `tsx/esm/api` that resolving from `from` finds, or undefined. Not
 * `require.resolve('tsx/esm/api')`: that is the CommonJS build, whose `register()` cannot find its
 * hooks when imported.
 */
function esmApi(from: string): string | undefined {
  let pkgPath: string;
  try {
    pkgPath = createRequire(from).resolve('tsx/package.json');
  } catch {
    return undefined;
  }
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports?: Record<string, { import?: string | { default?: string } }> };
  const entry = pkg.exports?.['./esm/api']?.import;
  const rel = typeof entry === 'string' ? entry : entry?.default;
  return rel ? join(dirname(pkgPath), rel) : undefined;
}

/** Register tsx's loader in this thread; throws, saying what to install, when no tsx is found. */
async function registerTsx(moduleUrl: string): Promise<void> {
  const places = searchPlaces(moduleUrl);
  for (const [, from] of places) {
    const api = esmApi(from);
    if (!api) continue;
    const mod = (await import(pathToFileURL(api).href)) as { register?: () => unknown };
    if (typeof mod.register === 'function') {
      mod.register();
      return;
    }
  }
  throw new ShoalError('ERR_SHOAL_MISSING_PACKAGE', messages.tsxMissing(moduleUrl, places.map(([where]) => where)));
}

let tsxRegistered: Promise<void> | undefined;
const flags = globalThis as { __shoalTsx?: boolean };

/**
 * Before importing `url`: if it is a TypeScript module, make sure this thread/process has tsx's
 * loader (a promise while it registers; undefined when nothing is to do). A process started with
 * tsx (`npx tsx`, `node --import tsx`) has it in its main thread; worker threads do not inherit
 * loader hooks on Node 20, so they register tsx themselves (channel.ts's thread bootstrap from
 * the sources sets the flag when it already did), as do worker processes started from dist/
 * (their tsx flags are dropped) and a plain `node` program.
 * @example
 * await ensureTsLoader(new URL('./fns.ts', import.meta.url).href);
 */
export function ensureTsLoader(url: string): Promise<void> | undefined {
  if (!/\.[cm]?tsx?$/.test(new URL(url).pathname)) return undefined;
  if (flags.__shoalTsx) return undefined;
  // Its flags (not SHOAL_TSX, which a worker process has without tsx's hooks) say tsx is loaded.
  if (isMainThread && (import.meta.url.endsWith('.ts') || process.execArgv.some((a) => a.includes('tsx')))) return undefined;
  tsxRegistered ??= registerTsx(url).then(() => {
    flags.__shoalTsx = true;
  });
  return tsxRegistered;
}
