/**
 * Profiler, ResourceProfiler, CacheProfiler on every scheduler: records match the graph's tasks,
 * a task never starts before its inputs end, the chrome trace and the charts have one entry per task.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CacheProfiler, compareSchedulers, delayed, Profiler, ResourceProfiler, shutdown, visualizeProfile, type Delayed } from '../../src/index.ts';
import { SCHEDULERS, tempDir } from '../helpers.ts';

const tmp = tempDir();
afterAll(async () => {
  await shutdown();
  tmp.cleanup();
});

/** 6 leaves (Float64Array of 1000·(i+1) values, busy ~20 ms) → 3 pair sums → total. */
function tree(): { total: Delayed<number>; deps: Map<string, string[]>; sizes: Map<string, number> } {
  const deps = new Map<string, string[]>();
  const sizes = new Map<string, number>();
  const leaves = [0, 1, 2, 3, 4, 5].map((i) => {
    const d = delayed((n: number) => {
      const end = Date.now() + 20;
      while (Date.now() < end);
      return new Float64Array(n).fill(1);
    }, { name: 'leaf' })(1000 * (i + 1));
    deps.set(d.key, []);
    sizes.set(d.key, 8000 * (i + 1));
    return d;
  });
  const pairs = [0, 2, 4].map((i) => {
    const d = delayed((a: Float64Array, b: Float64Array) => a.length + b.length, { name: 'pair' })(leaves[i]!, leaves[i + 1]!);
    deps.set(d.key, [leaves[i]!.key, leaves[i + 1]!.key]);
    sizes.set(d.key, 8);
    return d;
  });
  const total = delayed((xs: number[]) => xs.reduce((s, v) => s + v, 0), { name: 'total' })(pairs);
  deps.set(total.key, pairs.map((p) => p.key));
  sizes.set(total.key, 8);
  return { total, deps, sizes };
}
const EXPECTED = 21_000;

