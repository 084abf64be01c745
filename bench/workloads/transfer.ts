/**
 * transfer: how fast large values move between the calling process and workers, 2 workers.
 * Payloads: Float64Arrays of 1, 16 and 128 MB, and an array of 300,000 small objects
 * ({ id, name, value }, ~10 MB serialized). Directions:
 * - `to`: a data node in the calling process, read by a task on a worker (the task returns a
 *   checksum of a few elements).
 * - `from`: a worker makes the value, the calling process fetches it as the compute's result.
 * - `between`: each of the 2 workers makes one value, and a task needing both runs on one of
 *   them, so exactly one value moves from one worker to the other.
 * Each timed run computes the graph and, just before it, a baseline graph doing the same work
 * without moving the payload (the task returns its length instead, or the data node is tiny);
 * `xfer_ms` is the median of (wall - baseline) over the runs and `mb_per_s` the payload's bytes
 * (its v8-serialized size for objects) over that. `wall_s_median` is the full compute.
 * On processes each case runs with transfer files (`files: true`, the default) and without
 * (`files: false`: everything over the IPC channel, as before), one line after the other, so
 * the two compare on the same (busy) machine.
 */
import { serialize } from 'node:v8';
import { data, task, ref, type Graph, type GraphNode } from '../../src/graph/types.ts';
import { shutdown, warmup } from '../../src/index.ts';
import { getPool, getScheduler } from '../../src/schedulers/index.ts';
import { specOf } from '../../src/schedulers/specs.ts';
import type { RunContext, Workload } from './types.ts';
import { median } from '../stats.ts';

type Payload = 'f64' | 'objects';
type Dir = 'to' | 'from' | 'between';

const OBJECTS = 300_000;

// Task functions travel as source, so each is self-contained.
const makeF64 = (n: number, seed: number) => {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i += 512) a[i] = i + seed; // touch every page, as a real result would
  a[n - 1] = seed;
  return a;
};
const makeObjects = (n: number, seed: number) => {
  const out = [];
  for (let i = 0; i < n; i++) out.push({ id: i + seed, name: `item-${i}`, value: i * 0.5 });
  return out;
};
const probe = (...xs: unknown[]) => {
  let s = 0;
  for (const x of xs) {
    const a = x as ArrayLike<number | { id: number }>;
    const last = a[a.length - 1]!;
    s += a.length + (typeof last === 'number' ? last : last.id);
  }
  return s;
};
const lengthOf = (x: ArrayLike<unknown>) => x.length;

function make(payload: Payload, n: number, seed: number): Float64Array | object[] {
  return payload === 'f64' ? makeF64(n, seed) : makeObjects(n, seed);
}

function graph(payload: Payload, dir: Dir, n: number, baseline: boolean, local?: unknown): { g: Graph; out: string } {
  const g = new Map<string, GraphNode>();
  const mk = specOf(payload === 'f64' ? makeF64 : makeObjects);
  const add = (node: GraphNode) => g.set(node.key, node);
  if (dir === 'to') {
    // The baseline sends a one-element value instead: the same graph, without the payload.
    add(data('payload', baseline ? make(payload, 1, 7) : local));
    add(task('out', specOf(probe), [ref('payload')]));
  } else if (dir === 'from') {
    add(task('made', mk, [n, 7]));
    if (baseline) add(task('out', specOf(lengthOf), [ref('made')]));
    else add(task('out', specOf((x: unknown) => x), [ref('made')]));
  } else {
    add(task('a', mk, [n, 1]));
    add(task('b', mk, [n, 2]));
    if (baseline) {
      add(task('la', specOf(lengthOf), [ref('a')]));
      add(task('lb', specOf(lengthOf), [ref('b')]));
      add(task('out', specOf(probe), [[ref('la')], [ref('lb')]]));
    } else add(task('out', specOf(probe), [ref('a'), ref('b')]));
  }
  return { g, out: 'out' };
}

const locals = new Map<string, Float64Array | object[]>();
const times = new Map<string, number[]>();
let bytesOf = new Map<string, number>();

function idOf(ctx: RunContext): string {
  return `${ctx.scheduler}:${ctx.payload}:${ctx.mb ?? ''}:${ctx.dir}:${ctx.files}`;
}

const envMin = process.env.SHOAL_BULK_MIN;

/** Make the processes pool use transfer files or not (a new pool; the runner's warm-up run pays for it). */
async function usePool(files: boolean): Promise<void> {
  if ((getPool('processes', 2).transferDirectory !== undefined) === files) return;
  await shutdown();
  process.env.SHOAL_BULK_MIN = files ? (envMin ?? '') : 'off';
  await warmup({ scheduler: 'processes', numWorkers: 2 });
}

async function run(ctx: RunContext): Promise<{ checksum: unknown; id: string }> {
  if (ctx.scheduler === 'processes') await usePool(ctx.files !== false);
  const payload = ctx.payload as Payload;
  const dir = ctx.dir as Dir;
  const n = payload === 'f64' ? ((ctx.mb as number) * 2 ** 20) / 8 : OBJECTS;
  const lk = `${payload}:${n}`;
  if (dir === 'to' && !locals.has(lk)) locals.set(lk, make(payload, n, 7));
  if (!bytesOf.has(lk)) bytesOf.set(lk, payload === 'f64' ? n * 8 : serialize(make(payload, n, 7)).length);
  const opts = { numWorkers: 2, fuse: false };
  const s = getScheduler(ctx.scheduler);
  const base = graph(payload, dir, n, true, locals.get(lk));
  let t = performance.now();
  await s.get(base.g, [base.out], opts);
  const baseMs = performance.now() - t;
  const full = graph(payload, dir, n, false, locals.get(lk));
  t = performance.now();
  const [value] = await s.get(full.g, [full.out], opts);
  const ms = performance.now() - t;
  const id = idOf(ctx);
  if (!times.has(id)) times.set(id, []);
  times.get(id)!.push(ms - baseMs);
  // Check what arrived.
  let checksum: unknown = value;
  if (dir === 'from') {
    const v = value as ArrayLike<unknown>;
    if (v.length !== n) throw new Error(`transfer: fetched ${v.length} items, expected ${n}`);
    checksum = probe(v);
  }
  const expected = dir === 'to' || dir === 'from' ? n + 7 + (payload === 'f64' ? 0 : n - 1) : 2 * n + 3 + (payload === 'f64' ? 0 : 2 * n - 2);
  if (checksum !== expected) throw new Error(`transfer ${id}: checksum ${checksum}, expected ${expected}`);
  return { checksum, id };
}

const variants: Record<string, unknown>[] = [];
for (const dir of ['to', 'from', 'between'] as const) {
  for (const mb of [1, 16, 128]) for (const files of [true, false]) variants.push({ payload: 'f64', mb, dir, files });
  for (const files of [true, false]) variants.push({ payload: 'objects', dir, files });
}

export const transfer: Workload = {
  // threads (no files there: `files` changes nothing) for comparison: --scheduler threads
  schedulers: ['processes'],
  variants,
  run,
  fields: (_wall, result) => {
    const id = result.id as string;
    const xs = times.get(id)!.slice(1); // the first is the untimed warm-up
    times.delete(id);
    const [, payload, mb] = id.split(':');
    const bytes = payload === 'f64' ? Number(mb) * 2 ** 20 : bytesOf.get(`objects:${OBJECTS}`)!;
    const ms = median(xs);
    return { bytes, xfer_ms: +ms.toFixed(2), mb_per_s: +(bytes / 2 ** 20 / (Math.max(ms, 1e-3) / 1000)).toFixed(0) };
  },
};
