/**
 * The runtime of a distributed worker (thread or process): it holds the values, runs tasks with
 * the engine's shared runtime (function specs, fused chains, error info with the remote stack),
 * and carries out what its state machine (`worker-state.ts`) decides. Reports to the scheduler
 * are batched: one message per drain of the instruction queue, or every millisecond of a long one.
 */
import { deserialize, serialize, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Key } from '../graph/types.ts';
import { FNS, RESOLVE } from '../schedulers/protocol.ts';
import type { AnyFn } from '../schedulers/registry.ts';
import { errorInfo, fnArgResolvers, isThenable, loadFnDefs, runChain, substitute, type ExecStep } from '../schedulers/runtime.ts';
import { toShared } from '../schedulers/worker-main.ts';
import { messages, type RemoteErrorInfo } from '../errors.ts';
import { LITERAL, type DataMsg, type FromWorker, type FromWorkerBatch, type RunSpec, type ToWorker, type ToWorkerBatch } from './protocol.ts';
import { WorkerState, type WorkerInstruction } from './worker-state.ts';
import { Store } from './store.ts';

export interface WorkerPort {
  name: string;
  send(msg: FromWorker): void;
  onMessage(cb: (msg: ToWorker) => void): void;
}

export interface WorkerOptions {
  nthreads: number;
  /** Move typed-array results into SharedArrayBuffer (worker threads). */
  share: boolean;
  /** Bytes; spilling starts at 0.6 of it, pausing at 0.8. */
  memoryLimit?: number;
  spillDir?: string;
  /** Results up to this many bytes are sent with the report (the Redis backend's inline results). */
  inlineBytes?: number;
}

const FLUSH_MS = 1;

type Run = Pick<RunSpec, 'fnId' | 'args' | 'flags'>;

