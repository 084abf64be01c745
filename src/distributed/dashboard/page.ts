/**
 * The dashboard page: one self-contained HTML document (no dependencies). Live, it follows the
 * server-sent events of `/events`; in a performance report the snapshot is embedded instead.
 * Panels: task stream, progress per prefix, bytes per worker, CPU/memory per worker, graph.
 */
import type { Snapshot } from './model.ts';

const STYLE = `
body { font: 13px system-ui, sans-serif; margin: 0; background: #fafafa; color: #222; }
header { background: #1d3557; color: #fff; padding: 8px 16px; display: flex; gap: 16px; align-items: baseline; }
header h1 { font-size: 16px; margin: 0; }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; padding: 12px; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 0; }
section.wide { grid-column: 1 / 3; }
h2 { font-size: 13px; margin: 0 0 6px; color: #1d3557; }
.row { display: grid; grid-template-columns: 140px 1fr 110px; gap: 8px; align-items: center; margin: 2px 0; }
.name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar { height: 14px; background: #eee; position: relative; overflow: hidden; border-radius: 3px; }
.bar span { position: absolute; top: 0; bottom: 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: right; padding: 2px 6px; font-variant-numeric: tabular-nums; }
td:first-child, th:first-child { text-align: left; }
canvas { width: 100%; display: block; }
.legend span { display: inline-block; margin-right: 10px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
`;

