/**
 * The body of a `POST /data` response: one frame per requested key, in request order, then an end
 * frame. Every frame starts with 16 bytes:
 *
 *   [u32 magic 'SHDF'][u32 kind][u32 key index][u32 n]
 *
 * - VALUE: an encoded value follows (`encode.ts`), in two sections: its structure (prefix, v8
 *   header, Arrow streams), then the raw bytes of its large typed arrays;
 * - MISSING: the server does not hold the key;
 * - ERROR: `n` bytes of UTF-8 follow, why the server could not send the value;
 * - END: `n` is the number of key frames sent. A body without it was cut short (the peer died).
 *
 * A 32-byte tag (`auth.ts`, `SectionMac`) ends every section: after a VALUE's structure and after
 * its raw bytes, after a MISSING head, after an ERROR's text, after the END head. The fetcher
 * deserializes a value's structure only after its tag matched, and hands a value on only after the
 * tag of its raw bytes matched:
 *
 *   VALUE   [head][prefix][header][arrow…][tag][view bytes…][tag]
 *   MISSING [head][tag]      ERROR [head][text][tag]      END [head][tag]
 */
export const FRAME_BYTES = 16;
const MAGIC = 0x46444853; // 'SHDF' little-endian

export const FrameKind = { Value: 1, Missing: 2, Error: 3, End: 4 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export interface Frame {
  kind: FrameKind;
  index: number;
  n: number;
}

/** The 16 bytes that start a frame. */
export function frameHead(kind: FrameKind, index: number, n = 0): Buffer {
  const b = Buffer.alloc(FRAME_BYTES);
  b.writeUInt32LE(MAGIC, 0);
  b.writeUInt32LE(kind, 4);
  b.writeUInt32LE(index, 8);
  b.writeUInt32LE(n, 12);
  return b;
}

/** Parse a frame head; null when the bytes are not one. */
export function parseFrameHead(b: Uint8Array): Frame | null {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.readUInt32LE(0) !== MAGIC) return null;
  const kind = buf.readUInt32LE(4);
  if (kind < FrameKind.Value || kind > FrameKind.End) return null;
  return { kind: kind as FrameKind, index: buf.readUInt32LE(8), n: buf.readUInt32LE(12) };
}
