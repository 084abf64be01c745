/**
 * Rich display in notebooks run by the tslab kernel, and plain text elsewhere.
 *
 * tslab runs each cell with a global `__tslab__` whose `require('tslab')` is the kernel's own
 * module (the one connected to Jupyter), so shoal needs no dependency on tslab: it asks that
 * `require` when it exists and prints to the console otherwise.
 */

import { inspect } from 'node:util';
import { isArrowTable, tableHtml, tableText } from './table-display.ts';

/** The part of tslab's `Display` that shoal uses. */
export interface NotebookDisplay {
  html(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  text(s: string): void;
}

/** The part of the `tslab` module that shoal uses. */
export interface TslabModule {
  display: NotebookDisplay;
  newDisplay(): NotebookDisplay;
}

/**
 * The tslab module when running inside a tslab notebook kernel, else undefined.
 * @example
 * const tslab = notebookKernel();
 * if (tslab) tslab.display.html('<b>hi</b>');
 */
export function notebookKernel(): TslabModule | undefined {
  const hook = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__;
  if (typeof hook?.require !== 'function') return undefined;
  try {
    const m = hook.require('tslab') as Partial<TslabModule> | undefined;
    return m && m.display && typeof m.newDisplay === 'function' ? (m as TslabModule) : undefined;
  } catch {
    return undefined;
  }
}

/** What `display` shows richly: anything with `reprHtml()` (shoal's collections, profiles). */
export interface RichDisplay {
  reprHtml(): string;
}

function hasReprHtml(x: unknown): x is RichDisplay {
  return typeof x === 'object' && x !== null && typeof (x as RichDisplay).reprHtml === 'function';
}

function isSvg(x: unknown): x is string {
  // Graphviz puts an XML declaration, a DOCTYPE and comments before <svg>; Vega does not.
  return typeof x === 'string' && /^\s*</.test(x) && /<svg[\s>]/.test(x.slice(0, 2000)) && /<\/svg>\s*$/.test(x);
}

/**
 * Show `x` the richest way available. In a tslab notebook: its `reprHtml()` as HTML if it has
 * one, an SVG string (what `visualize()` returns) as an image, PNG bytes as an image, anything
 * else as text. Outside a notebook: prints `String(x)` (an SVG string is printed as is).
 * @example
 * display(await visualize(total));       // the graph, inline in a notebook
 * display(delayed(square)(3));            // Delayed<square-…> as a small HTML table
 */
export function display(x: unknown): void {
  const kernel = notebookKernel();
  if (!kernel) {
    console.log(typeof x === 'string' ? x : isArrowTable(x) ? tableText(x) : plainText(x));
    return;
  }
  if (hasReprHtml(x)) kernel.display.html(x.reprHtml());
  else if (isArrowTable(x)) kernel.display.html(tableHtml(x));
  else if (isSvg(x)) kernel.display.svg(x);
  else if (x instanceof Uint8Array && x[0] === 0x89 && x[1] === 0x50) kernel.display.png(x);
  else kernel.display.text(plainText(x));
}

/** `String(x)` when `x` has its own `toString`, else Node's inspection of it. */
function plainText(x: unknown): string {
  if (Array.isArray(x) || (typeof x === 'object' && x !== null && (x as object).toString === Object.prototype.toString)) return inspect(x, { depth: 4 });
  return String(x);
}

/** Escape text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
