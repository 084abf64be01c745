/**
 * Reading and writing lines of text inside tasks (the worker side of `readText` / `toTextFiles`).
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { messages } from '../errors.ts';
import { readBlock, type Block } from '../io/blocks.ts';
import { asArray } from './pipeline-kernel.ts';

/**
 * The lines of one block, without their line terminators (`\n` or `\r\n`). A block ends at the end
 * of a line, so a trailing terminator does not make an extra empty line.
 * @example
 * readLines(splitBlocks(['a.txt'], null)[0]!, 'utf-8'); // ['first line', 'second line']
 */
export function readLines(block: Block, encoding: string): string[] {
  const { data } = readBlock(block);
  if (data.length === 0) return [];
  const text = encoding === 'utf-8' || encoding === 'utf8' ? data.toString('utf8') : new TextDecoder(encoding).decode(data);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/**
 * Write a partition's strings to `path`, one per line (gzip when the path ends in `.gz`).
 * Returns `[path]` (a partition of the Bag of written paths).
 */
export function writeLines(part: unknown, path: string, encoding: string, index: number): string[] {
  const xs = asArray(part);
  for (const x of xs) if (typeof x !== 'string') throw new TypeError(messages.bagTextElement(x, index));
  const text = xs.length === 0 ? '' : `${xs.join('\n')}\n`;
  let bytes: Uint8Array = encoding === 'utf-8' || encoding === 'utf8' ? Buffer.from(text, 'utf8') : encodeText(text, encoding);
  if (/\.gz$/i.test(path)) bytes = gzipSync(bytes);
  writeFileSync(path, bytes);
  return [path];
}

/** Node can encode only a few encodings itself (TextEncoder is UTF-8 only). */
function encodeText(text: string, encoding: string): Uint8Array {
  const e = encoding.toLowerCase();
  if (e === 'latin1' || e === 'iso-8859-1' || e === 'ascii' || e === 'utf16le' || e === 'utf-16le') return Buffer.from(text, e === 'iso-8859-1' ? 'latin1' : e === 'utf-16le' ? 'utf16le' : (e as BufferEncoding));
  throw new RangeError(messages.bagCannotEncode(encoding));
}
