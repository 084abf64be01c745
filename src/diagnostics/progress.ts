/**
 * A progress bar for computes (Dask's `dask.diagnostics.ProgressBar`): nothing for runs shorter
 * than `minimum` seconds, then a redraw every `dt` seconds, and a final line when the compute ends:
 *
 *     [################                        ] | 40% Completed |  1.2s
 *
 * Where it draws:
 * - a terminal (`out.isTTY`): one line redrawn in place with `\r`;
 * - anything else (CI logs, files, pipes): a new line each time the percentage changes, so a log
 *   shows the progress without carriage returns;
 * - a tslab notebook (when no `out` is given): one output updated in place.
 */
import type { RunStats, StartInfo, TaskInfo } from '../schedulers/callbacks.ts';
import type { Key } from '../graph/types.ts';
import { messages, OptionError } from '../errors.ts';
import { checkOptions, optionKeys } from '../options.ts';
import { BaseCallback } from './callback.ts';
import { formatTime } from './format.ts';
import { escapeHtml, notebookKernel, type NotebookDisplay } from './notebook.ts';

/** Where a progress bar writes: `process.stdout`, `process.stderr`, or anything with `write`. */
export interface ProgressOutput {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface ProgressBarOptions {
  /** Draw nothing for computes shorter than this many seconds (default 0). */
  minimum?: number;
  /** Width of the bar in characters (default 40). */
  width?: number;
  /** Seconds between redraws (default 0.1). */
  dt?: number;
  /** Where to write (default: the notebook when in tslab, else `process.stdout`). */
  out?: ProgressOutput;
  /** Seconds on a monotonic clock (default `performance.now() / 1000`); tests inject their own. */
  clock?: () => number;
  /** Call `tick` every `ms` until the returned function is called (default: an unref'd setInterval). */
  timer?: (tick: () => void, ms: number) => () => void;
}
const PROGRESS_BAR_KEYS = optionKeys<ProgressBarOptions>({ minimum: true, width: true, dt: true, out: true, clock: true, timer: true });

const defaultTimer = (tick: () => void, ms: number) => {
  const t = setInterval(tick, ms);
  t.unref();
  return () => clearInterval(t);
};

/**
 * Show the progress of computes.
 * @example
 * await x.compute({ callbacks: [new ProgressBar()] });
 * // [########################################] | 100% Completed |  1.3s
 * const pb = new ProgressBar({ minimum: 1, dt: 0.5, out: process.stderr }).register();  // every compute
 */
export class ProgressBar extends BaseCallback {
  readonly minimum: number;
  readonly width: number;
  readonly dt: number;
  /** Duration of the last compute watched, in seconds. */
  lastDuration = 0;
  private readonly out: ProgressOutput | undefined;
  private readonly clock: () => number;
  private readonly timer: (tick: () => void, ms: number) => () => void;
  private t0 = 0;
  private total = 0;
  private doneCount = 0;
  private stop: (() => void) | undefined;
  private lastPercent = -1;
  private note: NotebookDisplay | undefined;
  private sink: ProgressOutput | 'notebook' = process.stdout;

  constructor(opts: ProgressBarOptions = {}) {
    super();
    const { minimum = 0, width = 40, dt = 0.1 } = checkOptions('ProgressBar', opts, PROGRESS_BAR_KEYS);
    if (!(Number.isFinite(minimum) && minimum >= 0)) throw new OptionError(messages.badOption('minimum', minimum, 'must be a number of seconds >= 0'));
    if (!(Number.isInteger(width) && width >= 1)) throw new OptionError(messages.badOption('width', width, 'must be a whole number >= 1'));
    if (!(Number.isFinite(dt) && dt > 0)) throw new OptionError(messages.badOption('dt', dt, 'must be a number of seconds > 0'));
    this.minimum = minimum;
    this.width = width;
    this.dt = dt;
    this.out = opts.out;
    this.clock = opts.clock ?? (() => performance.now() / 1000);
    this.timer = opts.timer ?? defaultTimer;
  }

  override start(info: StartInfo): void {
    this.stop?.();
    this.t0 = this.clock();
    this.total = info.tasks;
    this.doneCount = 0;
    this.lastPercent = -1;
    this.note = undefined;
    this.sink = this.out ?? (notebookKernel() ? 'notebook' : process.stdout);
    this.stop = this.timer(() => this.tick(), this.dt * 1000);
  }

  override posttask(_key: Key, _info: TaskInfo): void {
    this.doneCount++;
  }

  override finish(_stats: RunStats, error?: unknown): void {
    this.stop?.();
    this.stop = undefined;
    const elapsed = this.clock() - this.t0;
    this.lastDuration = elapsed;
    if (elapsed < this.minimum) return;
    // A failed compute keeps the percentage it reached (Dask's behaviour).
    this.draw(error === undefined ? 1 : this.fraction(), elapsed, true);
  }

  /** One redraw (called every `dt`); draws only after `minimum` and while tasks remain. */
  private tick(): void {
    const elapsed = this.clock() - this.t0;
    if (elapsed > this.minimum && this.doneCount < this.total) this.draw(this.fraction(), elapsed, false);
  }

  private fraction(): number {
    return this.total ? this.doneCount / this.total : 0;
  }

  private draw(frac: number, elapsed: number, final: boolean): void {
    const percent = Math.floor(100 * frac);
    const filled = Math.floor(this.width * frac);
    const line = `[${'#'.repeat(filled).padEnd(this.width)}] | ${percent}% Completed | ${formatTime(elapsed)}`;
    const out = this.sink;
    if (out === 'notebook') {
      this.note ??= notebookKernel()?.newDisplay();
      this.note?.html(barHtml(frac, line));
    } else if (out.isTTY) {
      out.write(`\r${line}${final ? '\n' : ''}`);
    } else if (final || percent !== this.lastPercent) {
      out.write(`${line}\n`);
    }
    this.lastPercent = percent;
  }
}

/** The notebook form: a coloured bar with the same text as the terminal line. */
function barHtml(frac: number, line: string): string {
  const pct = (100 * frac).toFixed(1);
  return (
    `<div style="font-family:monospace;display:flex;align-items:center;gap:8px">` +
    `<div style="width:240px;height:12px;border:1px solid #888;border-radius:2px;background:#eee">` +
    `<div style="width:${pct}%;height:100%;background:#4c78a8"></div></div>` +
    `<span>${escapeHtml(line.slice(line.indexOf('|') + 2))}</span></div>`
  );
}
