/**
 * The sync scheduler: runs every task in the calling thread, one at a time, in the loop's order.
 * It runs the user's real closures (nothing is shipped), which makes it the one for debugging.
 */
import { TaskError } from '../errors.ts';
import type { FnSpec } from '../graph/types.ts';
import type { Adapter, Plan, Run } from './loop.ts';
import { ExecTable } from './loop.ts';
import type { TaskInfo } from './callbacks.ts';
import type { AnyFn } from './registry.ts';
import { sizeOf } from './sizeof.ts';
import { errorInfo, fnArgResolvers, isThenable, resolveFn, runChain, substitute } from './runtime.ts';

export const MAIN_WORKER = 'main';

export class SyncAdapter implements Adapter {
  readonly name = 'sync';
  private plan!: Plan;
  private run!: Run;
  private values: unknown[] = [];
  private fns: AnyFn[] = [];
  private exec!: ExecTable;
  private observed = false;
  private measure = false;
  private busy = false;
  private readonly lookup = (key: string) => this.values[this.plan.index.get(key)!];

  async prepare(plan: Plan, run: Run): Promise<void> {
    this.plan = plan;
    this.run = run;
    this.values = plan.data.slice();
    const pending: Array<Promise<unknown>> = [];
    const idOf = (spec: FnSpec) => {
      const id = this.fns.length;
      const f = resolveFn(spec, true);
      if (isThenable(f)) {
        this.fns.push(undefined as unknown as AnyFn);
        pending.push(Promise.resolve(f).then((fn) => (this.fns[id] = fn)));
      } else this.fns.push(f);
      return id;
    };
    this.exec = new ExecTable(plan, idOf);
    this.observed = run.observed;
    this.measure = run.measureBytes;
    await Promise.all(pending);
  }

  capacity(): number {
    return this.busy ? 0 : 1;
  }

  submit(ids: number[]): void {
    for (const i of ids) this.runOne(i);
  }

  private runOne(i: number): void {
    const { plan } = this;
    const key = plan.keys[i]!;
    const fnId = this.exec.fnId[i]!;
    const args = this.exec.args[i]!;
    const start = this.observed ? performance.timeOrigin + performance.now() : 0;
    let value: unknown;
    try {
      value =
        fnId < 0
          ? runChain(args[0] as never, (id) => this.fns[id]!, this.lookup, fnArgResolvers.sync)
          : this.fns[fnId]!(
              ...(this.exec.argFnIds[i] ? substitute(args, this.lookup, fnArgResolvers.sync) : plan.deps[i]!.length ? substitute(args, this.lookup) : args),
            );
    } catch (e) {
      this.run.fail(new TaskError(key, MAIN_WORKER, errorInfo(e)));
      return;
    }
    if (isThenable(value)) {
      this.busy = true;
      Promise.resolve(value).then(
        (v) => {
          this.busy = false;
          this.finish(i, start, v);
        },
        (e) => {
          this.busy = false;
          this.run.fail(new TaskError(key, MAIN_WORKER, errorInfo(e)));
        },
      );
      return;
    }
    this.finish(i, start, value);
  }

  private finish(i: number, start: number, value: unknown): void {
    this.values[i] = value;
    const info: TaskInfo | undefined = this.observed ? { key: this.plan.keys[i]!, worker: MAIN_WORKER, start, end: performance.timeOrigin + performance.now() } : undefined;
    if (info && this.measure) info.nbytes = sizeOf(value);
    this.run.done(i, info, value);
  }

  release(id: number): void {
    this.values[id] = undefined;
  }

  end(): void {
    this.values = [];
  }
}
