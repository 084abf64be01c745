/** shoal's version as workers and clients compare it when they meet. */
import { readFileSync } from 'node:fs';

/**
 * What travels between workers and clients changed in a way the package version does not show
 * (sealed jobs, signed registry entries, HMAC-authenticated data plane): a worker and a client
 * must agree on this too, so a mix of builds is refused by name instead of failing obscurely.
 */
const WIRE = 2;

let cached: string | undefined;

/**
 * The package version (read from package.json: src/distributed/redis and dist/distributed/redis
 * are both three levels down) and the wire revision, e.g. `0.1.0+wire.2`.
 */
export function shoalVersion(): string {
  cached ??= `${(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version}+wire.${WIRE}`;
  return cached;
}
