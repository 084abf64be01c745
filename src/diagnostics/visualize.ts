/**
 * Drawing a task graph (DESIGN.md §7), the way Dask's `visualize()` does: every task is a circle
 * labelled with its function, feeding a box for its result; data and aliases are boxes. Each key is
 * drawn once, so a shared intermediate shows as one box with several arrows out of it.
 *
 * `toDot` is pure and synchronous. `renderGraph` lays the DOT out with Graphviz compiled to
 * WebAssembly (`@hpcc-js/wasm-graphviz`) and rasterises PNGs with `@resvg/resvg-js` and the DejaVu
 * Sans font from npm: no system binary, no system font. Both libraries load on first render only,
 * so importing this module for `toDot` costs nothing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Graphviz } from '@hpcc-js/wasm-graphviz';
import { GraphError, OptionError, ShoalError, messages } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { isFused, stepsOf } from '../graph/fuse.ts';
import { parseKey, keyPrefix } from '../graph/keys.ts';
import type { FnSpec, Graph, Key, Task } from '../graph/types.ts';

/** Direction of the arrows: `'BT'` (bottom to top, Dask's default), `'TB'`, `'LR'` or `'RL'`. */
export type Rankdir = 'TB' | 'LR' | 'BT' | 'RL';

/** What `renderGraph` produces. */
export type VisualizeFormat = 'svg' | 'png' | 'dot';

export interface DotOptions {
  /** Layout direction; default `'BT'`, inputs at the bottom, results on top, like Dask. */
  rankdir?: Rankdir;
  /** Keys to highlight as the requested results (drawn with a double, thick border). */
  outputs?: readonly Key[];
}
const DOT_KEYS = optionKeys<DotOptions>({ rankdir: true, outputs: true });

export interface RenderOptions extends DotOptions {
  /**
   * Where to write the drawing. The extension picks the format (`.svg`, `.png`, `.dot`/`.gv`) unless
   * `format` is given; a name with no extension gets `.png` appended, as in Dask.
   */
  filename?: string;
  /** Output format; wins over the filename's extension. Default: from `filename`, else `'svg'`. */
  format?: VisualizeFormat;
}

const RANKDIRS: readonly Rankdir[] = ['TB', 'LR', 'BT', 'RL'];
const FORMATS: readonly VisualizeFormat[] = ['svg', 'png', 'dot'];
const EXTENSIONS: Readonly<Record<string, VisualizeFormat>> = {
  '.svg': 'svg',
  '.png': 'png',
  '.dot': 'dot',
  '.gv': 'dot',
};
const FONT = 'DejaVu Sans';

/** A DOT double-quoted string. Backslashes are doubled so Graphviz shows them, not interprets them. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r\n|\r|\n/g, '\\n')}"`;
}

function attrs(a: Record<string, string | number>): string {
  return `[${Object.entries(a)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? v : q(v)}`)
    .join(', ')}]`;
}

/** The name drawn for a function: the op, the inline function's name (`lambda` if anonymous), the export. */
function fnName(fn: FnSpec): string {
  switch (fn.kind) {
    case 'op':
      return fn.name;
    case 'source':
      return fn.name ? fn.name : 'lambda';
    case 'module':
      return fn.name;
  }
}

/** A fused task shows the functions of its steps, in order: `read+parse+sum`. */
function taskLabel(t: Task): string {
  if (!isFused(t)) return fnName(t.fn);
  const steps = Array.isArray(t.args[0]) ? stepsOf(t) : [];
  return steps.length > 0 ? steps.map((s) => fnName(s.fn)).join('+') : fnName(t.fn);
}

