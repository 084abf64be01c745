/**
 * The worker side of a pool, shared by worker threads and child processes: a FIFO of batches run
 * one task at a time, a store per compute for the results that stay here, and replies
 * batched back to the pool. Results are flushed at the end of a batch, or sooner when a batch runs
 * long, so dependents elsewhere can start.
 */
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { messages } from '../errors.ts';
import type { Key } from '../graph/types.ts';
import { readBulk, unlinkQuietly, writeBulk } from './bulk.ts';
import { FNS, KEEP, MEASURE, PUT_BYTES, PUT_FILE, RESOLVE, RESULT_STRIDE, SEND, SHARE, type FromWorker, type RunMsg, type ToWorker } from './protocol.ts';
import type { AnyFn } from './registry.ts';
import { sizeOf } from './sizeof.ts';
import { errorInfo, fnArgResolvers, isThenable, loadFnDefs, runChain, substitute, type ExecStep } from './runtime.ts';

export interface Transport {
  name: string;
  send(msg: FromWorker): void;
  onMessage(cb: (msg: ToWorker) => void): void;
  /** Would this value survive `send`? Used to find the culprit when a batch fails to serialize. */
  canSend(value: unknown): boolean;
  /** Processes: send values of at least `min` bytes (estimated) as transfer files in `dir`. */
  bulk?: { dir: string; min: number };
}

const FLUSH_MS = 1;

/** A `canSend` for a transport: does `serialize` accept the value? */
export function acceptedBy(serialize: (v: unknown) => unknown): (v: unknown) => boolean {
  return (v) => {
    try {
      serialize(v);
      return true;
    } catch {
      return false;
    }
  };
}

/** Copy a typed array out of ordinary memory into shared memory, once (threads scheduler). */
export function toShared(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v.buffer instanceof SharedArrayBuffer) && !(v instanceof DataView)) {
    const Ctor = v.constructor as new (b: SharedArrayBuffer) => ArrayBufferView & { set(a: unknown): void };
    const out = new Ctor(new SharedArrayBuffer(v.byteLength));
    out.set(v);
    return out;
  }
  if (Array.isArray(v) && v.length <= 64) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const s = ArrayBuffer.isView(v[i]) ? toShared(v[i]) : v[i];
      if (s !== v[i]) (out ??= v.slice())[i] = s;
    }
    return out ?? v;
  }
  return v;
}

