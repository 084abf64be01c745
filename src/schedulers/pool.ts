/**
 * A reusable pool of workers (threads or processes), shared by every compute that uses it.
 * It starts lazily, keeps a table of function ids (a function's definition is sent to each worker
 * once), routes replies to the compute they belong to, replaces workers that die, and is
 * unref'd whenever no compute is running so it never keeps the program alive.
 */
import { ClosedError } from '../errors.ts';
import type { FnSpec } from '../graph/types.ts';
import { spawnProcess, spawnThread, type Channel } from './channel.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { opModule } from './registry.ts';

export type PoolKind = 'threads' | 'processes';

export class PoolWorker {
  readonly knownFns = new Set<number>();
  alive = true;
  readonly ready: Promise<void>;
  private markReady!: () => void;
  constructor(
    readonly channel: Channel,
    readonly slot: number,
  ) {
    this.ready = new Promise((res) => (this.markReady = res));
  }
  get name(): string {
    return this.channel.name;
  }
  post(msg: ToWorker): void {
    this.channel.post(msg);
  }
  /** @internal */
  gotReady(): void {
    this.booted = true;
    this.markReady();
  }
  /** True once the worker has started and said so. */
  booted = false;
}

/** What a compute registers with the pool to receive its workers' replies. */
export interface PoolClient {
  onMessage(worker: PoolWorker, msg: FromWorker): void;
  onWorkerDied(worker: PoolWorker, detail: string): void;
}

let nextCompute = 1;

export class WorkerPool {
  readonly workers: PoolWorker[] = [];
  private readonly fnIds = new Map<string, number>();
  private readonly fnSpecs: Array<FnSpec & { url?: string }> = [];
  private readonly clients = new Map<number, PoolClient>();
  private spawned = 0;
  private closed = false;
  /** Workers replaced after dying (for tests and diagnostics). */
  replaced = 0;

  constructor(
    readonly kind: PoolKind,
    readonly size: number,
  ) {}

  /** Start missing workers (lazily, on first use, and after a death). */
  ensure(): PoolWorker[] {
    if (this.closed) throw new ClosedError(`the ${this.kind} pool`);
    for (let slot = 0; slot < this.size; slot++) {
      if (!this.workers[slot]?.alive) this.workers[slot] = this.spawn(slot);
    }
    return this.workers;
  }

  /** Wait until every worker has booted (so benchmarks can time start-up separately). */
  async started(): Promise<void> {
    const ws = this.ensure();
    for (const w of ws) w.channel.ref(); // waiting for boot must keep the program alive
    try {
      await Promise.all(ws.map((w) => w.ready));
    } finally {
      if (this.clients.size === 0) for (const w of ws) if (w.alive) w.channel.unref();
    }
  }

  private spawn(slot: number): PoolWorker {
    this.spawned++;
    const name = `${this.kind === 'threads' ? 'thread' : 'process'}-${this.spawned}`;
    const ch = this.kind === 'threads' ? spawnThread(name) : spawnProcess(name);
    const w = new PoolWorker(ch, slot);
    ch.onMessage((msg) => {
      if (msg.t === 'ready') {
        w.gotReady();
        return;
      }
      this.clients.get(msg.c)?.onMessage(w, msg);
    });
    ch.onExit((detail) => {
      const wasAlive = w.alive;
      w.alive = false;
      if (this.closed || !wasAlive) return;
      for (const c of [...this.clients.values()]) c.onWorkerDied(w, detail);
      // A worker that died before booting would die again: start it on next use, not in a loop.
      if (!w.booted) return;
      if (this.workers[slot] === w) {
        this.replaced++;
        this.workers[slot] = this.spawn(slot);
        if (this.clients.size === 0) this.workers[slot]!.channel.unref();
      }
    });
    if (this.clients.size === 0) ch.unref();
    return w;
  }

  /** A pool-wide id for a function spec; its definition is sent to each worker once. */
  fnId(spec: FnSpec): number {
    const token = spec.kind === 'source' ? `s:${spec.hash}` : spec.kind === 'op' ? `o:${spec.name}` : `m:${spec.url}#${spec.name}`;
    let id = this.fnIds.get(token);
    if (id === undefined) {
      id = this.fnSpecs.length;
      this.fnIds.set(token, id);
      // Strip the sync-only closure link; ops carry the module that defines them.
      const wire: FnSpec & { url?: string } =
        spec.kind === 'source'
          ? { kind: 'source', code: spec.code, hash: spec.hash }
          : spec.kind === 'op'
            ? { kind: 'op', name: spec.name, url: opModule(spec.name) }
            : { kind: 'module', url: spec.url, name: spec.name };
      this.fnSpecs.push(wire);
    }
    return id;
  }

  fnSpec(id: number): FnSpec & { url?: string } {
    return this.fnSpecs[id]!;
  }

  /** Register a compute; while any is registered the workers keep the program alive. */
  attach(client: PoolClient): number {
    const id = nextCompute++;
    if (this.clients.size === 0) for (const w of this.workers) if (w?.alive) w.channel.ref();
    this.clients.set(id, client);
    return id;
  }

  detach(id: number): void {
    if (!this.clients.delete(id)) return;
    if (this.clients.size === 0) for (const w of this.workers) if (w?.alive) w.channel.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stop every worker and wait until they are gone. */
  async close(): Promise<void> {
    this.closed = true;
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => (w.alive ? ((w.alive = false), w.channel.kill()) : undefined)));
  }
}
