/**
 * What `shoal broker` asks of redis-server, as plain functions (no process): its flags, the policy
 * on where it may listen, the configuration text (given to redis-server on stdin, so the password is
 * never in a process's argv), and the lines it prints for workers and clients.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { OptionError, brokerMessages } from '../errors.ts';
import { isLoopback } from '../distributed/redis/url.ts';

export const BROKER_OPTIONS = {
  port: { type: 'string' },
  bind: { type: 'string' },
  maxmemory: { type: 'string' },
  dir: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  insecure: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface BrokerSettings {
  port: number;
  bind: string;
  maxmemory?: string;
  /** Where redis may write (undefined: a new private temporary directory). */
  dir?: string;
  tls?: { cert: string; key: string; ca?: string };
  insecure: boolean;
}

/**
 * Check the parsed flags and apply the security policy: a non-loopback bind needs TLS (`--tls-cert`
 * and `--tls-key`) or an explicit `--insecure`.
 * @example
 * brokerSettings({ port: '6380' }); // { port: 6380, bind: '127.0.0.1', insecure: false }
 */
export function brokerSettings(v: { port?: string; bind?: string; maxmemory?: string; dir?: string; 'tls-cert'?: string; 'tls-key'?: string; 'tls-ca'?: string; insecure?: boolean }): BrokerSettings {
  const port = v.port === undefined ? 6379 : Number(v.port);
  if (!/^\d+$/.test(v.port ?? '6379') || port < 1 || port > 65535) throw new OptionError(brokerMessages.option('port', v.port, 'must be a port number from 1 to 65535'));
  const bind = v.bind ?? '127.0.0.1';
  if (!/^[\w.:[\]-]+$/.test(bind)) throw new OptionError(brokerMessages.option('bind', bind, 'must be one address, e.g. 127.0.0.1 or 0.0.0.0'));
  if (v.maxmemory !== undefined && !/^\d+(b|k|kb|m|mb|g|gb)?$/i.test(v.maxmemory)) throw new OptionError(brokerMessages.option('maxmemory', v.maxmemory, 'must be a size in redis units, e.g. 2gb or 512mb'));
  if ((v['tls-cert'] === undefined) !== (v['tls-key'] === undefined)) throw new OptionError(brokerMessages.tlsPair());
  if (v['tls-ca'] !== undefined && v['tls-cert'] === undefined) throw new OptionError(brokerMessages.tlsPair());
  // Absolute paths: redis changes into --dir before it reads the certificate files.
  const tls = v['tls-cert'] !== undefined ? { cert: resolve(v['tls-cert']), key: resolve(v['tls-key']!), ...(v['tls-ca'] !== undefined ? { ca: resolve(v['tls-ca']) } : {}) } : undefined;
  const insecure = v.insecure === true;
  if (!isLoopback(bind) && !tls && !insecure) throw new OptionError(brokerMessages.plaintextBind(bind));
  return { port, bind, ...(v.maxmemory !== undefined ? { maxmemory: v.maxmemory } : {}), ...(v.dir !== undefined ? { dir: resolve(v.dir) } : {}), ...(tls ? { tls } : {}), insecure };
}

/** A value in redis.conf syntax: double-quoted, backslashes and quotes escaped. */
function conf(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/**
 * The configuration redis-server reads from stdin: the password, protected mode, no eviction
 * (BullMQ's queues must never lose a key), no persistence (a development broker; the data is
 * recomputable), logs to stdout.
 */
export function redisConfig(s: BrokerSettings, password: string, dir: string): string {
  const lines = [
    `bind ${s.bind.replace(/^\[|\]$/g, '')}`,
    ...(s.tls
      ? ['port 0', `tls-port ${s.port}`, `tls-cert-file ${conf(s.tls.cert)}`, `tls-key-file ${conf(s.tls.key)}`, s.tls.ca ? `tls-ca-cert-file ${conf(s.tls.ca)}` : 'tls-auth-clients no']
      : [`port ${s.port}`]),
    'protected-mode yes',
    `requirepass ${conf(password)}`,
    'maxmemory-policy noeviction',
    ...(s.maxmemory ? [`maxmemory ${s.maxmemory}`] : []),
    'save ""',
    'appendonly no',
    `dir ${conf(dir)}`,
    'daemonize no',
    'logfile ""',
    'always-show-logo no',
  ];
  return `${lines.join('\n')}\n`;
}

/** The Redis URL workers and clients use (with the password; `host` is this machine's name for a wildcard bind). */
export function brokerUrl(s: BrokerSettings, password: string): string {
  const wildcard = s.bind === '0.0.0.0' || s.bind === '::' || s.bind === '[::]';
  const host = wildcard ? hostname() : s.bind.includes(':') && !s.bind.startsWith('[') ? `[${s.bind}]` : s.bind;
  return `${s.tls ? 'rediss' : 'redis'}://:${encodeURIComponent(password)}@${host}:${s.port}`;
}

/** What the broker prints once it is ready: the password (shown this once) and the lines to run. */
export function brokerBanner(s: BrokerSettings, info: { pid: number; password: string; passwordFrom: 'env' | 'generated'; token?: string; dir: string }): string {
  const url = brokerUrl(s, info.password);
  const remotePlain = !s.tls && !isLoopback(s.bind);
  const tokenLine = info.token
    ? `  export SHOAL_TOKEN=${info.token}        # generated: the same on every machine and client`
    : '  # SHOAL_TOKEN: the one already in your environment, the same on every machine and client';
  return [
    `shoal broker: redis-server (pid ${info.pid}) on ${s.bind}:${s.port}${s.tls ? ' with TLS' : ''}; protected-mode yes, maxmemory-policy noeviction${s.maxmemory ? `, maxmemory ${s.maxmemory}` : ''}, no persistence (dir ${info.dir})`,
    info.passwordFrom === 'generated' ? 'password: generated, shown only here (set SHOAL_REDIS_PASSWORD to choose it)' : 'password: from SHOAL_REDIS_PASSWORD',
    '',
    'On each machine:',
    tokenLine,
    `  shoal worker ${url} --nthreads 4 --memory-limit 8GiB --name w1${remotePlain ? ' --insecure' : ''}`,
    'In the program:',
    `  const client = await Client.connect('${url}', { token: process.env.SHOAL_TOKEN${remotePlain ? ', insecure: true' : ''} });`,
    '',
    'Ctrl-C stops it.',
    '',
  ].join('\n');
}