const SCRIPT = `
const STATE_COLORS = { waiting: '#9e9e9e', processing: '#2a9d8f', memory: '#e63946', erred: '#000', released: '#ddd' };
function color(prefix) {
  let h = 0;
  for (let i = 0; i < prefix.length; i++) h = (h * 31 + prefix.charCodeAt(i)) >>> 0;
  return 'hsl(' + (h % 360) + ', 65%, 50%)';
}
function bytes(n) {
  if (n == null) return '';
  const u = [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['kiB', 2 ** 10]];
  for (const [name, size] of u) if (n >= size * 0.9) return (n / size).toFixed(1) + ' ' + name;
  return n + ' B';
}
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text != null) e.textContent = text;
  return e;
}
const stream = [];
let seq = 0;
let live = true;
function drawStream() {
  const box = document.getElementById('task-stream');
  const canvas = box.querySelector('canvas');
  const rows = [];
  const rowIndex = new Map();
  for (const t of stream) {
    const id = t.worker + '#' + t.lane;
    if (!rowIndex.has(id)) { rowIndex.set(id, rows.length); rows.push(id); }
  }
  rows.sort();
  rows.forEach((r, i) => rowIndex.set(r, i));
  const rowH = 18;
  const width = canvas.clientWidth || 800;
  const height = Math.max(40, rows.length * rowH + 20);
  canvas.width = width; canvas.height = height; canvas.style.height = height + 'px';
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, width, height);
  const end = stream.length ? Math.max(...stream.map((t) => t.end)) : Date.now();
  const first = stream.length ? Math.min(...stream.map((t) => t.start)) : end - 1000;
  const start = live ? Math.max(first, end - 10000) : first;
  const left = 110, span = Math.max(1, end - start), scale = (width - left - 10) / span;
  ctx.font = '11px system-ui';
  let drawn = 0;
  rows.forEach((r, i) => { ctx.fillStyle = '#444'; ctx.fillText(r.replace('#', ' · '), 4, i * rowH + 13); });
  for (const t of stream) {
    if (t.end < start) continue;
    const y = rowIndex.get(t.worker + '#' + t.lane) * rowH + 2;
    const x = left + Math.max(0, t.start - start) * scale;
    ctx.fillStyle = t.ok ? color(t.prefix) : '#000';
    ctx.fillRect(x, y, Math.max(1, (t.end - Math.max(t.start, start)) * scale), rowH - 4);
    drawn++;
  }
  ctx.fillStyle = '#888';
  ctx.fillText((span / 1000).toFixed(1) + ' s', width - 50, height - 4);
  box.dataset.count = String(drawn);
  const legend = box.querySelector('.legend');
  legend.textContent = '';
  for (const p of [...new Set(stream.map((t) => t.prefix))].slice(0, 20)) {
    const s = el('span'); const i = el('i'); i.style.background = color(p); s.append(i, p); legend.append(s);
  }
}
function drawProgress(rows) {
  const box = document.getElementById('progress');
  box.querySelectorAll('.row').forEach((r) => r.remove());
  for (const r of rows) {
    const total = r.done + r.erred + r.processing + r.waiting;
    if (total === 0) continue;
    const row = el('div', { class: 'row', 'data-prefix': r.prefix });
    const bar = el('div', { class: 'bar' });
    let x = 0;
    for (const [n, c] of [[r.done, color(r.prefix)], [r.erred, '#000'], [r.processing, '#8fd3c8'], [r.waiting, '#ddd']]) {
      const s = el('span'); s.style.left = (100 * x / total) + '%'; s.style.width = (100 * n / total) + '%'; s.style.background = c; bar.append(s); x += n;
    }
    row.append(el('div', { class: 'name', title: r.prefix }, r.prefix), bar, el('div', { class: 'num' }, (r.done + r.erred) + ' / ' + total));
    box.append(row);
  }
}
function drawWorkers(ws) {
  const box = document.getElementById('bytes');
  box.querySelectorAll('.row').forEach((r) => r.remove());
  const max = Math.max(1, ...ws.map((w) => w.memoryLimit || (w.memory + w.spilled)));
  for (const w of ws) {
    const row = el('div', { class: 'row worker', 'data-worker': w.id });
    const bar = el('div', { class: 'bar' });
    const m = el('span'); m.style.left = '0'; m.style.width = (100 * w.memory / max) + '%'; m.style.background = w.paused ? '#f4a261' : '#457b9d';
    const s = el('span'); s.style.left = (100 * w.memory / max) + '%'; s.style.width = (100 * w.spilled / max) + '%'; s.style.background = '#bbb';
    bar.append(m, s);
    row.append(el('div', { class: 'name' }, w.id), bar, el('div', { class: 'num' }, bytes(w.memory) + (w.spilled ? ' +' + bytes(w.spilled) + ' disk' : '')));
    box.append(row);
  }
  const tbody = document.querySelector('#system tbody');
  tbody.textContent = '';
  for (const w of ws) {
    const tr = el('tr', { class: 'worker' });
    tr.append(el('td', {}, w.id), el('td', {}, String(w.nthreads)), el('td', {}, w.cpu == null ? 'n/a' : w.cpu + ' %'),
      el('td', {}, w.rss == null ? 'n/a' : bytes(w.rss)), el('td', {}, w.memoryLimit ? bytes(w.memoryLimit) : 'none'), el('td', {}, w.paused ? 'paused' : 'running'));
    tbody.append(tr);
  }
}
function drawGraph(g) {
  const box = document.getElementById('graph');
  const svgNS = 'http://www.w3.org/2000/svg';
  box.querySelector('svg')?.remove();
  box.querySelector('.note').textContent = g.omitted ? g.omitted + ' tasks: too many to draw' : (g.nodes.length ? '' : 'no tasks');
  if (!g.nodes.length) return;
  const depth = new Array(g.nodes.length).fill(0);
  for (let pass = 0; pass < 50; pass++) {
    let changed = false;
    for (const [a, b] of g.edges) if (depth[b] < depth[a] + 1) { depth[b] = depth[a] + 1; changed = true; }
    if (!changed) break;
  }
  const cols = new Map();
  const pos = depth.map((d) => { const n = cols.get(d) || 0; cols.set(d, n + 1); return [d, n]; });
  // Layers top to bottom (inputs first), the tasks of a layer side by side.
  const maxCols = Math.max(...cols.values());
  const W = maxCols * 16 + 20, H = (Math.max(...depth) + 1) * 40 + 20;
  const svg = document.createElementNS(svgNS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H); svg.setAttribute('width', '100%'); svg.setAttribute('height', Math.min(360, H * Math.max(1, 560 / W)));
  const xy = (i) => [10 + pos[i][1] * 16 + (maxCols - cols.get(pos[i][0])) * 8, 10 + pos[i][0] * 40];
  for (const [a, b] of g.edges) {
    const l = document.createElementNS(svgNS, 'line');
    const [x1, y1] = xy(a), [x2, y2] = xy(b);
    l.setAttribute('x1', x1); l.setAttribute('y1', y1); l.setAttribute('x2', x2); l.setAttribute('y2', y2); l.setAttribute('stroke', '#ccc');
    svg.append(l);
  }
  g.nodes.forEach(([key, prefix, state], i) => {
    const c = document.createElementNS(svgNS, 'circle');
    const [x, y] = xy(i);
    c.setAttribute('cx', x); c.setAttribute('cy', y); c.setAttribute('r', 5); c.setAttribute('fill', STATE_COLORS[state] || '#999');
    c.setAttribute('data-state', state);
    const t = document.createElementNS(svgNS, 'title'); t.textContent = key + ' (' + state + ')'; c.append(t);
    svg.append(c);
  });
  box.append(svg);
}
function apply(snap) {
  for (const t of snap.stream) stream.push(t);
  if (stream.length > 20000) stream.splice(0, stream.length - 20000);
  seq = snap.seq;
  drawStream(); drawProgress(snap.progress); drawWorkers(snap.workers); drawGraph(snap.graph);
  document.getElementById('updated').textContent = new Date(snap.time).toLocaleTimeString();
}
if (window.__SHOAL_REPORT__) { live = false; apply(window.__SHOAL_REPORT__); }
else {
  const es = new EventSource('events');
  es.onmessage = (e) => apply(JSON.parse(e.data));
}
`;

/** The dashboard's HTML: live (following `/events`) or, given a snapshot, a static report. */
export function dashboardPage(title: string, report?: Snapshot): string {
  const data = report ? `<script>window.__SHOAL_REPORT__ = ${JSON.stringify(report).replace(/</g, '\\u003c')};</script>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(title)}</h1><span>${report ? 'performance report' : 'live'} · updated <span id="updated">–</span></span></header>
<main>
<section class="wide" id="task-stream" data-count="0"><h2>Task stream</h2><canvas></canvas><div class="legend"></div></section>
<section id="progress"><h2>Progress</h2></section>
<section id="bytes"><h2>Bytes stored per worker</h2></section>
<section id="system"><h2>CPU and memory per worker</h2><table><thead><tr><th>worker</th><th>threads</th><th>CPU</th><th>memory (RSS)</th><th>limit</th><th>status</th></tr></thead><tbody></tbody></table></section>
<section id="graph"><h2>Graph</h2><div class="note"></div></section>
</main>
${data}<script>${SCRIPT}</script></body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
