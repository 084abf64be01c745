/**
 * Bulk instruction batches (scattered data, big graph literals) never go through Redis: the
 * client keeps their bytes under a one-shot key on its own data server and the job carries only
 * `{ ref, at, d }`, sealed with the job key (codec.ts), so a worker fetches only from an address
 * the client signed, proving it holds the secret, and checks the bytes against the sealed digest
 * before it decodes them (worker-session.ts). A worker on another machine cannot reach a client
 * bound to loopback: its batches then go through Redis, with a warning that names the `listen`
 * option.
 */
import { hostname } from 'node:os';
import { serialize } from 'node:v8';
import { OptionError, redisMessages } from '../../errors.ts';
import { isLoopback } from '../host-check.ts';
import type { Secret } from '../secret.ts';
import type { JobSealer, Packed } from './codec.ts';
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
    private readonly loopback: boolean,
  ) {}

  /**
   * Serve on `listen` ('host:port'), for holders of the cluster secret.
   * @example
   * const bulk = await BulkServer.start('127.0.0.1:0', keys.secret, session);
   * const job = bulk.pack(items, true, sealer);   // { ref, at, d, … } when large, { b, … } otherwise
   */
  static async start(listen: string, secret: Secret, prefix: string): Promise<BulkServer> {
    const [host, port] = splitListen(listen);
    let self: BulkServer | undefined;
    const server = await startDataServer({
      host,
      port,
      secret,
      lookup: (k) => self?.blobs.get(k),
    });
    self = new BulkServer(server, prefix, isLoopback(host));
    return self;
  }

  /** The job data for a batch: a reference when it is large and `reachable`, else the bytes. */
  pack(items: unknown, reachable: boolean, sealer: JobSealer): Packed {
    const bytes = serialize(items);
    if (bytes.length > BULK_BYTES && reachable) {
      const ref = `batch-${this.prefix}-${this.next++}`;
      const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      this.blobs.set(ref, u8);
      // Fetched once by its worker, right away; kept a while so a fetch retried on a fresh
      // connection still finds it, then dropped (a worker lost before fetching never will).
      setTimeout(() => this.blobs.delete(ref), BLOB_TTL_MS).unref();
      this.sent.httpBytes += bytes.length;
      return sealer.ref(ref, this.server.address, u8);
    }
    this.sent.redisBytes += bytes.length;
    return sealer.inline(bytes);
  }

  /** Can a worker on `host` fetch from here? (a loopback address: only from this machine) */
  reaches(host: string, workerName: string): boolean {
    if (!this.loopback || host === hostname()) return true;
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
