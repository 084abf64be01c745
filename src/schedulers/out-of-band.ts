/**
 * v8 serialization with large typed arrays kept **out of band**: the serializer writes a small
 * placeholder (type and byte length) where a large view would be, and lists the views so the caller
 * writes their bytes after the header straight from their own memory (a file: `bulk.ts`; a socket:
 * `distributed/data-plane`). The deserializer allocates a fresh buffer for each placeholder and
 * lists them (`fills`) in the same order, for the caller to fill from wherever the bytes are; the
 * values it returns already point at those buffers, so no copy happens after the fill.
 *
 * Node's serializers call `_writeHostObject` / `_readHostObject` for every typed array and
 * DataView; small views are written inline in Node's own format (type, length, bytes).
 * Callers may also give objects of their own a numbered tag (`tagged`): such an object is written
 * as `TAGGED + n` and read back as whatever `untag(n)` returns (the data plane's Arrow tables).
 */
import { DefaultDeserializer, DefaultSerializer } from 'node:v8';

/** Views at least this large go out of band by default. */
export const VIEW_MIN = 64 * 1024;
const PLACEHOLDER = 0x100; // + the view's type index
const TAGGED = 0x200;

// The typed-array constructors in the order Node's own serializer numbers them (10: Buffer).
export const VIEW_TYPES = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  DataView,
  Buffer,
  BigInt64Array,
  BigUint64Array,
] as const;

function typeIndex(v: ArrayBufferView): number {
  if (v.constructor === Buffer) return 10;
  for (let i = 0; i < VIEW_TYPES.length; i++) if (i !== 10 && v instanceof VIEW_TYPES[i]!) return i;
  return -1;
}

/**
 * A v8 serializer that leaves views of at least `minOutOfBand` bytes out of the serialized bytes
 * and collects them in `views` (in the order the deserializer will ask for them).
 * @example
 * const s = new OutOfBandSerializer(); s.writeHeader(); s.writeValue({ a: new Float64Array(1e6) });
 * const header = s.releaseBuffer(); // small; s.views[0] is the Float64Array, to be written after it
 */
export class OutOfBandSerializer extends DefaultSerializer {
  readonly views: ArrayBufferView[] = [];
  constructor(
    private readonly minOutOfBand = VIEW_MIN,
    private readonly tagged?: ReadonlyMap<object, number>,
  ) {
    super();
  }
  _writeHostObject(v: ArrayBufferView): void {
    const tag = this.tagged?.get(v);
    if (tag !== undefined) {
      this.writeUint32(TAGGED);
      this.writeUint32(tag);
      return;
    }
    const type = typeIndex(v);
    if (type < 0) throw new TypeError(`cannot serialize ${Object.prototype.toString.call(v)}`);
    if (v.byteLength < this.minOutOfBand) {
      this.writeUint32(type);
      this.writeUint32(v.byteLength);
      this.writeRawBytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return;
    }
    this.writeUint32(PLACEHOLDER + type);
    this.writeDouble(v.byteLength);
    this.views.push(v);
  }
}

/**
 * The reading side: each out-of-band view comes back over a new, uninitialized buffer of its own
 * (offset 0, so aligned for its type), listed in `fills`; the caller must fill every one of them
 * completely before handing the value out.
 * @example
 * const d = new OutOfBandDeserializer(header); d.readHeader(); const value = d.readValue();
 * for (const f of d.fills) readInto(f); // the bytes written after the header, in order
 */
export class OutOfBandDeserializer extends DefaultDeserializer {
  readonly fills: Uint8Array[] = [];
  constructor(
    buffer: Buffer,
    private readonly untag?: (tag: number) => unknown,
  ) {
    super(buffer);
  }
  _readHostObject(): unknown {
    const tag = this.readUint32();
    if (tag === TAGGED) {
      const n = this.readUint32();
      if (!this.untag) throw new TypeError(`unexpected tagged object ${n} in serialized value`);
      return this.untag(n);
    }
    if (tag < PLACEHOLDER) {
      // A small view, inline: type, length, bytes. Copied into a buffer of its own.
      const Ctor = VIEW_TYPES[tag];
      if (!Ctor) throw new TypeError(`unknown view type ${tag} in serialized value`);
      const length = this.readUint32();
      const own = new Uint8Array(length);
      own.set(this.readRawBytes(length));
      return viewOver(Ctor, own.buffer, length);
    }
    const Ctor = VIEW_TYPES[tag - PLACEHOLDER];
    if (!Ctor) throw new TypeError(`unknown view type ${tag} in serialized value`);
    const length = this.readDouble();
    // Uninitialized memory (every byte is filled by the caller), reused by malloc where it can be.
    const buf = Buffer.allocUnsafeSlow(length);
    this.fills.push(buf);
    return Ctor === Buffer ? buf : viewOver(Ctor, buf.buffer, length);
  }
}

function viewOver(Ctor: (typeof VIEW_TYPES)[number], ab: ArrayBufferLike, length: number): ArrayBufferView {
  if (Ctor === Buffer) return Buffer.from(ab, 0, length);
  if (Ctor === DataView) return new DataView(ab, 0, length);
  const C = Ctor as Float64ArrayConstructor;
  return new C(ab, 0, length / C.BYTES_PER_ELEMENT);
}

/** The bytes of a view, as a Uint8Array over the same memory (no copy). */
export function bytesOf(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}
