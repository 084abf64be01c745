/**
 * The fast CSV path: a byte-level tokenizer that parses one block (UTF-8, a one-byte delimiter,
 * double quotes with `""` escapes, LF or CRLF line ends, an optional BOM) straight into typed
 * columns. Fields of columns the query does not use are skipped without being decoded; numbers are
 * parsed from their bytes (fused decimal parsing: digits accumulate into an integer divided once by
 * a power of ten, which is exact, i.e. identical to `Number(text)`, for up to 15 significant digits;
 * longer numbers, exponents and quoted fields go through the shared text conversion); strings are
 * interned by their bytes, so a JS string is created once per distinct value. No per-row objects.
 */
import { lineNumberAt } from './blocks.ts';
import type { Columns, Dtype } from './csv-columns.ts';
import { ColumnBuilder, suggestDtype } from './csv-convert.ts';
import { ShoalError, messages } from '../errors.ts';
import { assertUtf8, type EncodingErrors } from './utf8.ts';

/** How to parse the blocks of one CSV data set (plain data: it travels in task arguments). */
export interface CsvParseSpec {
  /** Every column of the files, in file order. */
  names: string[];
  /** The dtype of each column of `names`. */
  dtypes: Dtype[];
  /** The columns to produce, in output order (a subset of `names`). */
  keep: string[];
  delimiter: string;
  nullValues: string[];
  /** Whether each file starts with a header line. */
  header: boolean;
  onBadLines: 'error' | 'skip' | 'warn';
  /** Where each column's dtype came from, for error messages ('inferred' or 'given'). */
  dtypeSource?: Record<string, 'inferred' | 'given'>;
  /** Bytes used to infer dtypes (for the error message). */
  sampleBytes?: number;
  /** Bytes read at a time within a block (default 1 MiB, `PIECE` in csv-read.ts; small values are for tests). */
  pieceBytes?: number;
  /** Bytes that are not UTF-8: an error (default 'strict') or U+FFFD ('replace'). */
  encodingErrors?: EncodingErrors;
}

