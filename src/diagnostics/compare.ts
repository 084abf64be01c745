/**
 * `compareSchedulers`: the same work under several schedulers, profiled, drawn as stacked Gantt
 * charts on one time axis with each run's wall time, so the difference between threads and
 * processes (or sync) is seen rather than told.
 */
import { messages, OptionError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import type { Graph, Key } from '../graph/types.ts';
import { getScheduler, warmup } from '../schedulers/index.ts';
import { ganttSpec, PROFILE_CHART_KEYS, stackSpec, type ProfileChartOptions } from './gantt.ts';
import { Profiler } from './profiler.ts';
import { chartTarget, renderChart, type ChartSpec } from './render.ts';

/** What compareSchedulers needs of a collection (the collection protocol's graph and keys). */
export interface Computable {
  __graph__(): Graph;
  __keys__(): Key[];
}

export interface CompareOptions extends ProfileChartOptions {
  /** Workers for the pool schedulers (default: the number of cores). */
  numWorkers?: number;
  /** Fuse linear chains (default true, as in a compute). */
  fuse?: boolean;
  /** Start pools before timing, so a run's wall time is the work, not pool start-up (default true). */
  warmup?: boolean;
}
const COMPARE_KEYS = [...PROFILE_CHART_KEYS, ...optionKeys<Omit<CompareOptions, keyof ProfileChartOptions>>({ numWorkers: true, fuse: true, warmup: true })];

/** One scheduler's run. */
export interface SchedulerRun {
  scheduler: string;
  wallSeconds: number;
  profiler: Profiler;
}

/**
 * The result of `compareSchedulers`: the runs, and the chart (SVG, or HTML for .html files).
 * @example
 * const cmp = await compareSchedulers(x, ['threads', 'processes']);
 * cmp.runs.map((r) => [r.scheduler, r.wallSeconds]);   // [['threads', 0.42], ['processes', 0.45]]
 */
export class SchedulerComparison {
  constructor(
    readonly runs: SchedulerRun[],
    readonly chart: string,
    private readonly svg: string,
  ) {}

  /** The stacked Gantt charts as SVG, for notebooks (`display(cmp)`). */
  reprHtml(): string {
    return this.svg;
  }

  /** One line per scheduler: name, wall time, tasks, workers used. */
  toString(): string {
    return this.runs
      .map((r) => `${r.scheduler.padEnd(10)} ${r.wallSeconds.toFixed(3).padStart(8)} s  ${r.profiler.results.length} tasks on ${r.profiler.workers().length} worker(s)`)
      .join('\n');
  }
}

function isComputable(x: unknown): x is Computable {
  return typeof x === 'object' && x !== null && typeof (x as Computable).__graph__ === 'function' && typeof (x as Computable).__keys__ === 'function';
}

/**
 * Run `collection` once per scheduler with a Profiler and draw the runs as stacked Gantt charts
 * titled with their wall times (filename extension: .html, .svg or .png).
 * @example
 * const cmp = await compareSchedulers(total, ['sync', 'threads', 'processes'], { filename: 'compare.svg' });
 * console.log(String(cmp));   // sync 1.204 s  8 tasks on 1 worker(s) ...
 * display(cmp);               // inline in a notebook
 */
export async function compareSchedulers(
  collection: Computable,
  schedulers: readonly string[] = ['sync', 'threads', 'processes'],
  opts: CompareOptions = {},
): Promise<SchedulerComparison> {
  if (!isComputable(collection)) throw new OptionError(messages.notACollection(collection));
  checkOptions('compareSchedulers', opts, COMPARE_KEYS);
  if (!Array.isArray(schedulers) || schedulers.length === 0) throw new OptionError(messages.badOption('schedulers', schedulers, 'must be a non-empty list of scheduler names'));
  const format = chartTarget(opts).format;
  const { numWorkers, fuse } = opts;
  const runs: SchedulerRun[] = [];
  for (const name of schedulers) {
    const scheduler = getScheduler(name);
    if ((opts.warmup ?? true) && (scheduler.name === 'threads' || scheduler.name === 'processes')) await warmup({ scheduler: scheduler.name, numWorkers });
    const profiler = new Profiler();
    const t = performance.now();
    await scheduler.get(collection.__graph__(), collection.__keys__(), { callbacks: [profiler], numWorkers, fuse });
    runs.push({ scheduler: name, wallSeconds: (performance.now() - t) / 1000, profiler });
  }
  const spec = compareSpec(runs, opts);
  const chart = await renderChart(spec, { ...opts, title: opts.title ?? 'shoal: schedulers compared' });
  const svg = format === 'html' ? await renderChart(spec) : chart;
  return new SchedulerComparison(runs, chart, svg);
}

/** Stacked Gantt charts, each starting at its own run's start, sharing the time axis. */
function compareSpec(runs: readonly SchedulerRun[], opts: CompareOptions): ChartSpec {
  const width = opts.width ?? 720;
  const charts = runs.map((r, i) => {
    const t0 = r.profiler.runs[0]?.start ?? Math.min(...r.profiler.results.map((x) => x.start));
    return ganttSpec(r.profiler.results, t0, { width, name: `run${i}`, title: `${r.scheduler}: ${r.wallSeconds.toFixed(3)} s` });
  });
  return stackSpec(charts, opts.title, 'shared');
}
