/**
 * `visualizeProfile`: the profilers' records as one picture (Dask's `visualize([prof, rprof,
 * cprof])`): a Gantt chart with one row per worker (the calling thread, each worker thread or
 * process) and one bar per task coloured by key prefix, and under it, on the same time axis,
 * CPU %, memory and bytes cached when those profilers are given.
 */
import { messages, ShoalError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { CacheProfiler } from './cache.ts';
import { Profiler, sortWorkers, type TaskRecord } from './profiler.ts';
import { renderChart, type ChartOptions, type ChartSpec } from './render.ts';
import { ResourceProfiler } from './resources.ts';

export type AnyProfiler = Profiler | ResourceProfiler | CacheProfiler;

export interface ProfileChartOptions extends ChartOptions {
  /** Title above the chart. */
  title?: string;
  /** Width of the plotting area in px (default 720). */
  width?: number;
}
export const PROFILE_CHART_KEYS = optionKeys<ProfileChartOptions>({ filename: true, format: true, title: true, width: true });

const MIB = 1024 * 1024;
const TIME_TITLE = 'time (s)';

/** The earliest moment any profiler recorded (ms since the epoch). */
function originOf(profilers: readonly AnyProfiler[]): number {
  let t0 = Infinity;
  for (const p of profilers) {
    if (p instanceof Profiler) {
      for (const r of p.runs) t0 = Math.min(t0, r.start);
      for (const r of p.results) t0 = Math.min(t0, r.start);
    } else if (p instanceof ResourceProfiler) for (const s of p.results) t0 = Math.min(t0, s.time);
    else for (const s of p.series()) t0 = Math.min(t0, s.time);
  }
  return t0;
}

/** A Gantt chart of task records (one unit spec), times in seconds from `t0`. */
export function ganttSpec(records: readonly TaskRecord[], t0: number, opts: { width: number; name: string; title?: string }): ChartSpec {
  const span = records.reduce((m, r) => Math.max(m, r.end - t0), 0);
  // Tasks of a few µs would be invisible: draw at least 0.15% of the span, show the real duration.
  const minDraw = span / 650;
  const values = records.map((r) => ({
    key: r.key,
    prefix: r.prefix,
    worker: r.worker.replace(/ \(pid \d+\)$/, ''),
    start: (r.start - t0) / 1000,
    end: (Math.max(r.end - t0, r.start - t0 + minDraw)) / 1000,
    ms: Math.round((r.end - r.start) * 1000) / 1000,
  }));
  const rows = sortWorkers(new Set(records.map((r) => r.worker))).map((w) => w.replace(/ \(pid \d+\)$/, ''));
  return {
    name: opts.name,
    ...(opts.title ? { title: { text: opts.title, anchor: 'start' } } : {}),
    width: opts.width,
    height: Math.max(1, rows.length) * 26,
    data: { values },
    mark: { type: 'bar', cornerRadius: 1 },
    params: [{ name: `${opts.name}_zoom`, select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }],
    encoding: {
      x: { field: 'start', type: 'quantitative', title: TIME_TITLE },
      x2: { field: 'end' },
      y: { field: 'worker', type: 'nominal', sort: rows, title: null },
      color: { field: 'prefix', type: 'nominal', title: 'task', scale: { scheme: 'tableau10' } },
      tooltip: [
        { field: 'key', title: 'key' },
        { field: 'worker', title: 'worker' },
        { field: 'start', title: 'start (s)', format: '.4f' },
        { field: 'ms', title: 'duration (ms)' },
      ],
    },
  };
}

function lineSpec(values: Array<{ t: number; v: number }>, title: string, width: number, step = false): ChartSpec {
  return {
    width,
    height: 90,
    data: { values },
    mark: { type: 'line', interpolate: step ? 'step-after' : 'linear', point: values.length < 40, color: '#4c78a8' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: TIME_TITLE },
      y: { field: 'v', type: 'quantitative', title },
      tooltip: [
        { field: 't', title: 'time (s)', format: '.3f' },
        { field: 'v', title, format: '.1f' },
      ],
    },
  };
}

/** The Vega-Lite spec `visualizeProfile` draws. */
function profileSpec(profilers: readonly AnyProfiler[], opts: ProfileChartOptions = {}): ChartSpec {
  const width = opts.width ?? 720;
  const t0 = originOf(profilers);
  const charts: ChartSpec[] = [];
  for (const p of profilers) {
    if (p instanceof Profiler) {
      if (p.results.length) charts.push(ganttSpec(p.results, t0, { width, name: `gantt${charts.length}` }));
    } else if (p instanceof ResourceProfiler) {
      const rs = p.results;
      if (!rs.length) continue;
      charts.push(lineSpec(rs.map((s) => ({ t: (s.time - t0) / 1000, v: s.cpu })), 'CPU (%)', width));
      charts.push(lineSpec(rs.map((s) => ({ t: (s.time - t0) / 1000, v: s.rss / MIB })), 'memory (MiB)', width));
    } else if (p instanceof CacheProfiler) {
      const pts = p.series();
      if (pts.length) charts.push(lineSpec(pts.map((s) => ({ t: (s.time - t0) / 1000, v: s.bytes / MIB })), 'cache (MiB)', width, true));
    }
  }
  if (!charts.length) throw new ShoalError('ERR_SHOAL_VISUALIZE', messages.nothingProfiled());
  return stackSpec(charts, opts.title, 'independent');
}

/** Charts stacked on one shared time axis, under an optional title. */
export function stackSpec(charts: ChartSpec[], title: string | undefined, color: 'shared' | 'independent'): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(title ? { title: { text: title, anchor: 'start', fontSize: 14 } } : {}),
    config: { font: 'DejaVu Sans', view: { stroke: '#ddd' } },
    vconcat: charts,
    resolve: { scale: { x: 'shared', color } },
  };
}

/**
 * Draw profilers' records: a Gantt chart per `Profiler` (one row per worker, one bar per task,
 * coloured by key prefix), CPU % and memory lines per `ResourceProfiler`, a bytes-held line per
 * `CacheProfiler`, all on one time axis. The filename's extension picks the format: `.html`
 * (interactive: tooltips, zoom), `.svg` or `.png`. Returns the SVG (or the HTML page).
 * @example
 * const prof = new Profiler();
 * const rprof = new ResourceProfiler({ dt: 0.1 });
 * await x.compute({ scheduler: 'processes', callbacks: [prof, rprof] });
 * await visualizeProfile([prof, rprof], { filename: 'profile.html' });
 * display(await visualizeProfile([prof, rprof]));   // inline in a notebook
 */
export async function visualizeProfile(profilers: AnyProfiler | readonly AnyProfiler[], opts: ProfileChartOptions = {}): Promise<string> {
  checkOptions('visualizeProfile', opts, PROFILE_CHART_KEYS);
  const list = Array.isArray(profilers) ? (profilers as AnyProfiler[]) : [profilers as AnyProfiler];
  return renderChart(profileSpec(list, opts), { ...opts, title: opts.title ?? 'shoal profile' });
}
