/**
 * The loop's adapter for a worker pool (threads or processes). Results stay in the worker that
 * made them; a task goes to the worker that holds most of its inputs, and only inputs held
 * elsewhere are copied (fetched through the pool, counted in `transfers`). Requested outputs are
 * sent back as they finish. On threads, typed-array results are moved into SharedArrayBuffer by
 * the worker that made them (one copy), so every later hop passes a reference.
 * (An earlier design sent every result back to the calling thread on `threads`; keeping results
 * where they were made measured 3x faster when a large JS result feeds ten tasks, and the same
 * on chains of tiny tasks.)
 * Ready tasks leave in batches, one message per worker per round, and the number in flight per
 * worker adapts to the measured task duration (about 2 ms of work queued per worker), so tiny
 * tasks cost ~1 µs of messaging and long ones still spread across workers.
 */
import { CancelledError, messages, TaskError, WorkerDiedError, type RemoteErrorInfo } from '../errors.ts';
import type { Key } from '../graph/types.ts';
import type { RunStats, TaskInfo } from './callbacks.ts';
import { ExecTable, specsOf, type Adapter, type Plan, type Run } from './loop.ts';
import { linkBulk, readBulk, unlinkQuietly, writeBulk } from './bulk.ts';
import { discardFiles, type PoolClient, type PoolWorker, type WorkerPool } from './pool.ts';
import { FNS, KEEP, MEASURE, PUT_BYTES, PUT_FILE, RESOLVE, RESULT_STRIDE, SEND, SHARE, type FromWorker, type RunMsg, type WireTask } from './protocol.ts';
import { assertAllShippable } from './ship.ts';
import { sizeOf } from './sizeof.ts';

const BUDGET_MS = 2;
const MIN_CAP = 2;
const MAX_CAP = 256;

interface Outbox {
  defs: NonNullable<RunMsg['defs']>;
  puts: NonNullable<RunMsg['puts']>;
  rel: Key[];
  tasks: WireTask[];
}

/** Delete the transfer files written for a batch that will not be sent. */
function discardPuts(b: Outbox): void {
  for (const p of b.puts) if (p[2] === PUT_FILE) unlinkQuietly(p[1] as string);
  for (const t of b.tasks) if (t[5]) for (const k of t[5]) unlinkQuietly(t[2][k] as string);
}

export class PoolAdapter implements Adapter, PoolClient {
  readonly name: string;
  private plan!: Plan;
  private run!: Run;
  private computeId = 0;
  private exec!: ExecTable;
  /** Values held in the calling thread: data nodes and inputs fetched from a worker. */
  private values: unknown[] = [];
  private inMain!: Uint8Array;
  /**
   * How a value held here is kept (processes): 0 as itself, PUT_BYTES as v8 bytes fetched from a
   * worker, PUT_FILE as the path of a transfer file fetched from a worker (ours to delete). The
   * last two are sent on as they are, never decoded here.
   */
  private heldAs!: Uint8Array;
  /** Processes: whether a value held as itself is large enough to travel as a file (0: not known yet, 1: no, 2: yes). */
  private large!: Uint8Array;
  private files = false;
  /** Processes: positions of the large literal arguments of each task that has some. */
  private bigArgs = new Map<number, number[]>();
  /** Which workers hold each result. */
  private where: Array<PoolWorker[] | undefined> = [];
  /** The worker told to drop each result after its last use. */
  private droppedOn: Array<PoolWorker | undefined> = [];
  /** The worker each submitted, unfinished task was sent to. */
  private runningOn: Array<PoolWorker | undefined> = [];
  /** How many submitted, unfinished tasks each worker has. */
  private inFlight = new Map<PoolWorker, number>();
  private outbox = new Map<PoolWorker, Outbox>();
  private touched = new Set<PoolWorker>();
  private avgMs = -1;
  private transfers = 0;
  private messages = 0;
  private peakWorkerHeld = 0;
  // Tasks waiting for inputs to arrive from other workers.
  private waitingInputs = new Map<number, { worker: PoolWorker; missing: number }>();
  private fetching = new Map<number, number[]>(); // input → tasks waiting for it
  private fetchReqs = new Map<number, number[]>(); // request id → inputs
  private toFetch = new Map<PoolWorker, number[]>(); // holder → inputs to ask for at the next flush
  private nextReq = 1;
  private ended = false;
  private measure = false;

