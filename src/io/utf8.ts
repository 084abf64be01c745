/**
 * CSV text must be UTF-8. Decoding replaces bytes that are not (a Latin-1 file, a damaged one)
 * with U+FFFD without a word, so by default every piece of bytes is checked first (Node's native
 * `isUtf8`, many GB/s: it does not slow the tokenizer measurably), and a file that fails is an
 * error naming the file, line, column and byte. `encodingErrors: 'replace'` (Python's `errors=`,
 * pandas' `encoding_errors`) keeps the old decoding. The error path finds the bad byte with the
 * plain scan below; it never runs on good input.
 */
import { isUtf8 } from 'node:buffer';
import { lineNumberAt } from './blocks.ts';
import { ShoalError, messages } from '../errors.ts';

/** What to do with bytes that are not UTF-8: fail (default) or decode them as U+FFFD. */
export type EncodingErrors = 'strict' | 'replace';

const LF = 10;
const QUOTE = 34;

/**
 * The index of the first byte of the first sequence in `data[from, to)` that is not UTF-8 (a stray
 * continuation byte, a sequence cut short, an overlong form, a surrogate, a code point past
 * U+10FFFF), or -1.
 * @example
 * invalidUtf8At(Buffer.from([0x61, 0xe9, 0x62]));   // 1 (Latin-1 'é')
 */
export function invalidUtf8At(data: Uint8Array, from = 0, to = data.length): number {
  let i = from;
  while (i < to) {
    const b = data[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (need === 0 || i + need >= to) return i; // not a lead byte, or its sequence is cut short
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = data[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Fail unless `data` (the bytes at `offset` of the CSV file `path`) is UTF-8: the error names the
 * line, the column (by name when `names` are known) and the character position in the line.
 * @example
 * assertUtf8(bytes, 'a.csv', 0, ['name', 'x'], ',');
 * // ShoalError: a.csv:3: column "name" (character 2 of the line) holds byte 0xe9, which is not UTF-8 …
 */
export function assertUtf8(data: Uint8Array, path: string, offset: number, names: readonly string[], delimiter: string): void {
  if (isUtf8(data)) return;
  const at = invalidUtf8At(data);
  if (at < 0) return;
  const lineStart = at === 0 ? 0 : Buffer.from(data.buffer, data.byteOffset, data.length).lastIndexOf(LF, at - 1) + 1;
  // The field the byte is in (delimiters inside quotes do not count) and its character position.
  const delim = delimiter.charCodeAt(0);
  let field = 0;
  let quoted = false;
  let chars = 0;
  for (let i = lineStart; i < at; i++) {
    const b = data[i]!;
    if ((b & 0xc0) !== 0x80) chars++;
    if (b === QUOTE) quoted = !quoted;
    else if (!quoted && delimiter.length === 1 && b === delim) field++;
  }
  const column = delimiter.length === 1 ? (names[field] ?? `#${field + 1}`) : undefined;
  throw new ShoalError('ERR_SHOAL_IO', messages.csvNotUtf8(path, lineNumberAt(path, offset + at), chars + 1, column, data[at]!));
}
