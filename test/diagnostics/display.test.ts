/**
 * `display` outside a notebook prints text; inside tslab it picks HTML (reprHtml), SVG or text.
 * The kernel here is a recorder standing in for tslab's display API; notebooks.test.ts runs the
 * real kernel.
 */
import { inspect } from 'node:util';
import { afterEach, expect, test, vi } from 'vitest';
import { delayed, display, notebookKernel, visualize } from '../../src/index.ts';

const g = globalThis as { __tslab__?: unknown };
afterEach(() => {
  delete g.__tslab__;
  vi.restoreAllMocks();
});

function fakeKernel() {
  const shown: Array<[string, unknown]> = [];
  const d = (kind: string) => (v: unknown) => shown.push([kind, v]);
  const disp = { html: d('html'), svg: d('svg'), png: d('png'), text: d('text') };
  g.__tslab__ = { require: (id: string) => (id === 'tslab' ? { display: disp, newDisplay: () => disp } : undefined) };
  return shown;
}

test('Delayed: Dask one-liner in a terminal, a table in a notebook', () => {
  const x = delayed((a: number, b: number) => a + b, { name: 'add' })(delayed((v: number) => v, { name: 'one' })(1), 2);
  expect(String(x)).toBe(`Delayed('${x.key}')`);
  expect(inspect(x)).toBe(`Delayed('${x.key}')`);
  const html = x.reprHtml();
  expect(html).toContain('shoal.Delayed');
  expect(html).toContain(x.key);
  expect(html).toContain('2 tasks, 2 nodes');
});

test('outside a notebook: prints String(x), or an inspection for plain objects', () => {
  expect(notebookKernel()).toBeUndefined();
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const x = delayed(1, { name: 'one' });
  display(x);
  display({ a: [1, 2] });
  display('<svg></svg>');
  expect(log.mock.calls.map((c) => c[0])).toEqual([`Delayed('${x.key}')`, '{ a: [ 1, 2 ] }', '<svg></svg>']);
});

test('in tslab: reprHtml as HTML, SVG (Graphviz or Vega) as an image, PNG bytes, else text', async () => {
  const shown = fakeKernel();
  expect(notebookKernel()).toBeDefined();
  const x = delayed((v: number) => v * v, { name: 'square' })(3);
  display(x);
  const svg = await visualize(x);
  expect(svg.startsWith('<?xml')).toBe(true); // Graphviz's prolog comes before <svg
  display(svg);
  display(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
  display(42);
  expect(shown.map(([k]) => k)).toEqual(['html', 'svg', 'png', 'text']);
  expect(shown[0]![1]).toBe(x.reprHtml());
  expect(shown[3]![1]).toBe('42');
});
