/**
 * Bulk instruction batches (scattered data, big graph literals) never go through Redis: the
 * client keeps their bytes under a one-shot key on its own data server and the job carries only
 * `{ ref, at }`; the worker fetches them over HTTP with the token (worker-session.ts). A worker on
 * another machine cannot reach a client bound to loopback: its batches then go through Redis, with
 * a warning that names the `listen` option.
 */
import { hostname } from 'node:os';
import { serialize } from 'node:v8';
import { OptionError, redisMessages } from '../../errors.ts';
import type { Packed } from './codec.ts';
import { mac } from './signing.ts';
import { startDataServer, type DataServer } from './data.ts';
import { BULK_BYTES } from './names.ts';

const BLOB_TTL_MS = 60_000;

export class BulkServer {
  /** Bytes of instruction batches sent through Redis and over HTTP. */
  readonly sent = { redisBytes: 0, httpBytes: 0 };
  private readonly blobs = new Map<string, Uint8Array>();
  private next = 1;
  private warned = false;

  private constructor(
    private readonly server: DataServer,
    private readonly prefix: string,
  ) {}

  /**
   * Serve on `listen` ('host:port'), for the token's holders.
   * @example
   * const bulk = await BulkServer.start('127.0.0.1:0', token, session);
   * const job = bulk.pack(items, true, key);   // { ref, at, s } when large, { b, s } otherwise
   */
  static async start(listen: string, token: string, prefix: string): Promise<BulkServer> {
    const [host, port] = splitListen(listen);
    let self: BulkServer | undefined;
    const server = await startDataServer({
      host,
      port,
      token,
      lookup: (k) => self?.blobs.get(k),
    });
    self = new BulkServer(server, prefix);
    return self;
  }

  /** The job data for a batch: a reference when it is large and `reachable`, else the bytes. */
  pack(items: unknown, reachable: boolean, key: Buffer): Packed {
    const bytes = serialize(items);
    if (bytes.length > BULK_BYTES && reachable) {
      const ref = `batch-${this.prefix}-${this.next++}`;
      this.blobs.set(ref, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
      // Fetched once by its worker, right away; kept a while so a fetch retried on a fresh
      // connection still finds it, then dropped (a worker lost before fetching never will).
      setTimeout(() => this.blobs.delete(ref), BLOB_TTL_MS).unref();
      this.sent.httpBytes += bytes.length;
      return { ref, s: mac(key, bytes), at: this.server.address.replace('//0.0.0.0:', `//${hostname()}:`).replace('//[::]:', `//${hostname()}:`) };
    }
    this.sent.redisBytes += bytes.length;
    const b = bytes.toString('base64');
    return { b, s: mac(key, b) };
  }

  /** Can a worker on `host` fetch from here? (a loopback address: only from this machine) */
  reaches(host: string, workerName: string): boolean {
    const loopback = /^http:\/\/(127\.|\[::1\]|localhost)/.test(this.server.address);
    if (!loopback || host === hostname()) return true;
    if (!this.warned) {
      this.warned = true;
      process.emitWarning(redisMessages.bulkThroughRedis(workerName, this.server.address));
    }
    return false;
  }

  async close(): Promise<void> {
    this.blobs.clear();
    await this.server.close();
  }
}

/** 'host:port' (IPv6 in brackets) → [host, port]. */
function splitListen(v: string): [string, number] {
  const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new OptionError(redisMessages.badListen(v));
  return [m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1', Number(m[2])];
}
