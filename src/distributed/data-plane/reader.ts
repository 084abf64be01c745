import { sameMac } from '../secret.ts';
import { TAG_BYTES, type SectionMac } from './auth.ts';

/**
 * Exact reads from a stream of chunks (an HTTP response body): `readInto` copies straight into the
 * caller's buffer (a typed array's fresh memory), so a large value is copied once, from the socket's
 * chunks into its final place. With a `SectionMac`, every byte read is fed to it and `checkTag`
 * compares the tag that ends a section (frames.ts).
 */
export class ChunkReader {
  private pending: Buffer | undefined;
  private ended = false;
  constructor(
    private readonly chunks: AsyncIterator<Buffer>,
    private readonly mac?: SectionMac,
  ) {}

  /** Read the tag that ends a section and compare it with the bytes read since the last one; throws `BadTag`. */
  async checkTag(): Promise<void> {
    if (!this.mac) return;
    const want = this.mac.tag();
    const got = await this.readRaw(TAG_BYTES);
    if (!sameMac(got, want)) throw new BadTag();
  }

  /** Fill `dst` completely; throws `Truncated` if the stream ends first. */
  async readInto(dst: Uint8Array): Promise<void> {
    await this.fill(dst, this.mac);
  }

  /** The next `n` bytes (a view of the stream's chunk when it holds them all, else a copy). */
  async read(n: number): Promise<Uint8Array> {
    const b = await this.readRaw(n);
    this.mac?.update(b);
    return b;
  }

  /** Copy the stream's next bytes into `dst`, each piece fed to `mac` as it is copied (while it is in cache). */
  private async fill(dst: Uint8Array, mac?: SectionMac): Promise<void> {
    let filled = 0;
    while (filled < dst.byteLength) {
      const p = this.pending ?? (await this.next());
      const n = Math.min(p.byteLength, dst.byteLength - filled);
      const piece = n === p.byteLength ? p : p.subarray(0, n);
      mac?.update(piece);
      dst.set(piece, filled);
      filled += n;
      this.pending = n === p.byteLength ? undefined : p.subarray(n);
    }
  }

  private async readRaw(n: number): Promise<Uint8Array> {
    const p = this.pending;
    if (p && p.byteLength >= n) {
      this.pending = p.byteLength === n ? undefined : p.subarray(n);
      return p.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    await this.fill(out);
    return out;
  }

  /** True when nothing is left (waits for the stream's end or its next bytes). */
  async atEnd(): Promise<boolean> {
    if (this.pending) return false;
    if (this.ended) return true;
    try {
      this.pending = await this.next();
      return false;
    } catch (e) {
      if (e instanceof Truncated) return true;
      throw e;
    }
  }

  private async next(): Promise<Buffer> {
    for (;;) {
      if (this.ended) throw new Truncated();
      const r = await this.chunks.next();
      if (r.done) {
        this.ended = true;
        throw new Truncated();
      }
      if (r.value.byteLength > 0) return r.value;
    }
  }
}

/** A section's tag did not match its bytes: changed on the way, or not sent by a holder of the key. */
export class BadTag extends Error {
  constructor() {
    super('a section of the response failed its authentication tag');
  }
}

/** The stream ended in the middle of something. */
export class Truncated extends Error {
  constructor() {
    super('the response ended early');
  }
}

/**
 * The chunks of a readable stream, as they arrive. A stream's own async iterator reads in paused
 * mode, where `read()` concatenates whatever is buffered into one new Buffer: an extra copy of
 * every byte. Here each 'data' chunk is handed on as it is, and the stream is paused while more
 * than `highWater` bytes wait to be consumed.
 */
export function chunksOf(stream: NodeJS.ReadableStream & { destroy(): void }, highWater = 1 << 20): AsyncIterator<Buffer> {
  const queue: Buffer[] = [];
  let queued = 0;
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('data', (d: Buffer) => {
    queue.push(d);
    queued += d.byteLength;
    if (queued > highWater) stream.pause();
    signal();
  });
  stream.on('end', () => {
    done = true;
    signal();
  });
  stream.on('error', (e) => {
    failure = e;
    signal();
  });
  stream.on('close', () => {
    done = true;
    signal();
  });
  return {
    async next(): Promise<IteratorResult<Buffer>> {
      for (;;) {
        const d = queue.shift();
        if (d) {
          queued -= d.byteLength;
          if (queued <= highWater && stream.isPaused()) stream.resume();
          return { value: d, done: false };
        }
        if (failure !== undefined) throw failure;
        if (done) return { value: undefined, done: true };
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}
