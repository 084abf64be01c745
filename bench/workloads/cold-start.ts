/**
 * cold-start: a fresh `node` process per run (cold-start-child.mjs) that imports the built package
 * and computes `bag.fromSequence([1, 2, 3, 4]).map(x => x * 2).sum()` on threads (20), the first
 * thing a new user runs. Reported: `first_result_ms_median`, the median of the ms from the
 * process's start to the result (node's own start-up included), with its parts `node_ms` (to the
 * first line of the script), `import_ms` and `compute_ms` (thread pool start included), and
 * `cpu_ms`, the CPU time of all its threads to the result (steadier than wall time on a busy
 * machine); the wall time of a run is the process's, to its exit. From `dist/` (`npm run build`
 * first), or from the `dist/index.js` named by SHOAL_COLD_START_DIST (to compare two builds back
 * to back).
 * Target: <= 150 ms to the first result.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from '../stats.ts';
import type { Workload } from './types.ts';

const CHILD = fileURLToPath(new URL('./cold-start-child.mjs', import.meta.url));

function distEntry(): string {
  const path = process.env.SHOAL_COLD_START_DIST ?? fileURLToPath(new URL('../../dist/index.js', import.meta.url));
  if (!existsSync(path)) throw new Error(`cold-start: ${path} does not exist; run \`npm run build\` first`);
  return pathToFileURL(path).href;
}

interface Sample {
  value: number;
  startMs: number;
  importMs: number;
  computeMs: number;
  firstResultMs: number;
  cpuMs: number;
}

/** Every run's sample since the last line; the runner's first (warm-up) run is left out. */
let samples: Sample[] = [];

const ms = (xs: number[]) => +median(xs).toFixed(1);

export const coldStart: Workload = {
  schedulers: ['threads'],
  ownProcesses: true,
  async run() {
    const out = execFileSync(process.execPath, [CHILD, distEntry()], { encoding: 'utf8', timeout: 60_000 });
    const s = JSON.parse(out) as Sample;
    if (s.value !== 20) throw new Error(`cold-start: expected 20, got ${s.value}`);
    samples.push(s);
    return { checksum: s.value };
  },
  fields() {
    const timed = samples.slice(1);
    samples = [];
    return {
      first_result_ms_median: ms(timed.map((s) => s.firstResultMs)),
      first_result_ms_min: +Math.min(...timed.map((s) => s.firstResultMs)).toFixed(1),
      node_ms: ms(timed.map((s) => s.startMs)),
      import_ms: ms(timed.map((s) => s.importMs)),
      compute_ms: ms(timed.map((s) => s.computeMs)),
      cpu_ms: ms(timed.map((s) => s.cpuMs)),
    };
  },
};
