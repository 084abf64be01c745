import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, onTestFinished, test } from 'vitest';
import { expandPaths, formatBytes, lineNumberAt, parseBytes, readBlock, splitBlocks } from '../../src/io/index.ts';
import { tempDir } from '../helpers.ts';

describe('expandPaths', () => {
  test('globs expand in natural order; plain paths are checked', () => {
    const { dir, cleanup } = tempDir();
    onTestFinished(cleanup);
    for (const n of [10, 2, 1]) writeFileSync(join(dir, `part-${n}.txt`), 'x\n');
    mkdirSync(join(dir, 'sub'));
    expect(expandPaths(join(dir, '*.txt'), 'readText')).toEqual([1, 2, 10].map((n) => join(dir, `part-${n}.txt`)));
    expect(expandPaths([join(dir, 'part-2.txt'), join(dir, 'part-1.txt')], 'readText')).toEqual([join(dir, 'part-2.txt'), join(dir, 'part-1.txt')]);
    expect(() => expandPaths(join(dir, 'nope.txt'), 'readText')).toThrow(/no such file: .*nope\.txt/);
    expect(() => expandPaths(join(dir, '*.csv'), 'readText')).toThrow(/glob .*\*\.csv.* matched no files/);
    expect(() => expandPaths(join(dir, 'sub'), 'readText')).toThrow(/is a directory/);
    expect(() => expandPaths([], 'readText')).toThrow(/readText needs at least one path/);
  });
});

describe('blocks', () => {
  test('blocks partition the lines exactly, whatever the block size', () => {
    const { dir, cleanup } = tempDir();
    onTestFinished(cleanup);
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z,é]{0,12}$/), { maxLength: 40 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 64 }),
        (lines, trailingNewline, blocksize) => {
          const text = lines.join('\n') + (trailingNewline && lines.length ? '\n' : '');
          const path = join(dir, 'f.txt');
          writeFileSync(path, text);
          const blocks = splitBlocks([path], blocksize);
          const parts = blocks.map((b) => readBlock(b));
          expect(Buffer.concat(parts.map((p) => p.data)).toString('utf8')).toBe(text);
          // every non-empty piece starts at a line start and ends at a line end (or EOF)
          for (const p of parts) {
            if (p.data.length === 0) continue;
            expect(p.offset === 0 || Buffer.from(text)[p.offset - 1] === 0x0a).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('gzip files are one block, read whole; empty files give none', () => {
    const { dir, cleanup } = tempDir();
    onTestFinished(cleanup);
    const gz = join(dir, 'a.txt.gz');
    writeFileSync(gz, gzipSync('one\ntwo\n'));
    writeFileSync(join(dir, 'empty.txt'), '');
    const blocks = splitBlocks([gz, join(dir, 'empty.txt')], 2);
    expect(blocks).toHaveLength(1);
    expect(readBlock(blocks[0]!).data.toString()).toBe('one\ntwo\n');
  });

  test('lineNumberAt counts lines up to an offset', () => {
    const { dir, cleanup } = tempDir();
    onTestFinished(cleanup);
    const path = join(dir, 'l.txt');
    writeFileSync(path, 'a\nbb\nccc\n');
    expect([0, 1, 2, 4, 5, 8].map((o) => lineNumberAt(path, o))).toEqual([1, 1, 2, 2, 3, 3]);
  });

  test('unreadable files name the path', () => {
    expect(() => splitBlocks(['/nonexistent/x.txt'], 10)).toThrow(/cannot read .*\/nonexistent\/x\.txt/);
  });
});

test('parseBytes and formatBytes', () => {
  expect(parseBytes('64MB', 'blocksize')).toBe(64_000_000);
  expect(parseBytes('256MiB', 'memoryLimit')).toBe(268_435_456);
  expect(parseBytes('1.5 GiB', 'memoryLimit')).toBe(1.5 * 2 ** 30);
  expect(parseBytes(1000, 'blocksize')).toBe(1000);
  expect(() => parseBytes('lots', 'blocksize')).toThrow(/blocksize must be a positive number of bytes.*"lots"/);
  expect(() => parseBytes(-1, 'blocksize')).toThrow(/blocksize/);
  expect(formatBytes(25_200_000_000)).toBe('23.47 GiB');
  expect(formatBytes(512)).toBe('512 B');
});
