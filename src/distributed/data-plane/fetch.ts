/**
 * Fetching values from a peer's data server: one `POST /data` per call over a keep-alive agent,
 * signed with proof of the cluster key (`auth.ts`; the key itself never travels), the response
 * decoded as it arrives (`reader.ts`), each large typed array read straight into a fresh buffer of
 * its own. Nothing is decoded before the server proved it holds the key (the response's proof)
 * and the section holding it passed its tag, so a server that does not hold the key can make
 * this side accept nothing, and deserialize nothing it sent.
 *
 * Failure kinds, so callers can act on them:
 * - PeerUnreachableError: refused, reset, no bytes for `timeoutMs`, or a body without its end frame
 *   (the peer died mid-stream): treat the keys as missing and recompute them.
 * - DataPlaneError: the peer answered but not with data (401: it refused this side's proof; no
 *   proof of its own or a failed tag; a malformed stream; a value it could not look up or
 *   encode): recomputing would not help.
 * - The signal's reason, when the caller aborted.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { DataPlaneError, OptionError, PeerUnreachableError, dataPlaneMessages } from '../../errors.ts';
import { sameMac, type Secret } from '../secret.ts';
import { dataKey, responseProof, SectionMac, signRequest } from './auth.ts';
import { PREFIX_BYTES, decodeHeader, parseArrowLengths, parsePrefix } from './encode.ts';
import { FRAME_BYTES, FrameKind, parseFrameHead } from './frames.ts';
import { BadTag, ChunkReader, Truncated, chunksOf } from './reader.ts';

/** One agent for the process: connections to each peer are reused (idle ones do not keep Node alive). */
const agent = new Agent({ keepAlive: true, keepAliveMsecs: 10_000 });

export interface FetchOptions {
  signal?: AbortSignal;
  /** Give up (PeerUnreachableError) after this long without a byte from the peer. Default 60 s. */
  timeoutMs?: number;
}

export interface FetchResult {
  values: Map<string, unknown>;
  /** Keys the peer does not hold. */
  missing: string[];
}

/**
 * Fetch `keys` from the data server at `address`, proving this side holds `secret` (the cluster secret).
 * @example
 * const { values, missing } = await fetchValues('http://10.0.0.5:8788', ['x-0', 'x-1'], new Secret(process.env.SHOAL_TOKEN!));
 */
export async function fetchValues(address: string, keys: string[], secret: Secret, opts: FetchOptions = {}): Promise<FetchResult> {
  const url = parseAddress(address);
  const unique = [...new Set(keys)];
  if (unique.length === 0) return { values: new Map(), missing: [] };
  opts.signal?.throwIfAborted();
  const key = dataKey(secret);
  for (let tries = 1; ; tries++) {
    try {
      return await attempt(url, address, unique, key, opts);
    } catch (e) {
      // A kept-alive socket the server closed just as it was reused (Node's documented race): the
      // request only reads, so it is retried on another connection, a few times at most.
      if (!(e instanceof StaleSocket)) throw e;
      if (tries === 3) throw new PeerUnreachableError(address, 'connection reset', { cause: e.cause });
    }
  }
}

function parseAddress(address: string): URL {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new OptionError(dataPlaneMessages.badAddress(address));
  }
  if (url.protocol !== 'http:' || !url.hostname) throw new OptionError(dataPlaneMessages.badAddress(address));
  return url;
}

class StaleSocket extends Error {}

