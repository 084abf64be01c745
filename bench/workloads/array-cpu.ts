/**
 * CPU seconds of this process (all its threads, so worker threads too) per run: next to wall time,
 * a figure a busy shared machine distorts less (a run waiting for a core does not count the wait).
 * Runs record their CPU time here; `cpuFields` reports the median over the timed runs of a line
 * (the runner's first run of each line is its untimed warm-up) and starts the next line afresh.
 */
import { median } from '../stats.ts';

const runs: number[] = [];

/** Call at the start of a run; call the result at its end. */
export function cpuTimer(): () => number {
  const start = process.cpuUsage();
  return () => {
    const d = process.cpuUsage(start);
    const s = (d.user + d.system) / 1e6;
    runs.push(s);
    return s;
  };
}

/** Median CPU seconds of the timed runs of this line, and CPU time over wall time. */
export function cpuFields(wall: number): Record<string, number> {
  const timed = runs.slice(1);
  runs.length = 0;
  if (timed.length === 0) return {};
  const cpu = median(timed);
  return { cpu_s_median: +cpu.toFixed(3), cpu_per_wall: +(cpu / wall).toFixed(2) };
}