export function serveWorker(port: WorkerPort, opts: WorkerOptions): void {
  const state = new WorkerState<Run>(port.name, opts.nthreads);
  const store = new Store({ memoryLimit: opts.memoryLimit, spillDir: opts.spillDir, collect: opts.memoryLimit ? gcFunction() : undefined });
  const fns: AnyFn[] = [];
  const fnOf = (id: number) => fns[id]!;
  const lookup = (k: Key) => {
    if (!store.has(k)) throw new Error(messages.notOnWorker([k], port.name));
    return store.get(k);
  };
  const pending: WorkerInstruction<Run>[] = [];
  let head = 0;
  let draining = false;
  let out: FromWorkerBatch = { t: 'report', done: [], memory: 0, spilled: 0 };
  let outCount = 0;
  /** Bytes of inline results in `out`. */
  let inlined = 0;
  let nextReq = 1;
  let paused = false;

  const feed = (ins: WorkerInstruction<Run>[]) => {
    for (const i of ins) pending.push(i);
  };

  let sentMemory = -1;
  let sentSpilled = -1;
  function flush(): void {
    if (outCount === 0 && sentMemory === store.bytes && sentSpilled === store.spilledBytes) return;
    out.memory = sentMemory = store.bytes;
    out.spilled = sentSpilled = store.spilledBytes;
    try {
      port.send(out);
    } catch (e) {
      // An inline value that cannot be cloned: report without it (a fetch then names the problem).
      if (!out.inline) throw e;
      delete out.inline;
      port.send(out);
    }
    out = { t: 'report', done: [], memory: 0, spilled: 0 };
    outCount = 0;
    inlined = 0;
  }

  /** Memory pressure (Dask's thresholds): pause taking tasks at 0.8 of the limit. */
  function checkMemory(): void {
    const p = store.shouldPause();
    if (p !== paused) {
      paused = p;
      out.paused = p;
      outCount++;
      feed(state.handle({ type: 'pause', paused: p }));
    }
  }

  function finish(key: Key, ok: boolean, value: unknown, start: number): void {
    const end = performance.timeOrigin + performance.now();
    if (ok) {
      if (opts.share) value = toShared(value);
      const nbytes = store.set(key, value);
      feed(state.handle({ type: 'executed', key, ok: true, nbytes, start, end }));
      checkMemory();
    } else feed(state.handle({ type: 'executed', key, ok: false, info: errorInfo(value), start, end }));
  }

  function execute(key: Key, run: Run): void {
    const start = performance.timeOrigin + performance.now();
    let value: unknown;
    try {
      const { fnId, args, flags } = run;
      value =
        fnId === LITERAL
          ? args[0]
          : fnId < 0
            ? runChain(args[0] as ExecStep[], fnOf, lookup, fnArgResolvers.worker)
            : fns[fnId]!(...(flags & FNS ? substitute(args, lookup, fnArgResolvers.worker) : flags & RESOLVE ? substitute(args, lookup) : args));
    } catch (e) {
      finish(key, false, e, start);
      return;
    }
    if (isThenable(value)) {
      Promise.resolve(value).then(
        (v) => {
          finish(key, true, v, start);
          drain();
        },
        (e: unknown) => {
          finish(key, false, e, start);
          drain();
        },
      );
    } else finish(key, true, value, start);
  }

  function drain(): void {
    if (draining) return;
    draining = true;
    let t0 = performance.now();
    try {
      while (head < pending.length) {
        const ins = pending[head++]!;
        switch (ins.op) {
          case 'execute':
            execute(ins.key, ins.run);
            break;
          case 'gather':
            port.send({ t: 'gather', req: nextReq++, holder: ins.holder, keys: ins.keys });
            break;
          case 'finished':
            out.done.push(ins.key, ins.nbytes, ins.start, ins.end);
            // Inline up to 4 × inlineBytes per report, so a burst of small results is never bulk data in Redis.
            if (opts.inlineBytes !== undefined && ins.nbytes <= opts.inlineBytes && inlined + ins.nbytes <= 4 * opts.inlineBytes && store.has(ins.key)) {
              (out.inline ??= []).push([ins.key, store.get(ins.key)]);
              inlined += ins.nbytes;
            }
            outCount++;
            break;
          case 'erred':
            (out.erred ??= []).push([ins.key, ins.info, ins.start, ins.end]);
            outCount++;
            break;
          case 'missing':
            (out.missing ??= []).push([ins.key, ins.holder]);
            outCount++;
            break;
          case 'stopped':
            (out.stopped ??= []).push(ins.key);
            outCount++;
            break;
          case 'drop':
            store.delete(ins.key);
            checkMemory();
            break;
        }
        if (performance.now() - t0 > FLUSH_MS) {
          // A long run: report what is done and let requests (gets, frees) in before going on.
          flush();
          if (head < pending.length) {
            setImmediate(drain);
            return;
          }
          t0 = performance.now();
        }
      }
      pending.length = 0;
      head = 0;
      flush();
    } finally {
      draining = false;
    }
  }

  async function onBatch(msg: ToWorkerBatch): Promise<void> {
    if (msg.defs) {
      const loading = loadFnDefs(msg.defs, fns);
      if (loading) await loading;
    }
    if (msg.puts) {
      for (const [key, v, raw] of msg.puts) {
        const nbytes = store.set(key, raw ? deserialize(v as Uint8Array) : v);
        feed(state.handle({ type: 'put', key, nbytes }));
      }
      checkMemory();
    }
    if (msg.free) feed(state.handle({ type: 'free', keys: msg.free }));
    if (msg.compute) {
      for (const [key, fnId, args, flags, priority, deps] of msg.compute) {
        feed(state.handle({ type: 'compute', key, run: { fnId, args, flags }, priority, deps }));
      }
    }
    // After `compute`: a task sent and cancelled within one tick is taken back, not left running.
    if (msg.stop) feed(state.handle({ type: 'stop', keys: msg.stop }));
    drain();
  }

  /** Values for a client's gather or a peer's fetch; keys not held here are listed as missing. */
  function onGet(req: number, keys: Key[], raw: boolean): void {
    const missing = keys.filter((k) => !store.has(k));
    const values: unknown[] = [];
    let error: [Key, RemoteErrorInfo] | undefined;
    for (const k of keys) {
      if (!store.has(k)) {
        values.push(undefined);
        continue;
      }
      const v = store.get(k);
      if (!raw) values.push(v);
      else {
        try {
          values.push(serialize(v));
        } catch (e) {
          values.push(undefined);
          error ??= [k, { name: 'DataCloneError', message: messages.cannotClone(k, port.name, (e as Error).message) }];
        }
      }
    }
    const msg: DataMsg = { t: 'data', req, values };
    if (missing.length) msg.missing = missing;
    if (error) msg.error = error;
    try {
      port.send(msg);
    } catch (e) {
      const bad = keys.find((k) => !canClone(store.get(k))) ?? keys[0]!;
      port.send({ t: 'data', req, error: [bad, { name: 'DataCloneError', message: messages.cannotClone(bad, port.name, (e as Error).message) }] });
    }
  }

  function onGathered(holder: string, values: unknown[] | undefined, missing: Key[] | undefined, keys: Key[]): void {
    const lost = new Set(values ? (missing ?? []) : (missing ?? keys));
    if (values) {
      const got: Key[] = [];
      const nbytes: number[] = [];
      keys.forEach((k, i) => {
        if (lost.has(k)) return;
        const v = values[i];
        got.push(k);
        nbytes.push(store.set(k, rawFetch && v instanceof Uint8Array ? deserialize(v) : v));
      });
      if (got.length) feed(state.handle({ type: 'gathered', holder, keys: got, nbytes }));
      checkMemory();
    }
    // Asked for but not delivered: the holder lost them (or failed to send them).
    const failed = keys.filter((k) => lost.has(k) || !values);
    if (failed.length) feed(state.handle({ type: 'gather-failed', holder, keys: failed }));
    drain();
  }

  // Fetches between processes travel as v8 bytes (the scheduler relays them without decoding).
  const rawFetch = !opts.share;
  const gathers = new Map<number, Key[]>();
  const origSend = port.send.bind(port);
  port.send = (m) => {
    if (m.t === 'gather') gathers.set(m.req, m.keys);
    origSend(m);
  };

  let queued = 0;
  let chain: Promise<void> = Promise.resolve();
  const handle = (msg: ToWorker): void | Promise<void> => {
    switch (msg.t) {
      case 'batch':
        return onBatch(msg);
      case 'get':
        return onGet(msg.req, msg.keys, msg.raw);
      case 'gathered': {
        const keys = gathers.get(msg.req) ?? [];
        gathers.delete(msg.req);
        if (msg.error) {
          // The holder has it but cannot send it: no retry will help, the tasks needing it fail.
          const bad = msg.error[0];
          feed(state.handle({ type: 'input-unsendable', key: bad, info: msg.error[1] }));
          const i = keys.indexOf(bad);
          const rest = keys.filter((k) => k !== bad);
          const values = msg.values?.filter((_, j) => j !== i);
          return onGathered(msg.holder, values, values ? msg.missing : rest, rest);
        }
        return onGathered(msg.holder, msg.values, msg.missing, keys);
      }
    }
  };
  const done = () => {
    queued--;
  };
  port.onMessage((msg) => {
    // Messages are handled in order; only a batch that imports a module makes later ones wait.
    if (queued === 0) {
      const r = handle(msg);
      if (!r) return;
      queued++;
      chain = r.then(done, done);
      return;
    }
    queued++;
    chain = chain.then(() => handle(msg)).then(done, done);
  });
  port.send({ t: 'ready', pid: process.pid });
}

/** V8's `gc()`, made available in this process without a command-line flag. */
function gcFunction(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function canClone(v: unknown): boolean {
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}
