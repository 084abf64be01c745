/**
 * One value as bytes for the wire: a short prefix, the v8-serialized structure (large typed arrays
 * replaced by placeholders, `schedulers/out-of-band.ts`), the Arrow IPC streams of any Arrow
 * tables/vectors inside it, then the raw bytes of each large typed array, taken from its own memory:
 *
 *   [u32 magic 'SHDV'][u32 header length][u32 arrow count][u32 0][f64 arrow length × count]
 *   [header][arrow IPC stream × count][view bytes × as many as the header has placeholders]
 *
 * The Arrow streams come before the header because the header's deserializer must return each
 * Table where it stands; view bytes come after it because their buffers are allocated while the
 * header is read and then filled in place. No padding: the reader copies into fresh buffers anyway.
 */
import { Table, Vector, tableFromIPC, tableToIPC } from 'apache-arrow';
import { DataPlaneError, dataPlaneMessages } from '../../errors.ts';
import { bytesOf, OutOfBandDeserializer, OutOfBandSerializer, VIEW_MIN } from '../../schedulers/out-of-band.ts';

const MAGIC = 0x56444853; // 'SHDV' little-endian
export const PREFIX_BYTES = 16;

/** A value as a list of byte chunks to write in order (the large ones are the value's own memory). */
export interface EncodedValue {
  chunks: Uint8Array[];
  byteLength: number;
  /** How many chunks at the end are raw typed-array bytes (the rest is the value's structure). */
  outOfBand: number;
}

export interface EncodeOptions {
  /** Typed arrays at least this large go out of band (default 64 KiB); 0 sends every one that way. */
  outOfBandMin?: number;
}

/**
 * Encode a value for the data plane. Typed arrays of at least `outOfBandMin` bytes are not copied:
 * the returned chunks are views of their memory, so the value must not change until they are written.
 * @example
 * const { chunks, byteLength } = encodeValue({ x: new Float64Array(1e6) });
 * for (const c of chunks) socket.write(c);
 */
export function encodeValue(value: unknown, opts: EncodeOptions = {}): EncodedValue {
  const arrow = swapArrow(value);
  const ser = new OutOfBandSerializer(opts.outOfBandMin ?? VIEW_MIN, arrow.tagged);
  ser.writeHeader();
  ser.writeValue(arrow.value);
  const header = ser.releaseBuffer();
  const prefix = Buffer.alloc(PREFIX_BYTES + 8 * arrow.blobs.length);
  prefix.writeUInt32LE(MAGIC, 0);
  prefix.writeUInt32LE(header.byteLength, 4);
  prefix.writeUInt32LE(arrow.blobs.length, 8);
  arrow.blobs.forEach((b, i) => prefix.writeDoubleLE(b.byteLength, PREFIX_BYTES + 8 * i));
  const chunks: Uint8Array[] = [prefix, header, ...arrow.blobs];
  const structure = chunks.length;
  for (const v of ser.views) if (v.byteLength > 0) chunks.push(bytesOf(v));
  let byteLength = 0;
  for (const c of chunks) byteLength += c.byteLength;
  return { chunks, byteLength, outOfBand: chunks.length - structure };
}

/** What the fixed prefix says follows it. */
export interface Prefix {
  headerLength: number;
  arrowCount: number;
}

/** Read the fixed 16-byte prefix (`what` names the source in errors). */
export function parsePrefix(b: Uint8Array, what: string): Prefix {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.byteLength < PREFIX_BYTES || buf.readUInt32LE(0) !== MAGIC) throw new DataPlaneError(what, dataPlaneMessages.notData('bad magic number'));
  return { headerLength: buf.readUInt32LE(4), arrowCount: buf.readUInt32LE(8) };
}

/** The Arrow stream lengths that follow the prefix. */
export function parseArrowLengths(b: Uint8Array, count: number): number[] {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return Array.from({ length: count }, (_, i) => buf.readDoubleLE(8 * i));
}

/**
 * Deserialize a header whose Arrow streams are `blobs` (each in a buffer of its own). Returns the
 * value and the buffers of its out-of-band views, which the caller fills, in order, before use.
 */
