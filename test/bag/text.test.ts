/**
 * readText and toTextFiles, after Dask's test_read_text* and test_to_textfiles* cases.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bag, OptionError, shutdown, TaskError } from '../../src/index.ts';
import { tempDir } from '../helpers.ts';

const tmp = tempDir();
beforeAll(() => undefined);
afterAll(async () => {
  await shutdown();
  tmp.cleanup();
});
const sync = { scheduler: 'sync' } as const;

describe('readText', () => {
  test('lists and globs of files (test_read_text); missing paths fail naming them', async () => {
    writeFileSync(join(tmp.dir, 'a1.log'), 'A\nB');
    writeFileSync(join(tmp.dir, 'a2.log'), 'C\nD\n');
    expect(await bag.readText([join(tmp.dir, 'a1.log'), join(tmp.dir, 'a2.log')]).compute(sync)).toEqual(['A', 'B', 'C', 'D']);
    expect(await bag.readText(join(tmp.dir, 'a*.log')).compute({ scheduler: 'processes' })).toEqual(['A', 'B', 'C', 'D']);
    expect(() => bag.readText(join(tmp.dir, 'non-existent-*-path'))).toThrow(/the glob ".*non-existent-\*-path" matched no files/);
    expect(() => bag.readText(join(tmp.dir, 'nope.txt'))).toThrow(/no such file: ".*nope.txt"/);
  });

  test('large files in byte ranges give the same lines (test_read_text_large), CRLF stripped', async () => {
    const fn = join(tmp.dir, 'large.txt');
    writeFileSync(fn, 'Hello, world!\r\n'.repeat(100));
    const small = bag.readText(fn, { blocksize: 100 });
    const whole = bag.readText(fn, { blocksize: null });
    expect(small.npartitions).toBeGreaterThan(5);
    expect(whole.npartitions).toBe(1);
    const lines = await small.compute({ scheduler: 'processes' });
    expect(lines).toEqual(Array(100).fill('Hello, world!'));
    expect(await whole.compute(sync)).toEqual(lines);
    expect(await bag.readText([fn], { blocksize: 100 }).compute(sync)).toEqual(lines);
  });

  test('lines crossing the 1 MiB decode windows and block edges come back exactly', async () => {
    const fn = join(tmp.dir, 'windows.txt');
    const lines = Array.from({ length: 60_000 }, (_, i) => `${i},${'x'.repeat(i % 97)},é${i % 13 === 0 ? '' : 'ü'}`);
    writeFileSync(fn, lines.map((l, i) => (i % 5 === 0 ? `${l}\r\n` : `${l}\n`)).join(''));
    for (const blocksize of [null, '1MB', 777_777]) {
      const got = await bag.readText(fn, { blocksize }).compute({ scheduler: 'sync' });
      expect(got.length).toBe(lines.length);
      expect(got).toEqual(lines);
    }
    expect(await bag.readText(fn, { blocksize: '1MB' }).map((l) => l.length).sum().compute({ scheduler: 'processes' })).toBe(lines.reduce((a, l) => a + l.length, 0));
  });

  test('encodings (test_read_text_encoding, test_gh715)', async () => {
    const fn = join(tmp.dir, 'gb.txt');
    const line = Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0xa3, 0xa1, 0x0a]); // 你好！\n in gb18030
    writeFileSync(fn, Buffer.concat(Array(100).fill(line)));
    const b = bag.readText(fn, { blocksize: 100, encoding: 'gb18030' });
    expect(b.npartitions).toBeGreaterThan(5);
    expect(await b.compute(sync)).toEqual(Array(100).fill('你好！'));
    const euro = join(tmp.dir, 'euro.txt');
    writeFileSync(euro, '\u20ac');
    expect(await bag.readText(euro).compute(sync)).toEqual(['\u20ac']);
    expect(() => bag.readText(euro, { encoding: 'klingon' })).toThrow(/unknown encoding "klingon"/);
    expect(() => bag.readText(euro, { blocksize: 'big' })).toThrow(/blocksize must be a positive number of bytes/);
  });

  test('.gz files are read whole (test_read_text_large_gzip)', async () => {
    const fn = join(tmp.dir, 'data.txt.gz');
    writeFileSync(fn, gzipSync('Hello, world!\n'.repeat(100)));
    const c = bag.readText(fn, { blocksize: 50 });
    expect(c.npartitions).toBe(1);
    expect((await c.compute({ scheduler: 'threads' })).join('\n') + '\n').toBe('Hello, world!\n'.repeat(100));
  });

  test('property: any lines, any blocksize, give back the same lines', async () => {
    const line = fc.string({ unit: fc.constantFrom('a', 'b', ',', ' ', 'é', '\u4f60', '\r'), maxLength: 12 }).filter((l) => !l.endsWith('\r'));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 40 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), async (lines, blocksize, lastNewline) => {
        const fn = join(tmp.dir, 'prop.txt');
        const content = lines.join('\n') + (lastNewline && lines.length ? '\n' : '');
        writeFileSync(fn, content);
        // The reference meaning of a text file: split at newlines; a final newline ends the last line.
        const want = content === '' ? [] : content.split('\n');
        if (want[want.length - 1] === '') want.pop();
        expect(await bag.readText(fn, { blocksize }).compute(sync)).toEqual(want);
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  test('a file that disappears after the Bag was built fails naming it', async () => {
    const fn = join(tmp.dir, 'gone.txt');
    writeFileSync(fn, 'a\nb\n');
    const b = bag.readText(fn);
    rmSync(fn);
    await expect(b.compute({ scheduler: 'processes' })).rejects.toThrow(/cannot read ".*gone\.txt"/);
  });

  test('take stops reading a block once it has its lines', async () => {
    const fn = join(tmp.dir, 'stop.txt');
    writeFileSync(fn, 'a\nb\nBOOM\nc\n');
    const lines = bag.readText(fn).map((l) => {
      if (l === 'BOOM') throw new Error('read past what take needed');
      return l.toUpperCase();
    });
    expect(await lines.take(2, { scheduler: 'processes' })).toEqual(['A', 'B']);
    await expect(lines.take(3, sync)).rejects.toThrow(/read past what take needed \[bag partition 0, input element 2\]/);
  });

  test('empty files give an empty bag', async () => {
    const fn = join(tmp.dir, 'empty.txt');
    writeFileSync(fn, '');
    expect(await bag.readText(fn).compute(sync)).toEqual([]);
    expect(await bag.readText(fn).count().compute(sync)).toBe(0);
  });
});

describe('toTextFiles', () => {
  test.each(['', '.gz'])('one file per partition, named by pattern (test_to_textfiles%s)', async (ext) => {
    const dir = join(tmp.dir, `out${ext || '-plain'}`);
    const b = bag.fromSequence(['abc', '123', 'xyz'], { npartitions: 2 });
    const paths = await b.toTextFiles(join(dir, `*.txt${ext}`));
    expect(paths).toEqual([join(dir, `0.txt${ext}`), join(dir, `1.txt${ext}`)]);
    const raw = readFileSync(join(dir, `1.txt${ext}`));
    expect((ext ? gunzipSync(raw) : raw).toString()).toContain('xyz');
    expect(await bag.readText(join(dir, `*.txt${ext}`)).compute(sync)).toEqual(['abc', '123', 'xyz']);
  });

  test('order is kept over 16 partitions and a directory target (test_to_textfiles_name_function_preserves_order)', async () => {
    const seq = [...'abcdefghijklmnop'];
    const dir = join(tmp.dir, 'ordered');
    await bag.fromSequence(seq, { npartitions: 16 }).toTextFiles(dir, sync);
    expect(existsSync(join(dir, '0.part'))).toBe(true);
    expect(await bag.readText(join(dir, '*'), { encoding: 'ascii' }).compute(sync)).toEqual(seq);
  });

  test('lists of paths, empty partitions, non-strings (test_to_textfiles_inputs, test_to_textfiles_empty_partitions)', async () => {
    const b = bag.fromSequence(['abc', '123', 'xyz'], { npartitions: 2 });
    const a = join(tmp.dir, 'list-a.txt');
    const c = join(tmp.dir, 'list-b.txt');
    expect(await b.toTextFiles([a, c])).toEqual([a, c]);
    expect(readFileSync(a, 'utf8')).toBe('abc\n123\n');
    await expect(b.toTextFiles([a])).rejects.toBeInstanceOf(OptionError);
    await expect(b.toTextFiles(5 as never)).rejects.toThrow(/toTextFiles: 5 must be a path containing/);
    const dir = join(tmp.dir, 'empties');
    await bag.range(5, { npartitions: 5 }).filter((x) => x === 1).map(String).toTextFiles(join(dir, '*.txt'));
    expect(readdirSync(dir)).toHaveLength(5);
    const err = await bag.range(2, { npartitions: 1 }).toTextFiles(join(tmp.dir, 'nums', '*.txt'), sync).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as Error).message).toMatch(/holds 0, which is not a string; map the elements to strings first/);
  });

  test('latin1 encoding round trip (test_to_textfiles_encoding)', async () => {
    const dir = join(tmp.dir, 'latin');
    await bag.fromSequence(['café', 'naïve'], { npartitions: 2 }).toTextFiles(join(dir, '*.txt'), { encoding: 'latin1', ...sync });
    expect(readFileSync(join(dir, '0.txt')).length).toBe(5); // 4 one-byte letters + \n
    expect(await bag.readText(join(dir, '*.txt'), { encoding: 'latin1' }).compute(sync)).toEqual(['café', 'naïve']);
  });
});