  constructor(private readonly pool: WorkerPool) {
    this.name = pool.kind;
  }

  prepare(plan: Plan, run: Run): void {
    this.plan = plan;
    this.run = run;
    this.measure = run.measureBytes;
    // Every shipped function is checked before anything runs.
    assertAllShippable(plan.tasks.flatMap((t) => (t ? specsOf(t) : [])), this.name);
    this.pool.ensure();
    this.computeId = this.pool.attach(this);
    this.exec = new ExecTable(plan, (s) => this.pool.fnId(s));
    this.values = plan.data.slice();
    const n = plan.keys.length;
    this.inMain = new Uint8Array(n);
    this.heldAs = new Uint8Array(n);
    this.large = new Uint8Array(n);
    this.files = this.pool.transferDirectory !== undefined;
    if (this.files) this.findBigArgs();
    for (let i = 0; i < n; i++) if (plan.tasks[i] === null) this.inMain[i] = 1;
    this.where = new Array(n);
  }

  private cap(): number {
    if (this.avgMs < 0) return MIN_CAP;
    return Math.max(MIN_CAP, Math.min(MAX_CAP, Math.round(BUDGET_MS / Math.max(this.avgMs, 1e-3))));
  }

  private live(): PoolWorker[] {
    return this.pool.workers.filter((w) => w.alive);
  }

  /** Workers that take tasks now: alive, and not stuck in a timed-out compute's task. */
  private available(): PoolWorker[] {
    return this.pool.workers.filter((w) => w.available);
  }

  private load(w: PoolWorker): number {
    return this.inFlight.get(w) ?? 0;
  }

  private started(i: number, w: PoolWorker): void {
    this.runningOn[i] = w;
    this.inFlight.set(w, this.load(w) + 1);
  }

  capacity(): number {
    const cap = this.cap();
    let room = 0;
    for (const w of this.available()) room += Math.max(0, cap - this.load(w));
    return room;
  }

  private box(w: PoolWorker): Outbox {
    let b = this.outbox.get(w);
    if (!b) this.outbox.set(w, (b = { defs: [], puts: [], rel: [], tasks: [] }));
    return b;
  }

  private choose(i: number, cap: number, live: PoolWorker[]): PoolWorker {
    let best: PoolWorker | undefined;
    let bestScore = -1;
    for (const w of live) {
      const load = this.load(w);
      if (load >= cap) continue;
      let score = 0;
      for (const d of this.plan.deps[i]!) if (this.where[d]?.includes(w)) score++;
      // More local inputs first; then the least loaded.
      if (score > bestScore || (score === bestScore && load < this.load(best!))) {
        best = w;
        bestScore = score;
      }
    }
    return best ?? live[0]!;
  }

  submit(ids: number[]): void {
    const cap = this.cap();
    const live = this.available();
    for (const i of ids) {
      const w = this.choose(i, cap, live);
      this.started(i, w);
      this.placeTask(i, w);
    }
  }

  submitAfter(j: number): boolean {
    const deps = this.plan.deps[j]!;
    let w: PoolWorker | undefined;
    for (const d of deps) {
      const on = this.runningOn[d];
      if (on) {
        w = on;
        break;
      }
    }
    if (!w || !w.available || this.load(w) >= this.cap()) return false;
    for (const d of deps) {
      // A running input must already be queued on `w` (not waiting for a fetch), so it runs first.
      const queued = this.runningOn[d] === w && !this.waitingInputs.has(d);
      if (!(queued || this.inMain[d] || this.where[d]?.includes(w))) return false;
    }
    this.started(j, w);
    this.sendTask(j, w);
    return true;
  }

