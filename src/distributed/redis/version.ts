/** shoal's version as workers and clients compare it when they meet. */
import { readFileSync } from 'node:fs';

/**
 * What travels between workers and clients changed in a way the package version does not show
 * (2: sealed jobs, signed registry entries, HMAC-authenticated data plane; 3: the hello carries
 * and signs the client's `cancelGracePeriod`): a worker and a client must agree on this too, so a
 * mix of builds is refused by name instead of failing obscurely.
 */
export const WIRE = 3;

let cached: string | undefined;

/**
 * The package version (read from package.json: src/distributed/redis and dist/distributed/redis
 * are both three levels down) and the wire revision, e.g. `0.1.0+wire.3`.
 */
export function shoalVersion(): string {
  cached ??= `${(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version}+wire.${WIRE}`;
  return cached;
}