describe.each(SCHEDULERS)('%s', (scheduler) => {
  const opts = { scheduler, numWorkers: 2, fuse: false } as const;

  test('Profiler: one record per task, on a named worker, never before its inputs end; chrome trace', async () => {
    const { total, deps } = tree();
    const prof = new Profiler();
    expect(await total.compute({ ...opts, callbacks: [prof] })).toBe(EXPECTED);
    expect(prof.results.map((r) => r.key).sort()).toEqual([...deps.keys()].sort());
    expect(new Set(prof.results.map((r) => r.prefix))).toEqual(new Set(['leaf', 'pair', 'total']));
    const byKey = new Map(prof.results.map((r) => [r.key, r]));
    const skew = scheduler === 'processes' ? 5 : 0; // separate processes: the same wall clock, read apart
    for (const [key, ds] of deps) {
      const r = byKey.get(key)!;
      expect(r.end).toBeGreaterThanOrEqual(r.start);
      for (const d of ds) expect(r.start + skew).toBeGreaterThanOrEqual(byKey.get(d)!.end);
    }
    const pattern = scheduler === 'sync' ? /^main$/ : scheduler === 'threads' ? /^thread-\d+$/ : /^process-\d+ \(pid \d+\)$/;
    for (const w of prof.workers()) expect(w).toMatch(pattern);
    expect(prof.runs).toHaveLength(1);
    expect(prof.runs[0]!.scheduler).toBe(scheduler);
    expect(prof.runs[0]!.end).toBeGreaterThanOrEqual(prof.runs[0]!.start);

    const file = path.join(tmp.dir, `${scheduler}-trace.json`);
    await prof.toChromeTrace(file);
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: Array<Record<string, any>> };
    const xs = trace.traceEvents.filter((e) => e.ph === 'X');
    expect(xs).toHaveLength(deps.size);
    expect(xs.map((e) => e.args.key).sort()).toEqual([...deps.keys()].sort());
    for (const e of xs) {
      expect(e.dur).toBeGreaterThanOrEqual(0);
      expect(e.ts).toBeGreaterThanOrEqual(0);
      const worker = byKey.get(e.args.key)!.worker;
      const pid = /\(pid (\d+)\)/.exec(worker)?.[1];
      expect(e.pid).toBe(pid ? Number(pid) : process.pid);
    }
    // Every (pid, tid) used by a task is named by a metadata event.
    const named = new Set(trace.traceEvents.filter((e) => e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
    for (const e of xs) expect(named.has(`${e.pid}/${e.tid}`)).toBe(true);
  });

  test('CacheProfiler: each result sized where it ran, held until released', async () => {
    const { total, sizes } = tree();
    const cprof = new CacheProfiler();
    await total.compute({ ...opts, callbacks: [cprof] });
    expect(new Map(cprof.results.map((r) => [r.key, r.nbytes]))).toEqual(sizes);
    for (const r of cprof.results) expect(r.end).toBeGreaterThanOrEqual(r.start);
    const series = cprof.series();
    expect(series.at(-1)!.bytes).toBe(0);
    for (let i = 1; i < series.length; i++) expect(series[i]!.time).toBeGreaterThanOrEqual(series[i - 1]!.time);
    // At its peak the cache held at least the largest leaf, and never more than everything.
    const peak = Math.max(...series.map((p) => p.bytes));
    expect(peak).toBeGreaterThanOrEqual(48_000);
    expect(peak).toBeLessThanOrEqual([...sizes.values()].reduce((a, b) => a + b, 0));
  });
});

test('ResourceProfiler: CPU and RSS of this process and the worker processes', async () => {
  const rprof = new ResourceProfiler({ dt: 0.02 });
  const prof = new Profiler();
  expect(await tree().total.compute({ scheduler: 'processes', numWorkers: 2, fuse: false, callbacks: [prof, rprof] })).toBe(EXPECTED);
  expect(rprof.results.length).toBeGreaterThanOrEqual(2);
  for (const s of rprof.results) {
    expect(s.processes).toBe(3); // this process + 2 workers
    expect(s.rss).toBeGreaterThan(20 * 1024 * 1024);
    expect(s.cpu).toBeGreaterThanOrEqual(0);
  }
  expect(() => new ResourceProfiler({ dt: -1 })).toThrow(/dt/);

  // The chart: one bar per task in the Gantt, resource lines under it; valid SVG (resvg parses it).
  const svg = await visualizeProfile([prof, rprof], { filename: path.join(tmp.dir, 'profile.png') });
  expect(barsIn(svg, 'gantt0_marks')).toBe(prof.results.length);
  expect(svg).toContain('CPU (%)');
  expect(svg).toContain('memory (MiB)');
  const png = readFileSync(path.join(tmp.dir, 'profile.png'));
  expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
});

/** Bars (`aria-roledescription="bar"` paths) inside the mark group named `name`. */
function barsIn(svg: string, name: string): number {
  const start = svg.indexOf(`role-mark ${name}"`);
  expect(start).toBeGreaterThan(0);
  const end = svg.indexOf('</g>', start);
  return svg.slice(start, end).match(/aria-roledescription="bar"/g)?.length ?? 0;
}

test('visualizeProfile: SVG and interactive HTML with one bar per task; bad names are named', async () => {
  const { total, deps } = tree();
  const prof = new Profiler();
  const cprof = new CacheProfiler();
  await total.compute({ scheduler: 'threads', numWorkers: 2, fuse: false, callbacks: [prof, cprof] });
  const svgFile = path.join(tmp.dir, 'p.svg');
  const svg = await visualizeProfile([prof, cprof], { filename: svgFile });
  expect(readFileSync(svgFile, 'utf8')).toBe(svg);
  expect(svg.startsWith('<svg')).toBe(true);
  expect(barsIn(svg, 'gantt0_marks')).toBe(deps.size);
  expect(svg).toContain('cache (MiB)');
  // One y-axis label per worker row.
  for (const w of prof.workers()) expect(svg).toContain(`>${w}</text>`);

  const html = await visualizeProfile(prof, { filename: path.join(tmp.dir, 'p.html') });
  expect(html.startsWith('<!doctype html>')).toBe(true);
  const spec = JSON.parse(/const spec = (.*);\n/.exec(html)![1]!) as { data: Array<{ name: string; values?: Array<{ key?: string }> }> };
  const taskRows = spec.data.flatMap((d) => d.values ?? []).filter((v) => v.key !== undefined);
  expect(taskRows.map((v) => v.key).sort()).toEqual([...deps.keys()].sort());

  await expect(visualizeProfile(prof, { filename: path.join(tmp.dir, 'p.gif') })).rejects.toThrow(/unknown chart format "gif"/);
  await expect(visualizeProfile(new Profiler())).rejects.toThrow(/recorded no task/);
});

test('compareSchedulers: stacked Gantt charts with wall times, same tasks on each', async () => {
  const { total, deps } = tree();
  const file = path.join(tmp.dir, 'compare.svg');
  const cmp = await compareSchedulers(total, ['sync', 'threads', 'processes'], { filename: file, numWorkers: 2, fuse: false });
  expect(cmp.runs.map((r) => r.scheduler)).toEqual(['sync', 'threads', 'processes']);
  const svg = readFileSync(file, 'utf8');
  cmp.runs.forEach((r, i) => {
    expect(r.profiler.results).toHaveLength(deps.size);
    expect(r.wallSeconds).toBeGreaterThan(0);
    expect(barsIn(svg, `run${i}_marks`)).toBe(deps.size);
    expect(svg).toContain(`${r.scheduler}: ${r.wallSeconds.toFixed(3)} s`);
  });
  expect(cmp.reprHtml()).toBe(svg);
  expect(String(cmp).split('\n')).toHaveLength(3);
  await expect(compareSchedulers(42 as never)).rejects.toThrow(/needs a shoal collection/);
});
