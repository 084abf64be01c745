/**
 * Where a ready task runs (Dask's `decide_worker`), and when it may be queued on a worker behind
 * its inputs. Pure functions of the scheduler's task and worker states.
 */
import type { TaskState, WorkerState } from './scheduler-types.ts';

/** Seconds to move a byte between local workers, and the fixed cost of one transfer (ms). */
const MS_PER_BYTE = 1e-6;
const TRANSFER_MS = 1;

/** Every input of `ts` is in memory on `w` or queued there (`w` runs its queue before `ts`). */
export function runsAfterOn<R>(ts: TaskState<R>, w: WorkerState<R>): boolean {
  if (w.paused) return false;
  for (const d of ts.deps) {
    if (d.state === 'memory' ? !d.whoHas.has(w) : !(d.state === 'processing' && d.processingOn === w)) return false;
  }
  return true;
}

/** Dependents already queued behind `ts` on `w` (so a retry must stay there). */
export function hasQueuedDependents<R>(ts: TaskState<R>, w: WorkerState<R>): boolean {
  for (const d of ts.waiters) if (d.state === 'processing' && d.processingOn === w && d.waitingOn.has(ts)) return true;
  return false;
}

/**
 * Where to run a ready task (Dask's `decide_worker`): among the workers holding its inputs,
 * the one where it would start soonest (queued work, plus moving the inputs it lacks). When
 * every holder already has a task per thread queued, every worker is a candidate.
 */
export function chooseWorker<R>(ts: TaskState<R>, workers: Iterable<WorkerState<R>>, avgMs: number): WorkerState<R> | undefined {
  const running = [...workers].filter((w) => !w.paused);
  if (running.length === 0) return undefined;
  let candidates: WorkerState<R>[] = [];
  for (const d of ts.deps) for (const h of d.whoHas) if (!h.paused && !candidates.includes(h)) candidates.push(h);
  if (candidates.length === 0) candidates = running;
  else if (Math.min(...candidates.map((w) => w.processing.size / w.nthreads)) >= 1) {
    // Every holder is busy: others may start sooner even after moving the inputs (the cost says:
    // long tasks spread, tiny ones stay where their inputs are).
    for (const w of running) if (!candidates.includes(w)) candidates.push(w);
  }
  let best: WorkerState<R> | undefined;
  let bestCost = Infinity;
  for (const w of candidates) {
    let move = 0;
    for (const d of ts.deps) if (!d.whoHas.has(w)) move += TRANSFER_MS + d.nbytes * MS_PER_BYTE;
    const cost = ((w.processing.size + 1) / w.nthreads) * avgMs + move;
    if (cost < bestCost || (cost === bestCost && best !== undefined && w.nbytes < best.nbytes)) {
      best = w;
      bestCost = cost;
    }
  }
  return best;
}