export function serve(port: Transport): void {
  const fns: AnyFn[] = [];
  const stores = new Map<number, Map<Key, unknown>>();
  const ended = new Set<number>();
  const queue: RunMsg[] = [];
  let pumping = false;
  const fnOf = (id: number) => fns[id]!;

  const storeOf = (c: number) => {
    let s = stores.get(c);
    if (!s) stores.set(c, (s = new Map()));
    return s;
  };

  // Large values leave as transfer files (bulk.ts), named for this process so that the pool can
  // sweep them if it dies before they are received.
  const bulk = port.bulk;
  let fileSeq = 0;
  /** The path of a transfer file now holding `v`, if `v` is large enough to travel as one. */
  const spill = (v: unknown): string | undefined => {
    if (!bulk || typeof v !== 'object' || v === null || sizeOf(v) < bulk.min) return undefined;
    const path = join(bulk.dir, `p${process.pid}-${fileSeq++}`);
    try {
      writeBulk(path, v);
      return path;
    } catch {
      return undefined; // not serializable, or no space: the channel reports it or carries it
    }
  };

  /** Read the transfer files among a batch's inputs now, so none waits on disk in the queue. */
  const takeFiles = (msg: RunMsg, keep: boolean) => {
    for (const t of msg.tasks) {
      if (!t[5]) continue;
      for (const k of t[5]) {
        const path = t[2][k] as string;
        if (!keep) unlinkQuietly(path);
        else {
          try {
            t[2][k] = readBulk(path);
          } catch {
            t[2][k] = undefined; // only if the compute was cancelled meanwhile
          }
        }
      }
    }
    for (const put of msg.puts ?? []) {
      if (put[2] !== PUT_FILE) continue;
      const path = put[1] as string;
      if (!keep) {
        unlinkQuietly(path);
        continue;
      }
      try {
        put[1] = readBulk(path);
        put.length = 2;
      } catch {
        // Only if the compute was cancelled meanwhile; its tasks then fail as missing inputs.
        put[1] = undefined;
        put[2] = -1 as typeof PUT_FILE;
      }
    }
  };

  const sendSafely = (msg: FromWorker & { t: 'done' }) => {
    if (bulk) {
      const r = msg.r;
      for (let j = 0; j < r.length; j += RESULT_STRIDE) {
        const path = r[j + 1] === 1 ? spill(r[j + 2]) : undefined;
        if (path === undefined) continue;
        r[j + 2] = path;
        (msg.f ??= []).push(j);
      }
    }
    try {
      port.send(msg);
    } catch (e) {
      // Find the results that cannot be serialized and replace them by errors naming the task.
      const r = msg.r;
      for (let j = 0; j < r.length; j += RESULT_STRIDE) {
        if (r[j + 1] === 1 && !port.canSend(r[j + 2])) {
          r[j + 1] = 0;
          r[j + 2] = { name: 'DataCloneError', message: messages.cannotClone(r[j] as string, port.name, (e as Error).message) };
        }
      }
      port.send(msg);
    }
  };

  async function runBatch(msg: RunMsg): Promise<void> {
    const { c } = msg;
    // A function that fails to load makes its tasks fail with that error (see loadFnDefs).
    if (msg.defs) await loadFnDefs(msg.defs, fns);
    if (ended.has(c)) return;
    const store = storeOf(c);
    if (msg.puts) for (const [k, v, how] of msg.puts) if ((how as number) !== -1) store.set(k, how === PUT_BYTES ? deserialize(v as Uint8Array) : v);
    if (msg.rel) for (const k of msg.rel) store.delete(k);
    const lookup = (k: Key) => {
      if (!store.has(k)) throw new Error(messages.notOnWorker([k], port.name));
      return store.get(k);
    };
    let out: unknown[] = [];
    let sizes: number[] | undefined;
    let lastFlush = performance.now();
    for (const [key, fnId, args, flags, drop] of msg.tasks) {
      if (ended.has(c)) return;
      const start = performance.timeOrigin + performance.now();
      let value: unknown;
      let ok = 1;
      try {
        value =
          fnId < 0
            ? runChain(args[0] as ExecStep[], fnOf, lookup, fnArgResolvers.worker)
            : fns[fnId]!(...(flags & FNS ? substitute(args, lookup, fnArgResolvers.worker) : flags & RESOLVE ? substitute(args, lookup) : args));
        if (isThenable(value)) value = await value;
        if (flags & SHARE) value = toShared(value);
        if (flags & KEEP) store.set(key, value);
      } catch (e) {
        ok = 0;
        value = errorInfo(e);
      }
      if (drop) for (const k of drop) store.delete(k);
      const now = performance.now();
      out.push(key, ok, ok === 0 || flags & SEND ? value : undefined, start, performance.timeOrigin + now);
      // Every task of a compute has MEASURE or none has, so `sizes` stays aligned with `out`.
      if (flags & MEASURE) (sizes ??= []).push(ok ? sizeOf(value) : 0);
      if (now - lastFlush > FLUSH_MS) {
        sendSafely(sizes ? { t: 'done', c, r: out, held: store.size, nb: sizes } : { t: 'done', c, r: out, held: store.size });
        out = [];
        sizes = undefined;
        // Let fetch requests from the pool through while a long batch runs.
        await new Promise((res) => setImmediate(res));
        lastFlush = performance.now();
      }
    }
    if (out.length) sendSafely(sizes ? { t: 'done', c, r: out, held: store.size, nb: sizes } : { t: 'done', c, r: out, held: store.size });
  }

  /** The compute whose batch is running, and computes to report `ended` for once it returns. */
  let running: number | undefined;
  const acks = new Set<number>();

  async function pump(): Promise<void> {
    pumping = true;
    try {
      while (queue.length > 0) {
        const msg = queue.shift()!;
        running = msg.c;
        try {
          await runBatch(msg);
        } finally {
          running = undefined;
          // The batch stops at its next task once its compute has ended (see runBatch).
          if (acks.delete(msg.c)) port.send({ t: 'ended', c: msg.c });
        }
      }
    } finally {
      pumping = false;
    }
  }

  port.onMessage((msg) => {
    switch (msg.t) {
      case 'run':
        if (bulk) takeFiles(msg, !ended.has(msg.c));
        if (ended.has(msg.c)) return;
        queue.push(msg);
        if (!pumping) void pump();
        return;
      case 'fetch': {
        const store = stores.get(msg.c);
        const missing = msg.keys.filter((k) => !store?.has(k));
        if (missing.length)
          port.send({ t: 'fetched', c: msg.c, req: msg.req, error: { name: 'Error', message: messages.notOnWorker(missing, port.name) } });
        else {
          // Values for another worker travel as v8 bytes, or as files when large: the pool relays
          // either without decoding.
          let f: number[] | undefined;
          const values = msg.keys.map((k, i) => {
            const v = store!.get(k);
            if (!msg.raw) return v;
            const path = spill(v);
            if (path === undefined) return serialize(v);
            (f ??= []).push(i);
            return path;
          });
          port.send(f ? { t: 'fetched', c: msg.c, req: msg.req, values, f } : { t: 'fetched', c: msg.c, req: msg.req, values });
        }
        return;
      }
      case 'end':
        stores.delete(msg.c);
        ended.add(msg.c);
        if (ended.size > 10_000) ended.delete(ended.values().next().value!);
        if (msg.ack) {
          if (running === msg.c) acks.add(msg.c);
          else port.send({ t: 'ended', c: msg.c });
        }
        return;
    }
  });
  port.send({ t: 'ready', pid: process.pid });
}