/** The label of a result box: the key's prefix, plus the block index: `normal(3,0)`. */
function boxLabel(key: Key): string {
  const prefix = keyPrefix(key) || key;
  const { index } = parseKey(key);
  return index.length > 0 ? `${prefix}(${index.join(',')})` : prefix;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The DOT text of a task graph, Dask style: for each task a circle named after its function and a
 * box for its result (labelled with the key prefix and block index), with arrows
 * input box → function → result box. Data nodes are boxes; an alias is a box fed by its target's box.
 * A dependency missing from the graph (e.g. an already-persisted result) is a dashed box.
 *
 * Node ids are the keys' positions in sorted order (`k0`, `f0`, …) and the full key is each node's
 * `tooltip`, so the same graph always gives the same text, whatever order its Map was filled in.
 *
 * @throws {OptionError} for a `rankdir` that is not `'TB'`, `'LR'`, `'BT'` or `'RL'`.
 * @throws {GraphError} when an `outputs` key is not in the graph.
 *
 * @example
 * ```ts
 * import { task, data, ref } from '../graph/types.ts';
 * const g = new Map([
 *   ['x-00aa11', data('x-00aa11', 1)],
 *   ['inc-3f2a9c01', task('inc-3f2a9c01', { kind: 'op', name: 'inc' }, [ref('x-00aa11')])],
 * ]);
 * const dot = toDot(g, { rankdir: 'LR', outputs: ['inc-3f2a9c01'] });
 * // digraph shoal { … f0 [label="inc", shape="circle", …]; … k1 -> f0; f0 -> k0; }
 * ```
 */
export function toDot(graph: Graph, opts: DotOptions = {}): string {
  checkOptions('toDot', opts, DOT_KEYS);
  const rankdir = opts.rankdir ?? 'BT';
  if (!RANKDIRS.includes(rankdir)) {
    throw new OptionError(messages.badOption('rankdir', rankdir, "use 'TB', 'LR', 'BT' or 'RL'"));
  }
  const outputs = new Set(opts.outputs ?? []);
  for (const k of outputs) if (!graph.has(k)) throw new GraphError(messages.missingKey(k));

  // Every key drawn: the graph's, and any dependency it names but does not hold.
  const all = new Set<Key>(graph.keys());
  for (const node of graph.values()) {
    if (node.kind === 'task') for (const d of node.deps) all.add(d);
    else if (node.kind === 'alias') all.add(node.target);
  }
  const keys = [...all].sort(byCodeUnit);
  const id = new Map<Key, number>(keys.map((k, i) => [k, i]));

  const nodes: string[] = [];
  const edges: string[] = [];
  for (const [i, key] of keys.entries()) {
    const node = graph.get(key);
    const box: Record<string, string | number> = { label: boxLabel(key), shape: 'box', tooltip: key };
    if (node === undefined) box.style = 'dashed';
    if (outputs.has(key)) Object.assign(box, { peripheries: 2, penwidth: 2 });
    nodes.push(`  k${i} ${attrs(box)};`);
    if (node === undefined || node.kind === 'data') continue;
    if (node.kind === 'alias') {
      edges.push(`  k${id.get(node.target)} -> k${i};`);
      continue;
    }
    nodes.push(`  f${i} ${attrs({ label: taskLabel(node), shape: 'circle', tooltip: key })};`);
    for (const d of new Set(node.deps)) edges.push(`  k${id.get(d)} -> f${i};`);
    edges.push(`  f${i} -> k${i};`);
  }
  return [
    'digraph shoal {',
    `  graph ${attrs({ rankdir, fontname: FONT })};`,
    `  node ${attrs({ fontname: FONT })};`,
    `  edge ${attrs({ fontname: FONT })};`,
    ...nodes,
    ...edges,
    '}',
    '',
  ].join('\n');
}

/** Which format to produce and which file (if any) to write. */
function target(opts: RenderOptions): { format: VisualizeFormat; file?: string } {
  const { filename, format } = opts;
  if (format !== undefined && !FORMATS.includes(format)) {
    throw new OptionError(messages.badOption('format', format, "use 'svg', 'png' or 'dot'"));
  }
  if (filename === undefined) return { format: format ?? 'svg' };
  if (typeof filename !== 'string' || filename === '') {
    throw new OptionError(messages.badOption('filename', filename, 'must be a non-empty path'));
  }
  if (format !== undefined) return { format, file: filename };
  const ext = path.extname(filename).toLowerCase();
  if (ext === '') return { format: 'png', file: `${filename}.png` }; // Dask: no extension means PNG
  const byExt = EXTENSIONS[ext];
  if (byExt === undefined) throw new ShoalError('ERR_SHOAL_VISUALIZE', messages.visualizeFormat(filename, ext.slice(1)));
  return { format: byExt, file: filename };
}

function detail(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function step<T>(name: string, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ShoalError) throw err;
    throw new ShoalError('ERR_SHOAL_VISUALIZE', messages.visualizeFailed(name, detail(err)), { cause: err });
  }
}

let graphviz: Promise<Graphviz> | undefined;

