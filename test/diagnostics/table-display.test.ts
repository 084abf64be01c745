/** Arrow Tables shown as tables: text in a terminal, HTML in a notebook. */
import { tableFromArrays } from 'apache-arrow';
import { expect, test } from 'vitest';
import { isArrowTable, tableHtml, tableText } from '../../src/diagnostics/table-display.ts';

test('a small table prints every row, aligned, with its size', () => {
  const t = tableFromArrays({ name: ['Ann', 'Bo'], x: Float64Array.from([1.5, 22.123456789]) });
  expect(isArrowTable(t)).toBe(true);
  expect(isArrowTable({ numRows: 1 })).toBe(false);
  expect(tableText(t)).toBe(['name        x', ' Ann      1.5', '  Bo  22.1235', '[2 rows × 2 columns]'].join('\n'));
});

test('a long table shows its first 10 and last 5 rows around a gap; HTML escapes', () => {
  const n = 100;
  const t = tableFromArrays({ i: Int32Array.from({ length: n }, (_, i) => i), s: Array.from({ length: n }, (_, i) => `<${i}>`) });
  const text = tableText(t).split('\n');
  expect(text).toHaveLength(1 + 10 + 1 + 5 + 1);
  expect(text[11]).toContain('…');
  expect(text[16]!.trim().split(/\s+/)).toEqual(['99', '<99>']);
  const html = tableHtml(t);
  expect((html.match(/<tr>/g) ?? []).length).toBe(1 + 16);
  expect(html).toContain('&lt;99&gt;');
  expect(html).toContain('100 rows × 2 columns');
});
