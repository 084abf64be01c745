/**
 * Charts as files: a Vega-Lite spec compiled to Vega, then drawn as SVG in Node (Vega's headless
 * `renderer: 'none'` + `toSVG()`, no canvas), as PNG (resvg with the DejaVu font, as `visualize`
 * does), or as a standalone interactive HTML page that inlines Vega itself (works offline; hover a
 * bar for its task, drag and scroll to pan and zoom the time axis).
 *
 * vega-lite uses top-level await, so both libraries are loaded with `import()` on first use.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { messages, OptionError, ShoalError } from '../errors.ts';
import { escapeHtml } from './notebook.ts';
import { svgToPng } from './visualize.ts';

export type ChartFormat = 'svg' | 'png' | 'html';
/** A Vega-Lite specification (kept loose so the public types do not depend on vega-lite's). */
export type ChartSpec = Record<string, unknown>;

const EXTENSIONS: Record<string, ChartFormat> = { '.svg': 'svg', '.png': 'png', '.html': 'html', '.htm': 'html' };

export interface ChartOptions {
  /** Write the chart here; the extension picks the format (.html, .svg, .png). */
  filename?: string;
  /** Force a format (default: by extension, else 'svg'). */
  format?: ChartFormat;
}

/** Which format to produce and which file (if any) to write. */
export function chartTarget(opts: ChartOptions): { format: ChartFormat; file?: string } {
  const { filename, format } = opts;
  if (format !== undefined && !['svg', 'png', 'html'].includes(format)) throw new OptionError(messages.badOption('format', format, "use 'html', 'svg' or 'png'"));
  if (filename === undefined) return { format: format ?? 'svg' };
  if (typeof filename !== 'string' || filename === '') throw new OptionError(messages.badOption('filename', filename, 'must be a non-empty path'));
  if (format !== undefined) return { format, file: filename };
  const ext = path.extname(filename).toLowerCase();
  const byExt = EXTENSIONS[ext];
  if (byExt === undefined) throw new ShoalError('ERR_SHOAL_VISUALIZE', messages.chartFormat(filename, ext.slice(1)));
  return { format: byExt, file: filename };
}

/** Create the parent folders of `file`. */
export async function ensureParent(file: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
}

/** The Vega spec of a Vega-Lite spec. */
async function compileSpec(spec: ChartSpec): Promise<ChartSpec> {
  const vl = await import('vega-lite');
  return vl.compile(spec as never).spec as unknown as ChartSpec;
}

/** SVG text of a Vega-Lite spec, drawn in Node. */
async function chartSvg(spec: ChartSpec): Promise<string> {
  const vega = await import('vega');
  const view = new vega.View(vega.parse((await compileSpec(spec)) as never), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

let vegaSource: string | undefined;

/** A standalone page: Vega inlined, the compiled spec, an SVG view with tooltips. */
async function chartHtml(spec: ChartSpec, title: string): Promise<string> {
  // vega's exports map hides its browser build; it sits beside the exported schema.
  vegaSource ??= readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('vega/vega-schema.json')), 'vega.min.js'), 'utf8');
  const json = JSON.stringify(await compileSpec(spec)).replace(/</g, '\\u003c');
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:"DejaVu Sans",sans-serif;margin:16px}</style>',
    `<script>${vegaSource}</script>`,
    '</head><body>',
    `<div id="view"></div>`,
    `<script>const spec = ${json};`,
    `new vega.View(vega.parse(spec), { renderer: 'svg', container: '#view', hover: true }).runAsync();</script>`,
    '</body></html>',
  ].join('\n');
}

/**
 * Render a Vega-Lite spec: returns SVG text (or the HTML page for 'html') and writes `filename`.
 * @example
 * const svg = await renderChart({ mark: 'bar', data: { values: [{ a: 1 }] }, encoding: { x: { field: 'a', type: 'quantitative' } } });
 */
export async function renderChart(spec: ChartSpec, opts: ChartOptions & { title?: string } = {}): Promise<string> {
  const { format, file } = chartTarget(opts);
  try {
    if (format === 'html') {
      const html = await chartHtml(spec, opts.title ?? 'shoal profile');
      if (file !== undefined) await ensureParent(file).then(() => writeFile(file, html));
      return html;
    }
    const svg = await chartSvg(spec);
    if (file !== undefined) {
      await ensureParent(file);
      await writeFile(file, format === 'png' ? await svgToPng(svg, file) : svg);
    }
    return svg;
  } catch (err) {
    if (err instanceof ShoalError) throw err;
    throw new ShoalError('ERR_SHOAL_VISUALIZE', messages.chartFailed(err instanceof Error ? err.message : String(err)), { cause: err });
  }
}
