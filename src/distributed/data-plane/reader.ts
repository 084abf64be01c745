/**
 * Exact reads from a stream of chunks (an HTTP response body): `readInto` copies straight into the
 * caller's buffer (a typed array's fresh memory), so a large value is copied once, from the socket's
 * chunks into its final place.
 */
export class ChunkReader {
  private pending: Buffer | undefined;
  private ended = false;
  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  /** Fill `dst` completely; throws `Truncated` if the stream ends first. */
  async readInto(dst: Uint8Array): Promise<void> {
    let filled = 0;
    while (filled < dst.byteLength) {
      const p = this.pending ?? (await this.next());
      const n = Math.min(p.byteLength, dst.byteLength - filled);
      dst.set(n === p.byteLength ? p : p.subarray(0, n), filled);
      filled += n;
      this.pending = n === p.byteLength ? undefined : p.subarray(n);
    }
  }

  /** The next `n` bytes (a view of the stream's chunk when it holds them all, else a copy). */
  async read(n: number): Promise<Uint8Array> {
    const p = this.pending;
    if (p && p.byteLength >= n) {
      this.pending = p.byteLength === n ? undefined : p.subarray(n);
      return p.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    await this.readInto(out);
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

/** The stream ended in the middle of something. */
export class Truncated extends Error {
  constructor() {
    super('the response ended early');
  }
}
