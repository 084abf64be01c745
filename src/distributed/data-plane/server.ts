/**
 * A worker's data server: `POST /data` with a JSON list of keys, authenticated by proof of the
 * cluster key (`auth.ts`: an HMAC, never the key itself), answers with a stream of frames
 * (`frames.ts`), one per key, written as each value is looked up, each section tagged so the
 * fetcher knows a key holder sent it. Typed arrays are written from their own memory
 * (`encode.ts`), waiting for the socket to drain between chunks, so a large value never sits twice
 * in memory. A request under a `Host` that is not this server's is refused (DNS rebinding).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { OptionError, dataPlaneMessages } from '../../errors.ts';
import { allowedHosts, hostRefusal } from '../host-check.ts';
import { Secret, sameMac } from '../secret.ts';
import { bodyDigest, dataKey, RequestChecker, responseProof, SectionMac } from './auth.ts';
import { encodeValue } from './encode.ts';
import { FrameKind, frameHead } from './frames.ts';

export interface DataServerOptions {
  /**
   * The address to bind, exactly (the worker passes 127.0.0.1 unless told otherwise). A wildcard
   * (0.0.0.0, ::) is advertised under this machine's name.
   */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The cluster secret: requests must prove they hold it, and the answers prove this server does. */
  secret: Secret;
  /**
   * The value held under `key`; undefined when it is not held here (reported as missing). A held
   * value that *is* `undefined` is returned as `UNDEFINED_VALUE`.
   */
  lookup(key: string): unknown | undefined | Promise<unknown | undefined>;
}

export interface DataServer {
  /** `http://host:port`, with the port actually bound (a wildcard bind: this machine's name). */
  readonly address: string;
  /** The port actually bound (useful when `port` was 0 and another host name is advertised). */
  readonly port: number;
  /** Stop listening and drop every connection (including idle keep-alive ones). */
  close(): Promise<void>;
}

/**
 * What `lookup` returns for a key whose value is `undefined` (a task that returned nothing), since
 * `undefined` itself means "not held here". The fetching side gets `undefined`.
 */
export const UNDEFINED_VALUE: unique symbol = Symbol('shoal.undefinedValue');

/** Requests are lists of keys; anything bigger than this is not one. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/**
 * Serve the values `lookup` finds to peers that prove they hold the cluster secret.
 * @example
 * const secret = new Secret(process.env.SHOAL_TOKEN!);
 * const store = new Map([['x', new Float64Array(1e6)]]);
 * const server = await startDataServer({ host: '127.0.0.1', port: 0, secret, lookup: (k) => store.get(k) });
 * const { values } = await fetchValues(server.address, ['x'], secret);
 * await server.close();
 */