async function attempt(url: URL, address: string, keys: string[], key: Secret, opts: FetchOptions): Promise<FetchResult> {
  const body = Buffer.from(JSON.stringify(keys), 'utf8');
  const timeoutMs = opts.timeoutMs ?? 60_000;
  // The Host is set here, so the MAC covers exactly what is sent.
  const signed = signRequest(key, 'POST', url.host, '/data', body);
  const req = request({
    agent,
    protocol: 'http:',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port || 80,
    method: 'POST',
    path: '/data',
    headers: { host: url.host, ...signed.headers, 'content-type': 'application/json', 'content-length': body.byteLength },
  });
  const unreachable = (detail: string, cause?: unknown) => new PeerUnreachableError(address, detail, { cause });
  const onAbort = () => req.destroy(opts.signal!.reason instanceof Error ? opts.signal!.reason : new Error(String(opts.signal!.reason)));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  req.setTimeout(timeoutMs, () => req.destroy(unreachable(`no answer for ${timeoutMs} ms`)));
  try {
    let res: IncomingMessage;
    try {
      res = await new Promise<IncomingMessage>((resolve, reject) => {
        req.once('response', resolve);
        req.once('error', reject);
        req.end(body);
      });
    } catch (e) {
      req.destroy();
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (e instanceof PeerUnreachableError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) throw new StaleSocket('stale socket', { cause: e });
      throw unreachable(code ?? (e as Error).message, e);
    }
    try {
      if (res.statusCode !== 200) {
        const text = (await readText(res)).trim();
        if (res.statusCode === 401) throw new DataPlaneError(address, dataPlaneMessages.unauthorized(address, text), { status: 401 });
        throw new DataPlaneError(address, dataPlaneMessages.badStatus(address, res.statusCode ?? 0, text), { status: res.statusCode });
      }
      // Not a byte of the body is read before the server proved it holds the key.
      const proof = responseProof(key, signed.tag, 200);
      const claimed = res.headers['x-shoal-proof'];
      if (typeof claimed !== 'string' || !sameMac(Buffer.from(claimed, 'base64url'), proof)) {
        throw new DataPlaneError(address, dataPlaneMessages.noProof(address), { status: 200 });
      }
      return await readFrames(new ChunkReader(chunksOf(res), new SectionMac(key, proof)), address, keys);
    } catch (e) {
      res.destroy();
      req.destroy();
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (e instanceof PeerUnreachableError || e instanceof DataPlaneError) throw e;
      if (e instanceof BadTag) throw new DataPlaneError(address, dataPlaneMessages.badTag(address), { cause: e });
      if (e instanceof Truncated) throw unreachable('the response was cut short (the peer stopped mid-stream)', e);
      throw unreachable((e as NodeJS.ErrnoException).code ?? (e as Error).message, e);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

async function readFrames(r: ChunkReader, address: string, keys: string[]): Promise<FetchResult> {
  const values = new Map<string, unknown>();
  const missing: string[] = [];
  const malformed = (detail: string) => new DataPlaneError(address, dataPlaneMessages.malformed(address, detail));
  for (let frames = 0; ; ) {
    const head = parseFrameHead(await r.read(FRAME_BYTES));
    if (!head) throw malformed('bad frame header');
    if (head.kind === FrameKind.End) {
      await r.checkTag();
      if (head.n !== frames || frames !== keys.length) throw malformed(`${frames} frames for ${keys.length} keys`);
      if (!(await r.atEnd())) throw malformed('bytes after the end frame');
      return { values, missing };
    }
    const key = keys[head.index];
    if (key === undefined) throw malformed(`frame for key #${head.index} of ${keys.length}`);
    frames++;
    if (head.kind === FrameKind.Missing) {
      await r.checkTag();
      missing.push(key);
    } else if (head.kind === FrameKind.Error) {
      const msg = Buffer.from(await r.read(head.n)).toString('utf8');
      await r.checkTag();
      throw new DataPlaneError(address, dataPlaneMessages.remoteValue(address, key, msg), { key });
    } else values.set(key, await readValue(r, address));
  }
}

/** One encoded value (`encode.ts`), read from the stream; decoded only once its structure's tag matched. */
async function readValue(r: ChunkReader, address: string): Promise<unknown> {
  const { headerLength, arrowCount } = parsePrefix(await r.read(PREFIX_BYTES), address);
  const arrowLengths = parseArrowLengths(await r.read(8 * arrowCount), arrowCount);
  // The header is deserialized after the stream's next bytes are read: copy it out of the chunk.
  const header = Buffer.from(await r.read(headerLength));
  const blobs: Uint8Array[] = [];
  for (const n of arrowLengths) {
    const blob = new Uint8Array(n); // its own buffer: Arrow's views over it need alignment
    await r.readInto(blob);
    blobs.push(blob);
  }
  await r.checkTag();
  let decoded: ReturnType<typeof decodeHeader>;
  try {
    decoded = decodeHeader(header, blobs);
  } catch (e) {
    throw new DataPlaneError(address, dataPlaneMessages.malformed(address, (e as Error).message), { cause: e });
  }
  const { value, fills } = decoded;
  for (const f of fills) await r.readInto(f);
  await r.checkTag();
  return value;
}

async function readText(res: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of res) {
    s += (c as Buffer).toString('utf8');
    if (s.length > 1000) break;
  }
  return s.slice(0, 1000);
}
