/**
 * A stand-in for src/distributed/data-plane (being written on the redis-data branch) with the
 * same interface, so this backend works before that lands; `data.ts` switches to the real one.
 * POST /values with the token as a bearer; body and answer are v8-serialized.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { deserialize, serialize } from 'node:v8';
import { ShoalError, redisMessages } from '../../errors.ts';

export interface DataServerOptions {
  host: string;
  port: number;
  token: string;
  lookup(key: string): unknown | undefined | Promise<unknown | undefined>;
}
export interface DataServer {
  readonly address: string;
  close(): Promise<void>;
}

export class PeerUnreachableError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SHOAL_WORKER_DIED', message, options);
  }
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export async function startDataServer(opts: DataServerOptions): Promise<DataServer> {
  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${opts.token}`) {
      res.writeHead(401).end('the cluster token is missing or wrong');
      return;
    }
    void body(req).then(async (b) => {
      try {
        const keys = deserialize(b) as string[];
        const values: Array<[string, unknown]> = [];
        const missing: string[] = [];
        for (const k of keys) {
          const v = await opts.lookup(k);
          if (v === undefined) missing.push(k);
          else values.push([k, v]);
        }
        const out = serialize({ values, missing });
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': out.length }).end(out);
      } catch (e) {
        res.writeHead(500).end(String((e as Error).message));
      }
    }, () => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const a = server.address() as { address: string; port: number };
  const host = a.address.includes(':') ? `[${a.address}]` : a.address;
  return {
    address: `http://${host}:${a.port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export async function fetchValues(address: string, keys: string[], token: string, opts: { signal?: AbortSignal } = {}): Promise<{ values: Map<string, unknown>; missing: string[] }> {
  let res: Response;
  try {
    res = await fetch(`${address}/values`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: serialize(keys), signal: opts.signal });
  } catch (e) {
    throw new PeerUnreachableError(redisMessages.peerUnreachable(address, (e as Error).message), { cause: e });
  }
  if (res.status !== 200) throw new ShoalError('ERR_SHOAL_REDIS', redisMessages.dataServerStatus(address, res.status, await res.text()));
  const r = deserialize(Buffer.from(await res.arrayBuffer())) as { values: Array<[string, unknown]>; missing: string[] };
  return { values: new Map(r.values), missing: r.missing };
}
