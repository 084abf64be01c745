/**
 * Reading and writing lines of text inside tasks (the worker side of `readText` / `toTextFiles`).
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { messages } from '../errors.ts';
import { readBlock, type Block } from '../io/blocks.ts';
import { asArray } from './partition.ts';

/**
 * Feed the lines of one block, without their terminators (`\n` or `\r\n`), to `sink`, one at a
 * time: the block's lines are never all held in an array. A block ends at the end of a line, so a
 * trailing terminator does not make an extra empty line.
 * @example
 * const lines: string[] = [];
 * lineSource(splitBlocks(['a.txt'], null)[0]!, 'utf-8')((l) => lines.push(l), { j: 0, done: false });
 */
export function lineSource(block: Block, encoding: string): (sink: (line: string) => void, at: { j: number; done: boolean }) => void {
  return (sink, at) => {
    const { data } = readBlock(block);
    const utf8 = encoding === 'utf-8' || encoding === 'utf8';
    const decoder = utf8 ? null : new TextDecoder(encoding);
    let j = 0;
    // Decode about CHUNK bytes at a time, cut after a newline byte (for ASCII-compatible
    // encodings a newline byte never sits inside a character): the block is never one big string.
    for (let from = 0; from < data.length && !at.done; ) {
      let to = from + CHUNK >= data.length ? data.length : data.indexOf(NL, from + CHUNK) + 1;
      if (to === 0) to = data.length;
      const text = utf8 ? data.toString('utf8', from, to) : decoder!.decode(data.subarray(from, to));
      for (let start = 0; start < text.length && !at.done; j++) {
        let nl = text.indexOf('\n', start);
        if (nl < 0) nl = text.length;
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        at.j = j;
        sink(text.slice(start, end));
        start = nl + 1;
      }
      from = to;
    }
  };
}

const NL = 0x0a;
/** Bytes decoded at a time. */
const CHUNK = 1 << 20;

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
