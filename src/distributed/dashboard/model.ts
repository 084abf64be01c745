/**
 * What the dashboard shows, collected from the scheduler: the task stream (one lane per worker
 * thread, a bar per task coloured by its key prefix), progress per prefix, bytes held per worker,
 * CPU and memory per worker, and the graph of the running computation coloured by state. The live
 * page and `performanceReport` read the same snapshots.
 */
import { keyPrefix } from '../../graph/keys.ts';
import type { Key } from '../../graph/types.ts';
import { cpuTicks, rssBytes } from '../procfs.ts';
import type { SchedulerServer, ServerListener } from '../server.ts';

export interface StreamEntry {
  key: Key;
  prefix: string;
  worker: string;
  lane: number;
  start: number;
  end: number;
  ok: boolean;
}

export interface ProgressRow {
  prefix: string;
  done: number;
  erred: number;
  processing: number;
  waiting: number;
  memory: number;
}

export interface WorkerRow {
  id: string;
  nthreads: number;
  memory: number;
  spilled: number;
  memoryLimit: number | null;
  rss: number | null;
  cpu: number | null;
  paused: boolean;
}

export interface GraphView {
  nodes: Array<[key: Key, prefix: string, state: string]>;
  edges: Array<[from: number, to: number]>;
  /** Set when the graph was too large to draw (its size). */
  omitted?: number;
}

export interface Snapshot {
  time: number;
  /** Stream entries after `since` (all of them for a report). */
  stream: StreamEntry[];
  seq: number;
  progress: ProgressRow[];
  workers: WorkerRow[];
  graph: GraphView;
}

const MAX_STREAM = 20_000;
const MAX_GRAPH = 400;
const TICKS_PER_SECOND = 100;

export class DashboardModel implements ServerListener {
  private readonly stream: StreamEntry[] = [];
  /** Sequence number of stream[0]. */
  private base = 0;
  private readonly lanes = new Map<string, number[]>();
  private readonly done = new Map<string, number>();
  private readonly erred = new Map<string, number>();
  private readonly cpu = new Map<string, { ticks: number; at: number; pct: number }>();
  private lastCpu = 0;
  /** The last non-empty graph seen (a report is written once everything has finished). */
  private lastGraph: GraphView | undefined;

  constructor(
    private readonly server: SchedulerServer,
    private readonly workerPids: () => Array<{ id: string; pid: number }>,
  ) {
    server.listeners.add(this);
  }

  detach(): void {
    this.server.listeners.delete(this);
  }

  private lastSample = -Infinity;

  /** Nothing was running at the last snapshot: the next task starts a new computation. */
  private idle = true;

  /** Tasks are being sent out: remember the graph they belong to (at most every 100 ms). */
  taskStarted(): void {
    if (this.idle) {
      // A new computation: its progress starts from zero (the last one stayed on screen till now).
      this.idle = false;
      this.done.clear();
      this.erred.clear();
    }
    if (performance.now() - this.lastSample > 100) this.sampleGraph();
  }

  taskFinished(key: Key, worker: string, start: number, end: number): void {
    this.add(key, worker, start, end, true);
  }

  taskErred(key: Key, worker: string, start: number, end: number): void {
    this.add(key, worker, start, end, false);
  }

  private add(key: Key, worker: string, start: number, end: number, ok: boolean): void {
    if (!(end > 0)) return; // a replica that arrived, not a task run
    const prefix = keyPrefix(key);
    (ok ? this.done : this.erred).set(prefix, ((ok ? this.done : this.erred).get(prefix) ?? 0) + 1);
    // Lanes: the first one free at `start` (a worker runs up to nthreads tasks at once).
    let ends = this.lanes.get(worker);
    if (!ends) this.lanes.set(worker, (ends = []));
    let lane = ends.findIndex((e) => e <= start + 0.01);
    if (lane < 0) lane = ends.push(end) - 1;
    else ends[lane] = end;
    this.stream.push({ key, prefix, worker, lane, start, end, ok });
    if (this.stream.length > MAX_STREAM) {
      const drop = this.stream.length - MAX_STREAM;
      this.stream.splice(0, drop);
      this.base += drop;
    }
  }

  /** The state now; `since` is the sequence number the caller has seen (stream entries after it). */
  snapshot(since = 0): Snapshot {
    const st = this.server.state;
    const rows = new Map<string, ProgressRow>();
    const row = (p: string) => {
      let r = rows.get(p);
      if (!r) rows.set(p, (r = { prefix: p, done: this.done.get(p) ?? 0, erred: this.erred.get(p) ?? 0, processing: 0, waiting: 0, memory: 0 }));
      return r;
    };
    let active = 0;
    for (const ts of st.tasks.values()) {
      const p = keyPrefix(ts.key);
      if (ts.state === 'processing') (row(p).processing++, active++);
      else if (ts.state === 'waiting') (row(p).waiting++, active++);
      else if (ts.state === 'memory') row(p).memory++;
    }
    for (const p of this.done.keys()) row(p);
    for (const p of this.erred.keys()) row(p);
    const snap: Snapshot = {
      time: Date.now(),
      stream: this.stream.slice(Math.max(0, since - this.base)),
      seq: this.base + this.stream.length,
      progress: [...rows.values()].sort((a, b) => a.prefix.localeCompare(b.prefix)),
      workers: this.workerRows(),
      graph: this.graph(),
    };
    if (active === 0) this.idle = true;
    return snap;
  }

  /** The graph now (remembered, so a report shows the last one that ran). */
  sampleGraph(): GraphView {
    this.lastSample = performance.now();
    const st = this.server.state;
    const live = [...st.tasks.values()].filter((t) => t.state !== 'released');
    if (live.length > MAX_GRAPH) return (this.lastGraph = { nodes: [], edges: [], omitted: live.length });
    const index = new Map(live.map((t, i) => [t.key, i]));
    const edges: Array<[number, number]> = [];
    for (const t of live) for (const d of t.deps) if (index.has(d.key)) edges.push([index.get(d.key)!, index.get(t.key)!]);
    const g: GraphView = { nodes: live.map((t) => [t.key, keyPrefix(t.key), t.state]), edges };
    if (g.nodes.length) this.lastGraph = g;
    return g;
  }

  private graph(): GraphView {
    const g = this.sampleGraph();
    return g.nodes.length || g.omitted ? g : (this.lastGraph ?? g);
  }

  private workerRows(): WorkerRow[] {
    const now = performance.now();
    const sample = now - this.lastCpu > 400;
    if (sample) this.lastCpu = now;
    const pids = new Map(this.workerPids().map((w) => [w.id, w.pid]));
    return [...this.server.workers.values()].map((w) => {
      const pid = pids.get(w.id) ?? w.pid;
      const own = pid !== process.pid;
      let cpu: number | null = null;
      if (own) {
        const ticks = cpuTicks(pid);
        const prev = this.cpu.get(w.id);
        if (ticks !== undefined) {
          if (!prev) this.cpu.set(w.id, { ticks, at: now, pct: 0 });
          else if (sample) {
            const pct = (100 * (ticks - prev.ticks)) / TICKS_PER_SECOND / Math.max(1e-3, (now - prev.at) / 1000);
            this.cpu.set(w.id, { ticks, at: now, pct });
          }
          cpu = Math.round(this.cpu.get(w.id)!.pct);
        }
      }
      return {
        id: w.id,
        nthreads: w.nthreads,
        memory: w.memory,
        spilled: w.spilled,
        memoryLimit: w.memoryLimit ?? null,
        rss: own ? (rssBytes(pid) ?? null) : null,
        cpu,
        paused: w.paused,
      };
    });
  }
}
