/**
 * The Chrome trace event format (what Perfetto and chrome://tracing open): one complete event
 * (`ph: 'X'`, microseconds) per task. Worker processes get their own pid (their real one);
 * the calling thread and worker threads share this process's pid with a tid each, and metadata
 * events name every process and thread.
 */
import type { TaskRecord } from './profiler.ts';

export interface TraceEvent {
  name: string;
  ph: 'X' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
}

/** pid and tid for a worker name: 'main', 'thread-3', 'process-2 (pid 4242)'. */
function placeOf(worker: string): { pid: number; tid: number } {
  const proc = /^process-(\d+) \(pid (\d+)\)$/.exec(worker);
  if (proc) return { pid: Number(proc[2]), tid: 0 };
  const thread = /^thread-(\d+)$/.exec(worker);
  return { pid: process.pid, tid: thread ? Number(thread[1]) : 0 };
}

/**
 * Trace events for profiled tasks (times relative to the first task, in µs).
 * @example
 * const trace = toChromeTrace(profiler.results);
 * trace.traceEvents.filter((e) => e.ph === 'X').length;   // one per task
 */
export function toChromeTrace(records: readonly TaskRecord[]): ChromeTrace {
  const t0 = records.reduce((m, r) => Math.min(m, r.start), Infinity);
  const events: TraceEvent[] = [];
  const named = new Set<string>();
  for (const r of records) {
    const { pid, tid } = placeOf(r.worker);
    if (!named.has(r.worker)) {
      named.add(r.worker);
      const label = r.worker.replace(/ \(pid \d+\)$/, '');
      if (!named.has(`pid:${pid}`)) {
        named.add(`pid:${pid}`);
        events.push({ name: 'process_name', ph: 'M', pid, tid, args: { name: pid === process.pid ? `shoal (pid ${pid})` : `shoal ${label} (pid ${pid})` } });
      }
      events.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: label } });
    }
    events.push({
      name: r.prefix,
      cat: 'task',
      ph: 'X',
      pid,
      tid,
      ts: Math.round((r.start - t0) * 1000 * 1000) / 1000,
      dur: Math.max(0, Math.round((r.end - r.start) * 1000 * 1000) / 1000),
      args: { key: r.key, worker: r.worker },
    });
  }
  return { traceEvents: events, displayTimeUnit: 'ms' };
}
