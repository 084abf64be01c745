/**
 * Turning field text into typed values, shared by the fast byte tokenizer (for the fields it does
 * not parse itself: quoted, unusual numbers, dates) and the papaparse path, so both produce the
 * same values. Also the per-column builders both paths write into.
 */
import { allocArray, arrayTypeOf, type Column, type Dtype } from './csv-columns.ts';

/** pandas' default strings read as null (plus the empty field). */
export const DEFAULT_NULLS: readonly string[] = ['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null'];

const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT_RE = /^[+-]?\d+$/;
const INF_RE = /^[+-]?(inf|Infinity)$/i;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A float64 from text, or undefined when the text is not a number. */
export function textToFloat(s: string): number | undefined {
  if (FLOAT_RE.test(s)) return Number(s);
  if (INF_RE.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return undefined;
}

/** An int32 from text, or undefined when it is not a whole number in range. */
export function textToInt(s: string): number | undefined {
  if (!INT_RE.test(s)) return undefined;
  const v = Number(s);
  return v >= -2147483648 && v <= 2147483647 ? v : undefined;
}

/** 1/0 from true/false text (any of true, True, TRUE), or undefined. */
export function textToBool(s: string): number | undefined {
  if (s === 'true' || s === 'True' || s === 'TRUE') return 1;
  if (s === 'false' || s === 'False' || s === 'FALSE') return 0;
  return undefined;
}

/**
 * Milliseconds since the epoch for an ISO-8601 date or date-time. Times without a zone are read
 * as UTC (not local time, unlike `Date.parse`), so results never depend on the machine's zone.
 * Other formats go through `Date.parse`. Undefined when unparseable.
 * @example
 * textToDate('2012-01-02'); // 1325462400000
 */
export function textToDate(s: string): number | undefined {
  const m = ISO_RE.exec(s);
  if (m) {
    const ms = m[7] ? Math.floor(Number(m[7].padEnd(3, '0').slice(0, 3))) : 0;
    let t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, ms);
    const z = m[8];
    if (z && z !== 'Z') {
      const sign = z[0] === '-' ? -1 : 1;
      const digits = z.slice(1).replace(':', '');
      t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
    return Number.isNaN(t) ? undefined : t;
  }
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** The dtype to suggest when `s` does not fit a column: float64 for numbers, else string. */
export function suggestDtype(s: string): Dtype {
  return textToFloat(s) !== undefined ? 'float64' : 'string';
}

/** Dictionary of strings, interned by their UTF-8 bytes so the tokenizer creates a JS string once per distinct value. */
export class Interner {
  readonly strings: string[] = [];
  private byString = new Map<string, number>();
  // Public so the tokenizer's hot path (`codeOf`) reads them without getters.
  slots: Int32Array = new Int32Array(1024).fill(-1);
  hashes: Int32Array = new Int32Array(512);
  starts: Int32Array = new Int32Array(512);
  lens: Int32Array = new Int32Array(512);
  store: Uint8Array = new Uint8Array(1 << 14);
  /** 1 for codes whose string is a null marker (so the tokenizer tests one byte per row). */
  nullCode: Uint8Array = new Uint8Array(512);
  private used = 0;
  private readonly nulls: ReadonlySet<string>;

  constructor(nulls: ReadonlySet<string> = new Set()) {
    this.nulls = nulls;
  }

  /** The code of `s` (text from a slow path). */
  internString(s: string): number {
    let code = this.byString.get(s);
    if (code === undefined) {
      const bytes = Buffer.from(s, 'utf8');
      code = this.internBytes(bytes, 0, bytes.length, hashBytes(bytes, 0, bytes.length));
    }
    return code;
  }

  /**
   * The code of the UTF-8 bytes `data[s, e)` whose hash is `h`: the tokenizer's per-field lookup.
   * The common case (the value was seen before and sits in its first slot) is checked here, small
   * enough for V8 to inline into the tokenizer's loops; anything else goes to `internBytes`.
   */
  codeOf(data: Uint8Array, s: number, e: number, h: number): number {
    const code = this.slots[h & (this.slots.length - 1)]!;
    const len = e - s;
    if (code < 0 || this.hashes[code] !== h || this.lens[code] !== len) return this.internBytes(data, s, e, h);
    const store = this.store;
    const at = this.starts[code]!;
    for (let j = 0; j < len; j++) {
      if (store[at + j] !== data[s + j]) return this.internBytes(data, s, e, h);
    }
    return code;
  }

  /** The code of the UTF-8 bytes `data[s, e)` whose hash is `h` (see `hashBytes`). */
  internBytes(data: Uint8Array, s: number, e: number, h: number): number {
    const len = e - s;
    const mask = this.slots.length - 1;
    let i = h & mask;
    for (;;) {
      const code = this.slots[i]!;
      if (code < 0) break;
      if (this.hashes[code] === h && this.lens[code] === len) {
        const at = this.starts[code]!;
        let same = true;
        for (let k = 0; k < len; k++) {
          if (this.store[at + k] !== data[s + k]) {
            same = false;
            break;
          }
        }
        if (same) return code;
      }
      i = (i + 1) & mask;
    }
    const code = this.strings.length;
    const str = Buffer.from(data.buffer, data.byteOffset + s, len).toString('utf8');
    this.strings.push(str);
    this.byString.set(str, code);
    if (code >= this.hashes.length) {
      this.hashes = grow(this.hashes, code * 2);
      this.starts = grow(this.starts, code * 2);
      this.lens = grow(this.lens, code * 2);
      const nc = new Uint8Array(code * 2);
      nc.set(this.nullCode);
      this.nullCode = nc;
    }
    this.nullCode[code] = this.nulls.has(str) ? 1 : 0;
    if (this.used + len > this.store.length) {
      const next = new Uint8Array(Math.max(this.store.length * 2, this.used + len));
      next.set(this.store.subarray(0, this.used));
      this.store = next;
    }
    this.store.set(data.subarray(s, e), this.used);
    this.hashes[code] = h;
    this.starts[code] = this.used;
    this.lens[code] = len;
    this.used += len;
    this.slots[i] = code;
    if (this.strings.length * 2 > this.slots.length) this.rehash();
    return code;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let code = 0; code < this.strings.length; code++) {
      let i = this.hashes[code]! & mask;
      while (slots[i]! >= 0) i = (i + 1) & mask;
      slots[i] = code;
    }
    this.slots = slots;
  }
}

function grow(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(Math.max(n, 16));
  b.set(a);
  return b;
}

/** The hash the tokenizer computes while scanning a string field. */
export function hashBytes(data: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5 | 0;
  for (let k = s; k < e; k++) h = Math.imul(h ^ data[k]!, 16777619);
  return h;
}

/** Values of one output column while a block is parsed. */
export class ColumnBuilder {
  readonly dtype: Dtype;
  values: Float64Array | Int32Array | Uint8Array;
  valid: Uint8Array | undefined;
  readonly interner: Interner | undefined;
  private capacity: number;

  constructor(dtype: Dtype, capacity: number, nulls?: ReadonlySet<string>) {
    this.dtype = dtype;
    this.capacity = capacity;
    this.values = allocArray(arrayTypeOf(dtype) as never, capacity) as Float64Array;
    this.interner = dtype === 'string' ? new Interner(nulls) : undefined;
  }

  /** Make room for `n` rows (the tokenizer calls this once per piece, never per row). */
  ensure(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.max(n, Math.ceil(this.capacity * 1.5));
    const values = allocArray(arrayTypeOf(this.dtype) as never, cap) as Float64Array;
    values.set(this.values as Float64Array);
    this.values = values;
    if (this.valid) {
      const valid = allocArray(Uint8Array, cap);
      valid.set(this.valid);
      valid.fill(1, this.capacity);
      this.valid = valid;
    }
    this.capacity = cap;
  }

  setNull(row: number): void {
    if (!this.valid) {
      this.valid = allocArray(Uint8Array, this.capacity);
      this.valid.fill(1);
    }
    this.valid[row] = 0;
    this.values[row] = 0;
  }

  /** Store text (not null); false when it does not fit the column's dtype. */
  setText(row: number, s: string): boolean {
    let v: number | undefined;
    switch (this.dtype) {
      case 'float64':
        v = textToFloat(s);
        break;
      case 'int32':
        v = textToInt(s);
        break;
      case 'bool':
        v = textToBool(s);
        break;
      case 'date':
        v = textToDate(s);
        break;
      case 'string':
        v = this.interner!.internString(s);
        break;
    }
    if (v === undefined) return false;
    this.values[row] = v;
    if (this.valid) this.valid[row] = 1;
    return true;
  }

  /** Mark a row valid after the tokenizer wrote its value directly. */
  markValid(row: number): void {
    if (this.valid) this.valid[row] = 1;
  }

  finish(length: number): Column {
    const values = length === this.capacity ? this.values : this.values.subarray(0, length);
    const col: Column = { dtype: this.dtype, values };
    if (this.interner) col.dict = this.interner.strings;
    if (this.valid) col.valid = length === this.capacity ? this.valid : this.valid.subarray(0, length);
    return col;
  }
}