  /** Queue task `i` for worker `w`, with the definitions and inputs it lacks. */
  private sendTask(i: number, w: PoolWorker): void {
    const plan = this.plan;
    const fnId = this.exec.fnId[i]!;
    const box = this.box(w);
    const fnArgs = this.exec.argFnIds[i] !== undefined;
    if (fnId < 0 || fnArgs || !w.knownFns.has(fnId)) {
      for (const id of this.exec.fnIdsOf(i)) {
        if (!w.knownFns.has(id)) {
          w.knownFns.add(id);
          box.defs.push([id, this.pool.fnSpec(id)]);
        }
      }
    }
    let drop: Key[] | undefined;
    for (const d of plan.deps[i]!) {
      // Inputs held here go along; inputs still running on `w` will be in its store in time.
      if (this.inMain[d] && !this.where[d]?.includes(w)) {
        box.puts.push(this.put(d, w));
        (this.where[d] ??= []).push(w);
      }
      if (this.run.lastUse(d)) {
        (drop ??= []).push(plan.keys[d]!);
        this.droppedOn[d] = w;
      }
    }
    const flags =
      KEEP |
      (plan.deps[i]!.length > 0 && fnId >= 0 ? RESOLVE : 0) |
      (fnArgs && fnId >= 0 ? FNS : 0) |
      (plan.isOutput[i] ? SEND : 0) |
      (this.pool.kind === 'threads' ? SHARE : 0) |
      (this.measure ? MEASURE : 0);
    const args = this.exec.args[i]!;
    const big = this.bigArgs.get(i);
    const sent = big && this.argsAsFiles(args, big, w);
    if (sent) box.tasks.push([plan.keys[i]!, fnId, sent[0], flags, drop, sent[1]]);
    else box.tasks.push(drop ? [plan.keys[i]!, fnId, args, flags, drop] : [plan.keys[i]!, fnId, args, flags]);
    this.touched.add(w);
  }