export async function startDataServer(opts: DataServerOptions): Promise<DataServer> {
  if (!(opts.secret instanceof Secret)) throw new OptionError(dataPlaneMessages.noSecret());
  const auth: Auth = { key: dataKey(opts.secret), checker: new RequestChecker(dataKey(opts.secret)), hosts: new Set() };
  const server = createServer((req, res) => {
    handle(req, res, auth, opts.lookup).catch((e: unknown) => {
      // Only reached for a failure outside the per-key handling: drop the connection, so the
      // client sees a response without its end frame.
      res.destroy(e instanceof Error ? e : new Error(String(e)));
    });
  });
  // Longer than a fetch leaves a socket idle in its agent, so a reused socket is rarely closed under it.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new OptionError(dataPlaneMessages.listenFailed(opts.host, opts.port, e.code ?? e.message), { cause: e })));
    server.listen({ host: opts.host, port: opts.port, exclusive: true }, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const wildcard = opts.host === '0.0.0.0' || opts.host === '::';
  const advertised = wildcard ? hostname() : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  auth.hosts = allowedHosts(opts.host, port, advertised);
  let closing: Promise<void> | undefined;
  return {
    address: `http://${advertised}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

interface Auth {
  key: Secret;
  checker: RequestChecker;
  /** The `Host` values this server answers to. */
  hosts: Set<string>;
}

async function handle(req: IncomingMessage, res: ServerResponse, auth: Auth, lookup: DataServerOptions['lookup']): Promise<void> {
  // The Host and the proof of the key are checked before anything else, the body included.
  const misdirected = hostRefusal(req.headers.host, auth.hosts);
  if (misdirected) return refuse(res, 421, misdirected);
  const checked = auth.checker.check(req.method ?? '', req.headers.host!, req.url ?? '', req.headers);
  if (typeof checked === 'string') return refuse(res, 401, checked);
  if (req.url !== '/data') return refuse(res, 404, 'not found: use POST /data');
  if (req.method !== 'POST') return refuse(res, 405, 'use POST /data', { allow: 'POST' });
  let keys: unknown;
  try {
    const body = await readBody(req);
    if (!sameMac(Buffer.from(bodyDigest(body)), Buffer.from(checked.digest))) return refuse(res, 401, 'the body is not the one the proof was made for');
    keys = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return refuse(res, 400, `the body must be a JSON list of keys (${(e as Error).message})`);
  }
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) return refuse(res, 400, 'the body must be a JSON list of keys (strings)');
  const proof = responseProof(auth.key, checked.tag, 200);
  res.writeHead(200, { 'content-type': 'application/x-shoal-data', 'x-shoal-proof': proof.toString('base64url') });
  // Every byte of the body is fed to the MAC as it is written; `seal` ends a section with its tag.
  const mac = new SectionMac(auth.key, proof);
  const send = (chunks: Uint8Array[]) => write(res, chunks, mac);
  const seal = () => write(res, [mac.tag()]);
  let sent = 0;
  for (let i = 0; i < keys.length; i++) {
    if (res.destroyed) return;
    const key = keys[i] as string;
    let head: Buffer;
    let encoded: ReturnType<typeof encodeValue> | undefined;
    let text: Buffer | undefined;
    try {
      const value = await lookup(key);
      if (value === undefined) head = frameHead(FrameKind.Missing, i);
      else {
        encoded = encodeValue(value === UNDEFINED_VALUE ? undefined : value);
        head = frameHead(FrameKind.Value, i);
      }
    } catch (e) {
      text = Buffer.from(e instanceof Error ? `${e.name}: ${e.message}` : String(e), 'utf8');
      head = frameHead(FrameKind.Error, i, text.byteLength);
    }
    if (encoded) {
      const structure = encoded.chunks.length - encoded.outOfBand;
      await send([head, ...encoded.chunks.slice(0, structure)]);
      await seal();
      await send(encoded.chunks.slice(structure));
    } else await send(text ? [head, text] : [head]);
    await seal();
    sent++;
  }
  if (res.destroyed) return;
  await send([frameHead(FrameKind.End, 0, sent)]);
  await seal();
  res.end();
}

function refuse(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  // The request's body is not read: close the connection rather than drain it.
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...headers });
  res.end(`${message}\n`);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.byteLength;
      if (size > MAX_REQUEST_BYTES) {
        reject(new Error(`request body over ${MAX_REQUEST_BYTES} bytes`));
        req.destroy();
      } else parts.push(d);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/**
 * Write chunks in order, waiting for the socket to drain when it asks to (or for it to close).
 * With `mac`, each piece is fed to it just before it is written, a large chunk in slices, so the
 * hashing of one slice overlaps the sending of the last instead of delaying the first byte.
 */
async function write(res: ServerResponse, chunks: Uint8Array[], mac?: SectionMac): Promise<void> {
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.byteLength; at += SLICE_BYTES) {
      if (res.destroyed) return;
      const c = chunk.byteLength <= SLICE_BYTES ? chunk : chunk.subarray(at, at + SLICE_BYTES);
      mac?.update(c);
      if (!res.write(c)) await drained(res);
    }
  }
}

/** How much of a large chunk is hashed and written at a time. */
const SLICE_BYTES = 1 << 20;

function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
