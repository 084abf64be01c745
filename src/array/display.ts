/**
 * The notebook view of an Array, after Dask's `_repr_html_`: a table (bytes, shape, chunks, dtype,
 * tasks) for the whole array and for one block, next to an SVG of the block grid.
 */
import { formatBytes } from '../io/bytes.ts';
import { chunksize, prod } from './chunks.ts';
import type { ShoalArray } from './core.ts';
import { itemsize } from './dtype.ts';

/** Re-exported for the array tests that check the table's byte figures. */
export { formatBytes };

const fmt = (xs: readonly number[]) => `(${xs.map((v) => (Number.isNaN(v) ? 'nan' : String(v))).join(', ')}${xs.length === 1 ? ',' : ''})`;

/** Lines across one axis at the block boundaries, scaled to `px`; too many blocks draw as a band. */
function cuts(chunks: readonly number[], px: number): number[] | null {
  if (chunks.length > 100 || chunks.some(Number.isNaN)) return null;
  const total = chunks.reduce((a, b) => a + b, 0) || 1;
  const out = [0];
  let s = 0;
  for (const c of chunks) out.push(((s += c) / total) * px);
  return out;
}

/** SVG of the block grid of the last two axes (a single row for 1-D arrays). */
export function gridSvg(x: ShoalArray): string {
  const nd = x.ndim;
  if (nd === 0) return '';
  const rowsChunks = nd >= 2 ? x.chunks[nd - 2]! : [1];
  const colsChunks = x.chunks[nd - 1]!;
  const shape = [nd >= 2 ? x.shape[nd - 2]! : 1, x.shape[nd - 1]!];
  // The longer side is 120 px; the shorter keeps the ratio but stays visible (>= 25 px).
  const big = Math.max(shape[0]!, shape[1]!, 1);
  const w = nd === 1 ? 120 : Math.max(25, Math.round((120 * shape[1]!) / big));
  const h = nd === 1 ? 25 : Math.max(25, Math.round((120 * shape[0]!) / big));
  const pad = 10;
  const ys = nd === 1 ? [0, h] : cuts(rowsChunks, h);
  const xs = cuts(colsChunks, w);
  const lines: string[] = [];
  const line = (x1: number, y1: number, x2: number, y2: number, edge: boolean) =>
    lines.push(`<line x1="${(x1 + pad).toFixed(1)}" y1="${(y1 + pad).toFixed(1)}" x2="${(x2 + pad).toFixed(1)}" y2="${(y2 + pad).toFixed(1)}" style="stroke-width:${edge ? 2 : 1}" />`);
  for (const [i, y] of (ys ?? [0, h]).entries()) line(0, y, w, y, i === 0 || y === h);
  for (const [i, v] of (xs ?? [0, w]).entries()) line(v, 0, v, h, i === 0 || v === w);
  const label = (text: string, tx: number, ty: number, rotate = false) =>
    `<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" font-size="1.0rem" font-weight="100" text-anchor="middle"${rotate ? ` transform="rotate(-90,${tx.toFixed(1)},${ty.toFixed(1)})"` : ''}>${text}</text>`;
  const labels = [label(String(shape[1]), pad + w / 2, pad + h + 20)];
  if (nd >= 2) labels.push(label(String(shape[0]), pad + w + 20, pad + h / 2, true));
  if (nd > 2) labels.push(label(`+ ${x.shape.slice(0, nd - 2).join(' x ')} more`, pad + w / 2, pad + h + 40));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w + 2 * pad + 30}" height="${h + 2 * pad + (nd > 2 ? 45 : 25)}" style="stroke:rgb(0,0,0);stroke-width:1" >\n` +
    `  <!-- Block boundaries -->\n  ${lines.join('\n  ')}\n` +
    `  <!-- Colored rectangle -->\n  <polygon points="${pad},${pad} ${pad + w},${pad} ${pad + w},${pad + h} ${pad},${pad + h}" style="fill:#ECB172A0;stroke-width:0"/>\n` +
    `  <!-- Text -->\n  ${labels.join('\n  ')}\n</svg>`
  );
}

/**
 * Dask-like HTML for notebooks: sizes of the array and of one block, the task count, the dtype,
 * and the block grid.
 * @example display(x) in a notebook calls x.reprHtml()
 */
export function reprHtml(x: ShoalArray): string {
  const block = chunksize(x.chunks);
  const rows = [
    ['Bytes', formatBytes(x.nbytes), formatBytes(prod(block) * itemsize(x.dtype))],
    ['Shape', fmt(x.shape), fmt(block)],
  ];
  const body =
    rows.map(([h, a, c]) => `        <tr>\n          <th> ${h} </th>\n          <td> ${a} </td>\n          <td> ${c} </td>\n        </tr>`).join('\n') +
    `\n        <tr>\n          <th> Chunks </th>\n          <td colspan="2"> ${x.npartitions} chunks, grid ${fmt(x.numblocks)} </td>\n        </tr>` +
    `\n        <tr>\n          <th> Tasks </th>\n          <td colspan="2"> ${x.ntasks} tasks </td>\n        </tr>` +
    `\n        <tr>\n          <th> Data type </th>\n          <td colspan="2"> ${x.dtype} ndarray </td>\n        </tr>`;
  return (
    `<table>\n<tr>\n<td>\n  <table style="border-collapse: collapse;">\n    <thead>\n      <tr>\n        <td> </td>\n        <th> Array </th>\n        <th> Chunk </th>\n      </tr>\n    </thead>\n    <tbody>\n${body}\n    </tbody>\n  </table>\n</td>\n` +
    `<td>\n${gridSvg(x)}\n</td>\n</tr>\n</table>`
  );
}