export function decodeHeader(header: Uint8Array, blobs: Uint8Array[]): { value: unknown; fills: Uint8Array[] } {
  const untag = (n: number) => {
    const blob = blobs[n >> 1];
    if (!blob) throw new TypeError(`Arrow stream ${n >> 1} is not in the value`);
    const t = tableFromIPC(blob);
    return n & 1 ? t.getChild('v') : t;
  };
  const de = new OutOfBandDeserializer(Buffer.from(header.buffer, header.byteOffset, header.byteLength), untag);
  de.readHeader();
  const value = de.readValue();
  return { value, fills: de.fills };
}

/**
 * Decode a value from the bytes `encodeValue` produced (one buffer, or its chunks). Typed arrays
 * come back with their own type over fresh ArrayBuffers; Arrow tables and vectors as such.
 * @example
 * const { chunks } = encodeValue(new Int32Array([1, 2, 3]));
 * decodeValue(chunks); // Int32Array [1, 2, 3]
 */
export function decodeValue(bytes: Uint8Array | Uint8Array[]): unknown {
  const b = Array.isArray(bytes) ? Buffer.concat(bytes) : bytes;
  let pos = 0;
  const take = (n: number) => {
    if (pos + n > b.byteLength) throw new DataPlaneError('value', dataPlaneMessages.notData(`truncated at byte ${b.byteLength} (needs ${pos + n})`));
    const s = b.subarray(pos, pos + n);
    pos += n;
    return s;
  };
  const { headerLength, arrowCount } = parsePrefix(take(PREFIX_BYTES), 'value');
  const arrowLengths = parseArrowLengths(take(8 * arrowCount), arrowCount);
  const header = take(headerLength);
  // Copied so that each Arrow stream starts aligned (Arrow's views over it need 8-byte alignment).
  const blobs = arrowLengths.map((n) => take(n).slice());
  const { value, fills } = decodeHeader(header, blobs);
  for (const f of fills) f.set(take(f.byteLength));
  return value;
}

// ---- Arrow tables and vectors inside a value ----

interface Swapped {
  value: unknown;
  /** marker → tag (2 × stream index, + 1 for a vector) */
  tagged: Map<object, number>;
  blobs: Uint8Array[];
}

/**
 * Replace each Arrow Table/Vector in `value` with a marker (an empty Uint8Array, which v8 hands to
 * the serializer's host-object hook, where its tag is written), serializing it as an Arrow IPC
 * stream. Containers are copied only along the paths that lead to one, so values without Arrow
 * objects (nearly all) are returned as they are. A cycle through a container holding a Table keeps
 * pointing at the original container.
 */
function swapArrow(value: unknown): Swapped {
  const out: Swapped = { value, tagged: new Map(), blobs: [] };
  const seen = new Map<object, unknown>();
  const visit = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
    const known = seen.get(v);
    if (known !== undefined) return known;
    seen.set(v, v);
    let r: unknown = v;
    if (v instanceof Table || v instanceof Vector) {
      const table = v instanceof Table ? v : new Table({ v });
      const marker = new Uint8Array(0);
      out.tagged.set(marker, 2 * out.blobs.length + (v instanceof Table ? 0 : 1));
      out.blobs.push(tableToIPC(table, 'stream'));
      r = marker;
    } else if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (x === null || typeof x !== 'object') continue;
        const y = visit(x);
        if (y !== x) (copy ??= v.slice())[i] = y;
      }
      if (copy) r = copy;
    } else if (v instanceof Map) {
      let changed = false;
      const entries = [...v].map(([k, x]) => {
        const kk = visit(k);
        const y = visit(x);
        if (kk !== k || y !== x) changed = true;
        return [kk, y] as const;
      });
      if (changed) r = new Map(entries);
    } else if (v instanceof Set) {
      const items = [...v];
      const swapped = items.map(visit);
      if (swapped.some((y, i) => y !== items[i])) r = new Set(swapped);
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) {
        let copy: Record<string, unknown> | undefined;
        for (const k of Object.keys(v)) {
          const x = (v as Record<string, unknown>)[k];
          if (x === null || typeof x !== 'object') continue;
          const y = visit(x);
          if (y !== x) (copy ??= { ...(v as Record<string, unknown>) })[k] = y;
        }
        if (copy) r = copy;
      }
    }
    seen.set(v, r);
    return r;
  };
  out.value = visit(value);
  return out;
}
