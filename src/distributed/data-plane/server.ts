/**
 * A worker's data server: `POST /data` with a JSON list of keys and `Authorization: Bearer <token>`
 * answers with a stream of frames (`frames.ts`), one per key, written as each value is looked up.
 * Typed arrays are written from their own memory (`encode.ts`), waiting for the socket to drain
 * between chunks, so a large value never sits twice in memory.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { OptionError, dataPlaneMessages } from '../../errors.ts';
import { encodeValue } from './encode.ts';
import { FrameKind, frameHead } from './frames.ts';

export interface DataServerOptions {
  /** The address to bind, exactly (the worker passes 127.0.0.1 unless told otherwise). */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The cluster token every request must carry as `Authorization: Bearer <token>`. */
  token: string;
  /**
   * The value held under `key`; undefined when it is not held here (reported as missing). A held
   * value that *is* `undefined` is returned as `UNDEFINED_VALUE`.
   */
  lookup(key: string): unknown | undefined | Promise<unknown | undefined>;
}

export interface DataServer {
  /** `http://host:port`, with the port actually bound. */
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
 * Serve the values `lookup` finds to peers that present the token.
 * @example
 * const store = new Map([['x', new Float64Array(1e6)]]);
 * const server = await startDataServer({ host: '127.0.0.1', port: 0, token, lookup: (k) => store.get(k) });
 * const { values } = await fetchValues(server.address, ['x'], token);
 * await server.close();
 */
export async function startDataServer(opts: DataServerOptions): Promise<DataServer> {
  if (typeof opts.token !== 'string' || opts.token.length === 0) throw new OptionError(dataPlaneMessages.noToken());
  const expected = digest(opts.token);
  const server = createServer((req, res) => {
    handle(req, res, expected, opts.lookup).catch((e: unknown) => {
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
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let closing: Promise<void> | undefined;
  return {
    address: `http://${host}:${port}`,
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

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time: both sides are hashed to the same length first, then compared with timingSafeEqual. */
function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !h.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(h.slice(7)), expected);
}

async function handle(req: IncomingMessage, res: ServerResponse, expected: Buffer, lookup: DataServerOptions['lookup']): Promise<void> {
  // The token is checked before anything else, the body included.
  if (!authorized(req, expected)) return refuse(res, 401, 'missing or wrong cluster token', { 'www-authenticate': 'Bearer realm="shoal"' });
  if (req.url !== '/data') return refuse(res, 404, 'not found: use POST /data');
  if (req.method !== 'POST') return refuse(res, 405, 'use POST /data', { allow: 'POST' });
  let keys: unknown;
  try {
    keys = JSON.parse((await readBody(req)).toString('utf8'));
  } catch (e) {
    return refuse(res, 400, `the body must be a JSON list of keys (${(e as Error).message})`);
  }
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) return refuse(res, 400, 'the body must be a JSON list of keys (strings)');
  res.writeHead(200, { 'content-type': 'application/x-shoal-data' });
  let sent = 0;
  for (let i = 0; i < keys.length; i++) {
    if (res.destroyed) return;
    const key = keys[i] as string;
    let chunks: Uint8Array[];
    try {
      const value = await lookup(key);
      if (value === undefined) chunks = [frameHead(FrameKind.Missing, i)];
      else chunks = [frameHead(FrameKind.Value, i), ...encodeValue(value === UNDEFINED_VALUE ? undefined : value).chunks];
    } catch (e) {
      const msg = Buffer.from(e instanceof Error ? `${e.name}: ${e.message}` : String(e), 'utf8');
      chunks = [frameHead(FrameKind.Error, i, msg.byteLength), msg];
    }
    await write(res, chunks);
    sent++;
  }
  if (res.destroyed) return;
  await write(res, [frameHead(FrameKind.End, 0, sent)]);
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

/** Write chunks in order, waiting for the socket to drain when it asks to (or for it to close). */
async function write(res: ServerResponse, chunks: Uint8Array[]): Promise<void> {
  for (const c of chunks) {
    if (res.destroyed) return;
    if (!res.write(c)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
}
