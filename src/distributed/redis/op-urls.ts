/**
 * A built-in op travels with the URL of the module that defines it (FnTable), an absolute file
 * URL of the *client's* shoal install. A worker on another machine (or running dist/ while the
 * client runs the sources) has shoal elsewhere, so the client sends such URLs relative to its
 * shoal root (`shoal:dataframe/kernels`) and each worker resolves them in its own install.
 * URLs outside shoal (users' modules) travel as they are: those must be at the same path on every
 * machine, as Dask needs the same code importable on every worker.
 */
/** This install's src/ or dist/ directory, and its module extension. */
const ROOT = new URL('../../', import.meta.url).href;
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** @example toPortable(new URL('../../dataframe/kernels.ts', import.meta.url).href);   // 'shoal:dataframe/kernels' */
export function toPortable(url: string): string {
  return url.startsWith(ROOT) ? `shoal:${url.slice(ROOT.length).replace(/\.(ts|js)$/, '')}` : url;
}

/** @example fromPortable('shoal:dataframe/kernels');   // file:///…/dist/dataframe/kernels.js on a worker run from dist/ */
export function fromPortable(url: string): string {
  return url.startsWith('shoal:') ? `${ROOT}${url.slice('shoal:'.length)}${EXT}` : url;
}
