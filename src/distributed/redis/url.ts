/**
 * Which Redis URLs shoal accepts (DESIGN.md §6, security defaults): loopback is always fine; a
 * host elsewhere needs a password and TLS (`rediss://`), or an explicit `insecure` for a network
 * the user trusts. The result is what ioredis needs, plus a display form without the password.
 */
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { OptionError, RedisClusterError, redisMessages } from '../../errors.ts';
import { isLoopback } from '../host-check.ts';

/**
 * Where Redis is and how to connect. The connection options hold the password (and any TLS key),
 * so they sit in a `#private` field behind methods (not getters, which `util.inspect` with
 * `showHidden` and `getters` would call): showing a target, or anything holding one, never shows them.
 */
export class RedisTarget {
  readonly #options: RedisOptions;
  constructor(
    readonly host: string,
    readonly port: number,
    readonly tls: boolean,
    /** The URL without its password, for messages and `String(client)`. */
    readonly display: string,
    options: RedisOptions,
  ) {
    this.#options = options;
  }

  /** ioredis options (BullMQ's `maxRetriesPerRequest: null` included). */
  options(): RedisOptions {
    return this.#options;
  }

  /** The same options typed for BullMQ (whose copy of ioredis's types differs slightly). */
  bull(): ConnectionOptions {
    return this.#options as ConnectionOptions;
  }
}

export { isLoopback } from '../host-check.ts';

/**
 * An ioredis error as a cause: its name and message only. ioredis attaches the failed command,
 * and for a refused login that is `AUTH <user> <password>`.
 */
function bare(e: unknown): Error {
  const out = new Error(e instanceof Error ? e.message : String(e));
  if (e instanceof Error) out.name = e.name;
  return out;
}

/**
 * Parse a `redis://` / `rediss://` URL and apply the security policy. Without a password in the
 * URL, `SHOAL_REDIS_PASSWORD` from the environment is used.
 * @example
 * parseRedisUrl('redis://:pw@127.0.0.1:6379').display;   // 'redis://127.0.0.1:6379'
 * parseRedisUrl('redis://10.0.0.5:6379');                 // throws: plaintext to a non-loopback host
 */
export function parseRedisUrl(url: string, opts: { insecure?: boolean; tls?: Record<string, unknown> } = {}): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not chained: Node's URL error carries the whole input (password and all).
    throw new OptionError(redisMessages.badUrl(url, 'not a URL'));
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new OptionError(redisMessages.badUrl(url, `the scheme must be redis: or rediss:, not ${u.protocol}`));
  if (!u.hostname) throw new OptionError(redisMessages.badUrl(url, 'no host'));
  const port = u.port ? Number(u.port) : 6379;
  const tls = u.protocol === 'rediss:';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  // A password may also come from the environment, so `shoal worker` never needs it in argv
  // (where `ps` shows it to every user of the machine).
  const password = u.password ? decodeURIComponent(u.password) : process.env.SHOAL_REDIS_PASSWORD || undefined;
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const display = `${u.protocol}//${u.host}`;
  if (!isLoopback(host)) {
    if (!tls && !opts.insecure) throw new RedisClusterError(redisMessages.plaintextRemote(display));
    if (!password) throw new RedisClusterError(redisMessages.noPassword(display));
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new OptionError(redisMessages.badUrl(url, `the database ${JSON.stringify(u.pathname.slice(1))} is not a number`));
  const options: RedisOptions = {
    host,
    port,
    password,
    username,
    db,
    // BullMQ's requirement: commands wait for a reconnect instead of failing after 20 retries.
    maxRetriesPerRequest: null,
    ...(tls ? { tls: { servername: host, ...opts.tls } } : {}),
  };
  return new RedisTarget(host, port, tls, display, options);
}

/**
 * Connect once, without retrying, and PING: a Redis that is down or refuses the password fails
 * here with the reason, instead of the endless reconnects BullMQ's connections are set up for.
 * @example
 * await probeRedis(parseRedisUrl(url));   // throws RedisClusterError: cannot reach Redis at …
 */
export async function probeRedis(target: RedisTarget, timeoutMs = 5000): Promise<void> {
  const probe = new Redis({ ...target.options(), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  let last: Error | undefined;
  probe.on('error', (e: Error) => (last = e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    throw new RedisClusterError(redisMessages.unreachable(target.display, (last ?? (e as Error)).message), { cause: bare(last ?? e) });
  } finally {
    probe.disconnect();
  }
}