/** Where a block's bytes come from (for `file:line` errors and header handling). */
export interface BlockWhere {
  path: string;
  /** Byte offset of the data in the file. */
  offset: number;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const SKIP = 0;
const FLOAT = 1;
const INT = 2;
const STRING = 3;
const TEXT = 4;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Whether the fast path handles this dialect (else the papaparse path is used). */
export function fastPathHandles(spec: Pick<CsvParseSpec, 'delimiter'>): boolean {
  return spec.delimiter.length === 1 && spec.delimiter.charCodeAt(0) < 128 && spec.delimiter !== '"' && spec.delimiter !== '\n' && spec.delimiter !== '\r';
}

/** Length of a UTF-8 BOM at `pos`, or 0. */
export function bomAt(data: Uint8Array, pos: number): number {
  return data[pos] === 0xef && data[pos + 1] === 0xbb && data[pos + 2] === 0xbf ? 3 : 0;
}

/**
 * Read one record as strings from `pos` (used for headers and inference samples).
 * Returns the fields and where the next record starts.
 * @example
 * readRecord(Buffer.from('a,"b,c"\n1,2'), 0, 44); // { fields: ['a', 'b,c'], next: 8 }
 */
export function readRecord(data: Uint8Array, pos: number, delim: number): { fields: string[]; next: number; closed: boolean } {
  const n = data.length;
  const fields: string[] = [];
  for (;;) {
    if (pos < n && data[pos] === QUOTE) {
      const q = readQuoted(data, pos);
      if (!q) return { fields, next: n, closed: false };
      fields.push(q.text);
      pos = q.next;
    } else {
      const s = pos;
      while (pos < n && data[pos] !== delim && data[pos] !== LF && !(data[pos] === CR && (pos + 1 >= n || data[pos + 1] === LF))) pos++;
      fields.push(decode(data, s, pos));
    }
    if (pos < n && data[pos] === delim) {
      pos++;
      continue;
    }
    if (pos < n && data[pos] === CR) pos++;
    if (pos < n && data[pos] === LF) pos++;
    return { fields, next: pos, closed: true };
  }
}

function decode(data: Uint8Array, s: number, e: number): string {
  return Buffer.from(data.buffer, data.byteOffset + s, e - s).toString('utf8');
}

/** A quoted field starting at `pos` (the opening quote): its text and the position after the closing quote. */
function readQuoted(data: Uint8Array, pos: number): { text: string; next: number } | undefined {
  const n = data.length;
  let s = pos + 1;
  let text = '';
  for (let i = s; i < n; i++) {
    if (data[i] !== QUOTE) continue;
    if (data[i + 1] === QUOTE) {
      text += decode(data, s, i + 1);
      s = i + 2;
      i++;
      continue;
    }
    return { text: text + decode(data, s, i), next: i + 1 };
  }
  return undefined;
}

/** Count the lines in a block: an upper bound on its rows, used to size the columns once. */
function countLines(data: Uint8Array): number {
  let count = 1;
  let i = -1;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
  while ((i = buf.indexOf(LF, i + 1)) !== -1) count++;
  return count;
}

/** A parser fed a block's bytes in pieces (each ending at a line end); rows accumulate across pieces. */
export interface CsvParser {
  /**
   * Parse the complete records of `data` (which starts at byte `offset` of the file). Returns how
   * many bytes were consumed: less than `data.length` only when `final` is false and the last
   * record continues in the next piece (a quoted field with a newline); pass those bytes again,
   * followed by the next piece.
   */
  feed(data: Uint8Array, offset: number, final: boolean): number;
  finish(): Columns;
}

/**
 * Parse the bytes of one block into columns (see the module comment). A block starting at offset 0
 * of its file holds the BOM and the header line.
 * @example
 * parseCsvBlock(Buffer.from('x,y\n1,a\n'), { names: ['x', 'y'], dtypes: ['int32', 'string'], keep: ['y'],
 *   delimiter: ',', nullValues: [''], header: true, onBadLines: 'error' }, { path: 'a.csv', offset: 0 });
 */
export function parseCsvBlock(data: Uint8Array, spec: CsvParseSpec, where: BlockWhere): Columns {
  const p = createCsvParser(spec, where.path);
  p.feed(data, where.offset, true);
  return p.finish();
}

/**
 * A parser for the blocks of `path` (see `CsvParser`).
 * @example
 * const p = createCsvParser(spec, 'a.csv'); p.feed(piece1, 0, false); …; p.finish();
 */
export function createCsvParser(spec: CsvParseSpec, path: string, expectBytes = 0): CsvParser {
  const ncols = spec.names.length;
  const delim = spec.delimiter.charCodeAt(0);
  const delim4 = Math.imul(delim, 0x01010101);
  let capacity = 0;
  const kind = new Uint8Array(ncols);
  const builders: Array<ColumnBuilder | undefined> = new Array(ncols);
  const nullSet = new Set(spec.nullValues);
  const emptyIsNull = nullSet.has('');
  for (const name of spec.keep) {
    const c = spec.names.indexOf(name);
    const dtype = spec.dtypes[c]!;
    builders[c] = new ColumnBuilder(dtype, capacity, nullSet);
    kind[c] = dtype === 'float64' ? FLOAT : dtype === 'int32' ? INT : dtype === 'string' ? STRING : TEXT;
  }
  const interners = builders.map((b) => b?.interner);
  const where = { path, offset: 0 };
  const lineOf = (p: number) => lineNumberAt(where.path, where.offset + p);
  const fail = (p: number, c: number, text: string): never => {
    throw new ShoalError('ERR_SHOAL_IO', messages.csvBadValue(where.path, lineOf(p), spec.names[c]!, text, spec.dtypes[c]!, spec.dtypeSource?.[spec.names[c]!] ?? 'inferred', spec.sampleBytes, suggestDtype(text)));
  };
  // Hot-loop views, one array per kind so each store site sees one typed-array type.
  const f64: Array<Float64Array | undefined> = [];
  const i32: Array<Int32Array | undefined> = [];
  const valids: Array<Uint8Array | undefined> = [];
  const refresh = () => {
    builders.forEach((b, c) => {
      f64[c] = b?.dtype === 'float64' ? (b.values as Float64Array) : undefined;
      i32[c] = b && (b.dtype === 'int32' || b.dtype === 'string') ? (b.values as Int32Array) : undefined;
      valids[c] = b?.valid;
    });
  };
  /** More rows than the columns were sized for: grow them by half (rare: the first sizing is an estimate). */
  const grow = (): number => {
    capacity = Math.ceil(capacity * 1.5) + 16;
    for (const b of builders) b?.ensure(capacity);
    refresh();
    return capacity;
  };
  const setNull = (c: number, row: number) => {
    const b = builders[c]!;
    b.setNull(row);
    valids[c] = b.valid;
  };
  const storeText = (c: number, row: number, text: string, p: number) => {
    const b = builders[c]!;
    if (nullSet.has(text)) setNull(c, row);
    else if (!b.setText(row, text)) fail(p, c, text);
  };
  let row = 0;
  // The fast path's program: the columns to parse in file order, how many unused fields precede
  // each, and how many unused fields end the record.
  const opCol: number[] = [];
  const opSkip: number[] = [];
  let gap = 0;
  for (let c = 0; c < ncols; c++) {
    if (kind[c] === SKIP) gap++;
    else {
      opCol.push(c);
      opSkip.push(gap);
      gap = 0;
    }
  }
  const trailing = gap;
  const nops = opCol.length;

  /**
   * The quote-free fast path: parse the records of `data` from `pos` while they need nothing else
   * (the caller checked that `data` holds no quote byte, so every field ends at the next delimiter
   * or line end). Unused fields are skipped four bytes at a time (a SWAR test for the delimiter and
   * newline bytes; the lowest match is the first in memory), only checking that each ends where the
   * record's shape says. Returns where it stopped: `n`, or the start of a record whose field count
   * is wrong, which the general loop then parses (and reports or skips) exactly as before.
   */
  const fastLines = (data: Uint8Array, view: DataView, pos: number, n: number): number => {
    let r = row;
    let cap = capacity;
    const kindL = kind;
    const f64L = f64;
    const i32L = i32;
    const validsL = valids;
    const internersL = interners;
    const opColL = opCol;
    const opSkipL = opSkip;
    // Closure constants copied to locals: a captured variable is a memory load at every use.
    const dl = delim;
    const dl4 = delim4;
    const pow10 = POW10;
    const nopsL = nops;
    const trailingL = trailing;
    const emptyNull = emptyIsNull;
    const stop4 = n - 4;
    let lineStart = pos;
    let bad = false;
    records: while (pos < n) {
      let b = data[pos]!;
      // Blank lines are skipped (pandas' skip_blank_lines).
      if (b === LF) {
        pos++;
        continue;
      }
      if (b === CR && data[pos + 1] === LF) {
        pos += 2;
        continue;
      }
      if (r >= cap) cap = grow();
      lineStart = pos;
      bad = true; // until the record is complete
      for (let o = 0; o < nopsL; o++) {
        // Unused fields before this column: each must end at a delimiter.
        for (let s = opSkipL[o]!; s > 0; s--) {
          pos = skipField(data, view, pos, stop4, dl, dl4);
          if (data[pos] !== dl) break records; // too few fields
          pos++;
        }
        const c = opColL[o]!;
        const k = kindL[c]!;
        if (k === FLOAT || k === INT) {
          const fs = pos;
          b = data[pos]!;
          let neg = false;
          if (b === MINUS) {
            neg = true;
            b = data[++pos]!;
          } else if (b === PLUS) b = data[++pos]!;
          let m = 0;
          let digits = 0;
          let frac = 0;
          let d = b - 48;
          while (d >= 0 && d <= 9) {
            m = m * 10 + d;
            digits++;
            d = data[++pos]! - 48;
          }
          if (k === FLOAT && d === DOT - 48) {
            d = data[++pos]! - 48;
            while (d >= 0 && d <= 9) {
              m = m * 10 + d;
              digits++;
              frac++;
              d = data[++pos]! - 48;
            }
          }
          const t = d + 48;
          const ended = t === dl || t === LF || (t === CR && data[pos + 1] === LF);
          if (ended && digits > 0 && digits <= 15 && (k === FLOAT || m <= 2147483647 + (neg ? 1 : 0))) {
            const v = frac === 0 ? m : m / pow10[frac]!;
            if (k === FLOAT) f64L[c]![r] = neg ? -v : v;
            else i32L[c]![r] = neg ? -v : v;
            const vv = validsL[c];
            if (vv !== undefined) vv[r] = 1;
          } else {
            pos = fieldEnd(data, fs, dl);
            const text = decode(data, fs, pos);
            if (text === '' && emptyNull) setNull(c, r);
            else storeText(c, r, text, fs);
          }
        } else if (k === STRING) {
          const fs = pos;
          let h = 0x811c9dc5 | 0;
          for (;;) {
            const x = data[pos]!;
            if (x === dl || x === LF || (x === CR && data[pos + 1] === LF)) break;
            h = Math.imul(h ^ x, 16777619);
            pos++;
          }
          if (pos === fs && emptyNull) setNull(c, r);
          else {
            const it = internersL[c]!;
            const code = it.codeOf(data, fs, pos, h);
            if (it.nullCode[code]) setNull(c, r);
            else {
              i32L[c]![r] = code;
              const vv = validsL[c];
              if (vv !== undefined) vv[r] = 1;
            }
          }
        } else {
          const fs = pos;
          pos = fieldEnd(data, fs, dl);
          storeText(c, r, decode(data, fs, pos), fs);
        }
        // The field ends at a delimiter (more fields follow) or the record's end (it was the last).
        if (data[pos] === dl) {
          if (o === nopsL - 1 && trailingL === 0) break records; // too many fields
          pos++;
        } else if (o < nopsL - 1 || trailingL > 0) break records; // too few fields
      }
      if (trailingL > 0) {
        // Unused fields at the end: all but the last end at a delimiter, the last at the newline.
        for (let s = trailingL; s > 0; s--) {
          pos = skipField(data, view, pos, stop4, dl, dl4);
          if (s > 1) {
            if (data[pos] !== dl) break records; // too few fields
            pos++;
          } else if (data[pos] !== LF) break records; // too many fields
        }
        pos++;
      } else pos += data[pos] === CR ? 2 : 1;
      bad = false;
      r++;
    }
    row = r;
    // Stopped at a record of the wrong shape (a `break records`): the general loop takes it.
    return bad ? lineStart : pos;
  };

  const strict = spec.encodingErrors !== 'replace';
  const feed = (input: Uint8Array, offset: number, final: boolean): number => {
    where.offset = offset;
    // Pieces end at line ends, so a multi-byte character is never cut between two of them.
    if (strict) assertUtf8(input, where.path, offset, spec.names, spec.delimiter);
    // Captured state in locals: the hot loop below then reads registers, not the closure's context.
    let r = row;
    const kindL = kind;
    const f64L = f64;
    const i32L = i32;
    const validsL = valids;
    const internersL = interners;
    // The scans below stop at a newline without bounds checks: make sure the data ends with one.
    const given = input.length;
    let data = input;
    if (given > 0 && input[given - 1] !== LF) {
      data = new Uint8Array(given + 1);
      data.set(input);
      data[given] = LF;
    }
    const n = data.length;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    // Size the columns once for the whole block: lines per byte of the first 64 kB, times the block's
    // bytes (+5%). Rows beyond that grow the columns (checked once per r, below).
    if (r === 0 || capacity === 0) {
      const head = data.subarray(0, Math.min(n, 1 << 16));
      const perByte = countLines(head) / Math.max(1, head.length);
      capacity = Math.max(capacity, Math.ceil(perByte * Math.max(expectBytes, n) * 1.05) + 16);
      for (const b of builders) b?.ensure(capacity);
    }
    refresh();
    let cap = capacity;
    let pos = 0;
    if (offset === 0) {
      pos += bomAt(data, 0);
      if (spec.header && pos < n) {
        const rec = readRecord(data, pos, delim);
        if (!rec.closed && !final) {
          row = r;
          return 0;
        }
        if (rec.fields.join('\u0000') !== spec.names.join('\u0000')) {
          throw new ShoalError('ERR_SHOAL_IO', messages.csvHeaderMismatch(where.path, rec.fields, spec.names));
        }
        pos = rec.next;
      }
    }

    const quoteFree = Buffer.from(data.buffer, data.byteOffset, data.length).indexOf(QUOTE, pos) === -1;

    while (pos < n) {
      if (quoteFree) {
        row = r;
        pos = fastLines(data, view, pos, n);
        r = row;
        cap = capacity;
        if (pos >= n) break;
      }
      let b = data[pos]!;
      // Blank lines are skipped (pandas' skip_blank_lines).
      if (b === LF) {
        pos++;
        continue;
      }
      if (b === CR && (pos + 1 >= n || data[pos + 1] === LF)) {
        pos += pos + 1 < n ? 2 : 1;
        continue;
      }
      if (r >= cap) cap = grow();
      const lineStart = pos;
      let c = 0;
      for (;;) {
        const k = c < ncols ? kindL[c]! : SKIP;
        b = data[pos]!;
        if (b === QUOTE) {
          const q = readQuoted(data, pos);
          if (!q && !final) {
          row = r;
          return lineStart; // the record continues in the next piece
        }
          if (!q) throw new ShoalError('ERR_SHOAL_IO', messages.csvUnterminatedQuote(where.path, lineOf(pos)));
          if (k !== SKIP) storeText(c, r, q.text, pos);
          pos = q.next;
          const after = data[pos]!;
          if (after !== delim && after !== LF && after !== CR) throw new ShoalError('ERR_SHOAL_IO', messages.csvAfterQuote(where.path, lineOf(pos), spec.names[c] ?? `#${c + 1}`));
        } else if (k === SKIP) {
          // Not a column of the query: find its end, nothing else (a CR before LF ends the record below).
          pos = skipField(data, view, pos, n - 4, delim, delim4);
          b = data[pos]!;
          if (pos > lineStart && data[pos - 1] === CR && b === LF) pos--;
        } else if (k === FLOAT || k === INT) {
          const fs = pos;
          let neg = false;
          if (b === MINUS) {
            neg = true;
            pos++;
          } else if (b === PLUS) pos++;
          let m = 0;
          let digits = 0;
          let frac = 0;
          for (;;) {
            const d = data[pos]! - 48;
            if (d < 0 || d > 9) break;
            m = m * 10 + d;
            digits++;
            pos++;
          }
          if (k === FLOAT && data[pos] === DOT) {
            pos++;
            for (;;) {
              const d = data[pos]! - 48;
              if (d < 0 || d > 9) break;
              m = m * 10 + d;
              digits++;
              frac++;
              pos++;
            }
          }
          const t = data[pos]!;
          const ended = t === delim || t === LF || (t === CR && data[pos + 1] === LF);
          if (ended && digits > 0 && digits <= 15 && (k === FLOAT || m <= 2147483647 + (neg ? 1 : 0))) {
            const v = frac === 0 ? m : m / POW10[frac]!;
            if (k === FLOAT) f64L[c]![r] = neg ? -v : v;
            else i32L[c]![r] = neg ? -v : v;
            const vv = validsL[c];
            if (vv !== undefined) vv[r] = 1;
          } else {
            // Anything unusual (empty, null markers, exponents, long numbers, bad text): the shared text path.
            pos = fieldEnd(data, fs, delim);
            const text = decode(data, fs, pos);
            if (text === '' && emptyIsNull) setNull(c, r);
            else storeText(c, r, text, fs);
          }
        } else if (k === STRING) {
          const fs = pos;
          let h = 0x811c9dc5 | 0;
          for (;;) {
            const x = data[pos]!;
            if (x === delim || x === LF || (x === CR && data[pos + 1] === LF)) break;
            h = Math.imul(h ^ x, 16777619);
            pos++;
          }
          if (pos === fs && emptyIsNull) setNull(c, r);
          else {
            const it = internersL[c]!;
            const code = it.codeOf(data, fs, pos, h);
            if (it.nullCode[code]) setNull(c, r);
            else {
              i32L[c]![r] = code;
              const vv = validsL[c];
              if (vv !== undefined) vv[r] = 1;
            }
          }
        } else {
          const fs = pos;
          pos = fieldEnd(data, fs, delim);
          storeText(c, r, decode(data, fs, pos), fs);
        }
        // After a field: a delimiter (next field) or the end of the record.
        const e = data[pos]!;
        if (e === delim) {
          pos++;
          c++;
          continue;
        }
        if (e === CR) pos++;
        if (data[pos] === LF) pos++;
        break;
      }
      if (c + 1 !== ncols) {
        if (spec.onBadLines === 'error') throw new ShoalError('ERR_SHOAL_IO', messages.csvFieldCount(where.path, lineOf(lineStart), ncols, c + 1));
        if (spec.onBadLines === 'warn') console.warn(messages.csvFieldCount(where.path, lineOf(lineStart), ncols, c + 1) + ' (skipped)');
        continue; // the r slot is reused by the next record
      }
      r++;
    }
    row = r;
    return given;
  };

  const finish = (): Columns => ({ names: spec.keep.slice(), columns: spec.keep.map((name) => builders[spec.names.indexOf(name)]!.finish(row)), length: row });
  return { feed, finish };
}

/**
 * Position of the first delimiter or LF at or after `pos` (the data ends with an LF, so there is
 * one). Four bytes at a time while none of them matches (a SWAR zero-byte test on the bytes XORed
 * with the delimiter and with LF; the lowest flagged byte is exact, as borrows only run upwards),
 * then byte by byte in the last three. `stop4` is `data.length - 4`; `delim4` the delimiter in all
 * four bytes of an int32.
 */
function skipField(data: Uint8Array, view: DataView, pos: number, stop4: number, delim: number, delim4: number): number {
  for (;;) {
    if (pos > stop4) {
      let b = data[pos]!;
      while (b !== delim && b !== LF) b = data[++pos]!;
      return pos;
    }
    const v = view.getInt32(pos, true);
    const xd = v ^ delim4;
    const xl = v ^ 0x0a0a0a0a;
    const hit = ((((xd - 0x01010101) & ~xd) | ((xl - 0x01010101) & ~xl)) & 0x80808080) >>> 7;
    if (hit !== 0) return pos + ((31 - Math.clz32(hit & -hit)) >> 3);
    pos += 4;
  }
}

/** End of an unquoted field starting at `pos`: the delimiter, the line end (before a CR of CRLF) or the end. */
function fieldEnd(data: Uint8Array, pos: number, delim: number): number {
  const n = data.length;
  while (pos < n) {
    const x = data[pos]!;
    if (x === delim || x === LF || (x === CR && (pos + 1 >= n || data[pos + 1] === LF))) return pos;
    pos++;
  }
  return pos;
}
