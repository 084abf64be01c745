/**
 * `shoal broker`: a local redis-server with a safe configuration, for development (DESIGN.md §6).
 * Loopback by default; a password (SHOAL_REDIS_PASSWORD, or generated and printed once); protected
 * mode; `maxmemory-policy noeviction`; no persistence. The configuration goes to redis-server on
 * stdin (`redis-server -`), never in its argv, where any user of the machine could read it. It stays
 * in the foreground: SIGINT / SIGTERM are passed on, and it exits when redis-server does.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import { OptionError, brokerMessages } from '../errors.ts';
import { BROKER_OPTIONS, brokerBanner, brokerSettings, redisConfig } from './broker-config.ts';

const HELP = `usage: shoal broker [options]

Start a local redis-server for a shoal cluster (development). The password comes from
SHOAL_REDIS_PASSWORD, or is generated and printed once.

options:
  --port N            the port (default 6379)
  --bind ADDRESS      the address to listen on (default 127.0.0.1); another than loopback needs
                      --tls-cert and --tls-key, or --insecure on a network you trust
  --maxmemory SIZE    redis's memory limit, e.g. 2gb (default: none; the policy is noeviction)
  --dir DIR           where redis may write (default: a new temporary directory, removed at exit)
  --tls-cert FILE     serve TLS (rediss://) with this certificate…
  --tls-key FILE      …and this key
  --tls-ca FILE       and require client certificates signed by this CA
  --insecure          allow a plaintext non-loopback --bind
`;

/**
 * The `shoal broker` command; resolves with the exit code once redis-server has exited.
 * @example
 * // SHOAL_REDIS_PASSWORD=… shoal broker --port 6380
 * process.exitCode = await runBroker(['--port', '6380']);
 */
export async function runBroker(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: BROKER_OPTIONS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new OptionError(brokerMessages.usage((e as Error).message), { cause: e });
  }
  if (parsed.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const settings = brokerSettings(parsed.values);
  const redisServer = findExecutable(env.SHOAL_REDIS_SERVER || 'redis-server', env.PATH);
  if (!redisServer) throw new OptionError(brokerMessages.notInstalled());
  // With util-linux's setpriv, the kernel stops redis-server if this process dies without passing
  // a signal on (SIGKILL, a crash): no orphan keeps the port.
  const setpriv = findExecutable('setpriv', env.PATH);
  const [cmd, args] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', redisServer, '-']] : [redisServer, ['-']];
  const passwordFrom = env.SHOAL_REDIS_PASSWORD ? 'env' : 'generated';
  const password = env.SHOAL_REDIS_PASSWORD || randomBytes(24).toString('base64url');
  const token = env.SHOAL_TOKEN ? undefined : randomBytes(24).toString('base64url');
  const ownDir = settings.dir === undefined;
  const dir = settings.dir ?? mkdtempSync(join(tmpdir(), 'shoal-broker-'));
  const cleanup = () => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };

  // The password stays out of redis-server's environment too (it is in its configuration).
  const childEnv = { ...env };
  delete childEnv.SHOAL_REDIS_PASSWORD;
  delete childEnv.SHOAL_TOKEN;
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], env: childEnv });
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new OptionError(brokerMessages.notInstalled()) : e));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + constants.signals[signal] : 1)));
  });
  child.stdin!.on('error', () => {}); // it died before reading its configuration: 'exit' says so
  child.stdin!.end(redisConfig(settings, password, dir));

  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  try {
    // redis-server's log goes to our stdout; the lines to use go after its "ready" line.
    let log = '';
    let ready = false;
    child.stdout!.on('data', (d: Buffer) => {
      process.stdout.write(d);
      if (ready) return;
      log = (log + d.toString('utf8')).slice(-4096);
      if (/Ready to accept connections/.test(log)) {
        ready = true;
        process.stdout.write(`\n${brokerBanner(settings, { pid: child.pid!, password, passwordFrom, token, dir })}`);
      }
    });
    const code = await exited;
    if (!ready) process.stderr.write(`shoal broker: ${brokerMessages.exitedEarly(code)}\n`);
    return code;
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    process.off('SIGHUP', forward);
    cleanup();
  }
}

/** The path of an executable file: `name` itself if it has a slash, else the first on PATH. */
function findExecutable(name: string, path = ''): string | undefined {
  const candidates = name.includes('/') ? [name] : path.split(delimiter).filter(Boolean).map((d) => join(d, name));
  return candidates.find((c) => {
    try {
      accessSync(c, fsConstants.X_OK);
      return statSync(c).isFile();
    } catch {
      return false;
    }
  });
}
