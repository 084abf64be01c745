/** shoal's package version, compared by workers and clients when they meet. */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** Read from package.json (src/distributed/redis and dist/distributed/redis are both three levels down). */
export function shoalVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