  /**
   * Large literals in task arguments (`delayed(f)(bigArray)`) travel as files too. Only typed
   * arrays and long arrays at the top level of a task's own arguments are looked at: a cheap
   * test per argument, once per compute.
   */
  private findBigArgs(): void {
    const min = this.pool.bulkMin;
    const { fnId, args } = this.exec;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (!a || fnId[i]! < 0) continue;
      let big: number[] | undefined;
      for (let k = 0; k < a.length; k++) {
        const v = a[k];
        if (ArrayBuffer.isView(v) ? v.byteLength >= min : Array.isArray(v) && v.length >= 1024 && sizeOf(v) >= min) (big ??= []).push(k);
      }
      if (big) this.bigArgs.set(i, big);
    }
  }

  /** A copy of `args` with the literals at `big` written to files for worker `w`, and where they are. */
  private argsAsFiles(args: unknown[], big: number[], w: PoolWorker): [unknown[], number[]] | undefined {
    const out = args.slice();
    const at: number[] = [];
    for (const k of big) {
      const to = this.writeFile(args[k], w);
      if (to === undefined) continue; // it goes inline
      out[k] = to;
      at.push(k);
    }
    return at.length ? [out, at] : undefined;
  }

  /** Write `v` to a new transfer file for worker `w`; undefined if it cannot be (not serializable: the channel reports it; or no space). */
  private writeFile(v: unknown, w: PoolWorker): string | undefined {
    const to = this.pool.fileFor(w);
    try {
      writeBulk(to, v);
    } catch {
      return undefined;
    }
    this.pool.fileTransfers++;
    return to;
  }

  /** The `puts` entry sending value `d`, held here, to worker `w`. */
  private put(d: number, w: PoolWorker): NonNullable<RunMsg['puts']>[number] {
    const key = this.plan.keys[d]!;
    const v = this.values[d];
    const how = this.heldAs[d];
    if (how === PUT_BYTES) return [key, v as Uint8Array, PUT_BYTES];
    if (how === PUT_FILE) {
      // A file relayed from another worker: the receiver deletes the name it is given, so it
      // gets a link of its own and ours stays until the value is released.
      const to = this.pool.fileFor(w);
      try {
        linkBulk(v as string, to);
      } catch (e) {
        this.run.fail(new TaskError(key, w.name, { name: 'Error', message: (e as Error).message }));
        return [key, undefined];
      }
      this.pool.fileTransfers++;
      return [key, to, PUT_FILE];
    }
    if (this.files) {
      if (this.large[d] === 0) this.large[d] = typeof v === 'object' && v !== null && sizeOf(v) >= this.pool.bulkMin ? 2 : 1;
      if (this.large[d] === 2) {
        const to = this.writeFile(v, w);
        if (to !== undefined) return [key, to, PUT_FILE];
        this.large[d] = 1; // send it inline, now and to later workers
      }
    }
    return [key, v];
  }

  /** Send now if every input is on `w` or here; otherwise fetch the rest first. */
  private placeTask(i: number, w: PoolWorker): void {
    let missing = 0;
    for (const d of this.plan.deps[i]!) {
      if (this.inMain[d] || this.where[d]?.includes(w)) continue;
      missing++;
      const waiters = this.fetching.get(d);
      if (waiters) waiters.push(i);
      else {
        this.fetching.set(d, [i]);
        this.requestFetch(d);
      }
    }
    if (missing === 0) this.sendTask(i, w);
    else this.waitingInputs.set(i, { worker: w, missing });
  }

  /** Ask for `d` at the next flush, in one request per holder. */
  private requestFetch(d: number): void {
    const holder = this.where[d]![0]!;
    const list = this.toFetch.get(holder);
    if (list) list.push(d);
    else this.toFetch.set(holder, [d]);
  }

  flush(): void {
    for (const [holder, inputs] of this.toFetch) {
      const req = this.nextReq++;
      this.fetchReqs.set(req, inputs);
      // Between processes values travel as v8 bytes: the pool relays them without decoding.
      const keys = inputs.map((d) => this.plan.keys[d]!);
      holder.post({ t: 'fetch', c: this.computeId, req, keys, raw: this.pool.kind === 'processes' });
      this.messages++;
    }
    this.toFetch.clear();
    for (const [w, b] of this.outbox) {
      if (!w.alive) {
        discardPuts(b);
        continue;
      }
      const msg: RunMsg = { t: 'run', c: this.computeId, tasks: b.tasks };
      if (b.defs.length) msg.defs = b.defs;
      if (b.puts.length) msg.puts = b.puts;
      if (b.rel.length) msg.rel = b.rel;
      if (b.tasks.length || b.rel.length || b.puts.length) {
        w.post(msg);
        this.messages++;
      }
    }
    this.outbox.clear();
  }

  onMessage(w: PoolWorker, msg: FromWorker): void {
    if (this.ended) {
      discardFiles(msg);
      return;
    }
    if (msg.t === 'done') this.onDone(w, msg.r, msg.held, msg.nb, msg.f);
    else if (msg.t === 'fetched') this.onFetched(msg.req, msg.values, msg.error, w, msg.f);
  }

  private onDone(w: PoolWorker, r: unknown[], held: number, sizes: number[] | undefined, files: number[] | undefined): void {
    const { plan, run } = this;
    if (held > this.peakWorkerHeld) this.peakWorkerHeld = held;
    if (files) {
      // Results that came as transfer files: read (and delete) every one, even after a failure.
      let failure: TaskError | undefined;
      for (const j of files) {
        try {
          r[j + 2] = readBulk(r[j + 2] as string);
          this.pool.fileTransfers++;
        } catch (e) {
          failure ??= new TaskError(r[j] as Key, w.name, { name: 'Error', message: (e as Error).message });
        }
      }
      if (failure) {
        run.fail(failure);
        return;
      }
    }
    for (let j = 0; j < r.length; j += RESULT_STRIDE) {
      const key = r[j] as Key;
      const i = plan.index.get(key)!;
      this.runningOn[i] = undefined;
      this.inFlight.set(w, this.load(w) - 1);
      const start = r[j + 3] as number;
      const end = r[j + 4] as number;
      const ms = end - start;
      this.avgMs = this.avgMs < 0 ? ms : 0.9 * this.avgMs + 0.1 * ms;
      if (r[j + 1] !== 1) {
        run.fail(new TaskError(key, w.name, r[j + 2] as RemoteErrorInfo));
        return;
      }
      const value = r[j + 2];
      (this.where[i] ??= []).push(w);
      const info: TaskInfo = { key, worker: w.name, start, end };
      if (sizes) info.nbytes = sizes[j / RESULT_STRIDE];
      run.done(i, info, value, true);
      if (run.failed) return;
    }
    run.drive();
    this.flush();
  }

  private onFetched(req: number, values: unknown[] | undefined, error: RemoteErrorInfo | undefined, from: PoolWorker, files: number[] | undefined): void {
    const inputs = this.fetchReqs.get(req);
    if (!inputs) {
      if (files) for (const k of files) unlinkQuietly(values![k] as string);
      return;
    }
    if (files) {
      for (const k of files) this.pool.heldFiles.add(values![k] as string);
      this.pool.fileTransfers += files.length;
    }
    this.fetchReqs.delete(req);
    if (!values) {
      this.run.fail(new TaskError(this.plan.keys[inputs[0]!]!, from.name, error!));
      return;
    }
    inputs.forEach((d, k) => {
      this.values[d] = values[k];
      this.inMain[d] = 1;
      if (this.pool.kind === 'processes') this.heldAs[d] = files?.includes(k) ? PUT_FILE : PUT_BYTES;
      this.transfers++;
      for (const i of this.fetching.get(d) ?? []) {
        const wait = this.waitingInputs.get(i);
        if (!wait) continue;
        if (--wait.missing === 0) {
          this.waitingInputs.delete(i);
          if (wait.worker.alive) this.sendTask(i, wait.worker);
        }
      }
      this.fetching.delete(d);
    });
    this.flush();
  }

  onWorkerDied(w: PoolWorker, detail: string): void {
    if (this.ended) return;
    let i = this.runningOn.indexOf(w);
    if (i < 0) i = this.where.findIndex((ws) => ws?.includes(w));
    const key = i >= 0 ? this.plan.keys[i] : undefined;
    if (key !== undefined) this.run.fail(new WorkerDiedError(w.name, key, detail));
    else if (this.live().length === 0) this.run.fail(new WorkerDiedError(w.name, undefined, detail));
  }

  onWorkerAvailable(): void {
    if (!this.ended) this.run.drive();
  }

  onPoolClosed(): void {
    if (this.ended) return;
    const keys = [...new Set(this.plan.outputs.map((o) => this.plan.keys[o]!))];
    this.run.fail(new CancelledError(keys, messages.poolShutDown(this.pool.kind)));
  }

  /** Delete the transfer file value `id` is held as, if it is. */
  private dropFile(id: number): void {
    if (this.heldAs[id] !== PUT_FILE) return;
    const path = this.values[id] as string;
    unlinkQuietly(path);
    this.pool.heldFiles.delete(path);
  }

  release(id: number): void {
    this.dropFile(id);
    this.values[id] = undefined;
    this.inMain[id] = 0;
    this.heldAs[id] = 0;
    const at = this.where[id];
    if (at) {
      // The worker that ran the last use has dropped its copy already.
      for (const w of at) if (w !== this.droppedOn[id]) this.box(w).rel.push(this.plan.keys[id]!);
      this.where[id] = undefined;
    }
  }

  end(_failed: boolean, graceMs?: number): void {
    if (this.ended) return;
    this.ended = true;
    for (const w of this.touched) {
      if (!w.alive) continue;
      // Timed out with tasks still on `w`: they must stop (or `w` is replaced after the grace period).
      if (graceMs !== undefined && this.load(w) > 0) this.pool.stopCompute(w, this.computeId, graceMs);
      else w.post({ t: 'end', c: this.computeId });
    }
    this.pool.detach(this.computeId);
    if (this.files) for (let i = 0; i < this.values.length; i++) this.dropFile(i);
    this.values = [];
    for (const b of this.outbox.values()) discardPuts(b);
    this.outbox.clear();
  }

  stats(): Partial<RunStats> {
    return { transfers: this.transfers, peakWorkerHeld: this.peakWorkerHeld, messages: this.messages };
  }
}
