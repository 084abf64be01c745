/**
 * `shoal worker <redis-url>`: join this machine to a Redis-backed cluster (Dask's
 * `dask worker tcp://scheduler:8786`). The flags are in worker-options.ts; the cluster token comes
 * from SHOAL_TOKEN. Stops cleanly on SIGINT / SIGTERM: clients are told it is leaving (its work is
 * rescheduled at once), its runtimes, queues and data server are closed, and it leaves the registry.
 */
import { availableParallelism, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OptionError, redisMessages } from '../errors.ts';
import { parseBytes, formatBytes } from '../distributed/sizeof.ts';
import { parseRedisUrl } from '../distributed/redis/url.ts';
import { Secret } from '../distributed/secret.ts';
import { RedisWorker } from '../distributed/redis/worker-node.ts';
import { WORKER_OPTIONS } from './worker-options.ts';

const HELP = `usage: shoal worker <redis-url> [options]

Join a shoal cluster through Redis. The cluster token is read from SHOAL_TOKEN; the Redis
password from the URL or, to keep it out of the process list, from SHOAL_REDIS_PASSWORD.

options:
  --nthreads N            runtime threads (tasks at once; default: the number of cores)
  --memory-limit SIZE     for the whole worker, e.g. 8GiB; 'auto' (default: system memory) or 0 for none
  --name NAME             shown in String(client) and the dashboard
  --listen HOST:PORT      the data server's address (default 127.0.0.1:0, a free port)
  --local-directory DIR   where values spill under memory pressure (in a private folder made there)
  --preload MODULE        a module every runtime imports first (repeatable)
  --insecure              allow a plaintext redis:// URL to a non-loopback host
`;

/** Parse argv into the worker's options; throws OptionError naming the flag and value. */
export function workerOptions(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: WORKER_OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new OptionError(redisMessages.workerUsage((e as Error).message), { cause: e });
  }
  const { values: v, positionals } = parsed;
  if (v.help) return 'help' as const;
  if (positionals.length !== 1) throw new OptionError(redisMessages.workerUsage(positionals.length ? `one Redis URL expected, got ${positionals.join(' ')}` : 'the Redis URL is missing'));
  const target = parseRedisUrl(positionals[0]!, { insecure: v.insecure });
  const token = env.SHOAL_TOKEN;
  if (!token) throw new OptionError(redisMessages.noToken('shoal worker'));
  if (token.length < 16) throw new OptionError(redisMessages.shortToken('shoal worker'));
  const nthreads = v.nthreads === undefined ? availableParallelism() : Number(v.nthreads);
  if (!Number.isInteger(nthreads) || nthreads < 1) throw new OptionError(redisMessages.workerOption('nthreads', v.nthreads, 'must be a whole number >= 1'));
  let memoryLimit: number | undefined;
  const m = v['memory-limit'];
  if (m === undefined || m === 'auto') memoryLimit = totalmem();
  else if (m === '0') memoryLimit = undefined;
  else {
    memoryLimit = parseBytes(m);
    if (memoryLimit === undefined) throw new OptionError(redisMessages.workerOption('memory-limit', m, "must be a size like 8GiB, 'auto' or 0"));
  }
  let listenHost = '127.0.0.1';
  let listenPort = 0;
  if (v.listen !== undefined) {
    const match = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(v.listen);
    if (!match || Number(match[2]) > 65535) throw new OptionError(redisMessages.workerOption('listen', v.listen, 'must be host:port, e.g. 0.0.0.0:9000 or 127.0.0.1:0'));
    listenHost = match[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1';
    listenPort = Number(match[2]);
  }
  const preload = (v.preload ?? []).map((p) => (/^[a-z]+:/.test(p) ? p : p.startsWith('.') || p.startsWith('/') ? pathToFileURL(resolve(p)).href : p));
  return { target, secret: new Secret(token), nthreads, memoryLimit, name: v.name, listenHost, listenPort, localDirectory: v['local-directory'], preload };
}

/**
 * The `shoal worker` command; resolves with the exit code once the worker has stopped.
 * @example
 * // SHOAL_TOKEN=… shoal worker redis://:pw@127.0.0.1:6379 --nthreads 2 --name w1
 */
export async function runWorker(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = workerOptions(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const worker = await RedisWorker.start(opts);
  const mem = opts.memoryLimit === undefined ? 'no memory limit' : `memory ${formatBytes(opts.memoryLimit)}`;
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`shoal worker ${worker.record.name}: ${sig}, leaving the cluster\n`);
      void worker.close().then(
        () => done(0),
        () => done(1),
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // Announced only once a signal stops it cleanly: a supervisor may signal as soon as it reads this.
    process.stdout.write(`shoal worker ${worker.record.name} (${worker.id}) joined ${opts.target.display}: ${opts.nthreads} thread${opts.nthreads === 1 ? '' : 's'}, ${mem}, data at ${worker.address}\n`);
  });
}