/** The Graphviz WebAssembly instance, loaded once per process (a failed load is retried next time). */
function loadGraphviz(): Promise<Graphviz> {
  graphviz ??= import('@hpcc-js/wasm-graphviz')
    .then((m) => m.Graphviz.load())
    .catch((err: unknown) => {
      graphviz = undefined;
      throw err;
    });
  return graphviz;
}

let fontFile: string | undefined;

/** DejaVuSans.ttf from the `dejavu-fonts-ttf` npm package. */
export function dejavuSans(): string {
  fontFile ??= path.join(
    path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')),
    'ttf',
    'DejaVuSans.ttf',
  );
  return fontFile;
}

/** Largest PNG drawn at full size: Graphviz's own Cairo renderer also scales down past 32,767 px. */
const MAX_PNG_SIDE = 32_767;
const MAX_PNG_PIXELS = 50_000_000; // 200 MB of RGBA

/** The zoom (≤ 1) that keeps the PNG of a Graphviz SVG within the limits above, and its full size. */
function pngZoom(svg: string): { zoom: number; width: number; height: number } {
  const m = /<svg width="([\d.]+)pt" height="([\d.]+)pt"/.exec(svg);
  if (!m) return { zoom: 1, width: 0, height: 0 };
  const width = Math.ceil((Number(m[1]) * 4) / 3); // pt → px at 96 dpi, as resvg does
  const height = Math.ceil((Number(m[2]) * 4) / 3);
  const zoom = Math.min(1, MAX_PNG_SIDE / width, MAX_PNG_SIDE / height, Math.sqrt(MAX_PNG_PIXELS / (width * height)));
  return { zoom, width, height };
}

export async function svgToPng(svg: string, file: string): Promise<Buffer> {
  const { renderAsync } = await import('@resvg/resvg-js');
  const { zoom, width, height } = pngZoom(svg);
  if (zoom < 1) {
    process.emitWarning(messages.visualizeScaled(file, width, height, zoom), { code: 'SHOAL_VISUALIZE_SCALED' });
  }
  const image = await renderAsync(svg, {
    font: { fontFiles: [dejavuSans()], loadSystemFonts: false, defaultFontFamily: FONT },
    background: 'white',
    ...(zoom < 1 ? { fitTo: { mode: 'zoom', value: zoom * 0.999 } as const } : {}),
  });
  return image.asPng();
}

async function write(file: string, contents: string | Buffer): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, contents);
}

/**
 * Draw a task graph as SVG, PNG or DOT, optionally writing it to `filename`. Returns the SVG text for
 * `'svg'` and `'png'` (the PNG bytes go to the file) and the DOT text for `'dot'`.
 *
 * The format is `format` if given, else the filename's extension (`.svg`, `.png`, `.dot`, `.gv`; a
 * name with no extension gets `.png` appended, like Dask), else `'svg'`. Parent folders are created.
 * Graphviz is loaded once per process. Every node is always drawn, however large the graph (thousands
 * of tasks take seconds to lay out), but a PNG bigger than 32,767 px on a side or 50 megapixels is
 * scaled down to fit, with a process warning (`SHOAL_VISUALIZE_SCALED`); the SVG and DOT never are.
 *
 * @throws {ShoalError} `ERR_SHOAL_VISUALIZE` for an unknown filename extension, or when layout,
 *   rasterising or writing fails (the original error is the `cause`).
 * @throws {OptionError} for a bad `format`, `filename` or `rankdir`.
 *
 * @example
 * ```ts
 * const svg = await renderGraph(graph);                                   // SVG text, nothing written
 * await renderGraph(graph, { filename: 'out/graph.png', rankdir: 'LR' }); // writes a PNG
 * const dot = await renderGraph(graph, { filename: 'graph.gv' });         // writes and returns DOT
 * ```
 */
export async function renderGraph(graph: Graph, opts: RenderOptions = {}): Promise<string> {
  const { format, file } = target(opts);
  const dot = toDot(graph, { rankdir: opts.rankdir, outputs: opts.outputs });
  if (format === 'dot') {
    if (file !== undefined) await step(`writing ${file}`, () => write(file, dot));
    return dot;
  }
  const gv = await step('loading Graphviz', loadGraphviz);
  const svg = await step('Graphviz layout', () => gv.dot(dot, 'svg'));
  if (file !== undefined) {
    const contents = format === 'png' ? await step('rendering the PNG', () => svgToPng(svg, file)) : svg;
    await step(`writing ${file}`, () => write(file, contents));
  }
  return svg;
}
