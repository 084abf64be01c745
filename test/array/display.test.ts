/** The one-line summary and the Dask-like HTML view (table + SVG of the block grid). */
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { array } from '../../src/index.ts';
import { formatBytes } from '../../src/array/display.ts';

describe('display', () => {
  test('toString and util.inspect give the one-line summary', () => {
    const x = array.random.normal({ shape: [1_000_000], chunks: [100_000], seed: 42 });
    expect(String(x)).toBe('shoal.Array<shape=[1000000], dtype=float64, chunks=[100000], 10 tasks>');
    expect(inspect(x)).toBe(String(x));
    expect(`${x.mean()}`).toBe('shoal.Array<shape=[], dtype=float64, chunks=[], 11 tasks>');
    expect(String(array.ones([10, 7], { chunks: [4, 3], dtype: 'int8' }))).toBe('shoal.Array<shape=[10, 7], dtype=int8, chunks=[4, 3], 9 tasks>');
  });

  test('bytes like Dask', () => {
    expect(formatBytes(8_000_000)).toBe('7.63 MiB');
    expect(formatBytes(800_000)).toBe('781.25 kiB');
    expect(formatBytes(100)).toBe('100 B');
    expect(formatBytes(2 ** 40)).toBe('1.00 TiB');
  });

  test('reprHtml: a table for the array and one block, and the block grid', () => {
    const x = array.ones([1000, 600], { chunks: [250, 200] });
    const html = x.reprHtml();
    const cells = [...html.matchAll(/<t[hd][^>]*> ([^<]*) <\/t[hd]>/g)].map((m) => m[1]);
    expect(cells).toEqual(['Array', 'Chunk', 'Bytes', '4.58 MiB', '390.63 kiB', 'Shape', '(1000, 600)', '(250, 200)', 'Chunks', '12 chunks, grid (4, 3)', 'Tasks', '12 tasks', 'Data type', 'float64 ndarray']);
    // 5 horizontal + 4 vertical lines: the grid's boundaries.
    expect(html.match(/<line /g)).toHaveLength(9);
    expect(html).toMatch(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="\d+"/);
    expect(html).toContain('>600</text>');
    expect(html).toContain('>1000</text>');
    // Many blocks draw as a band, not thousands of lines.
    expect(array.ones([100_000], { chunks: 10 }).reprHtml().match(/<line /g)).toHaveLength(4);
    expect(array.ones([2, 3, 4]).reprHtml()).toContain('+ 2 more');
  });
});
