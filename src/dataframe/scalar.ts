/**
 * A lazy result of a reduction (a number, a per-column record, a Vector or a small Table): one
 * output key of a task graph and a function that turns that key's value into the user's result
 * in the calling thread.
 */
import { checkComputeOptions, compute, type Collection, type ComputeOptions } from '../base.ts';
import type { SchedulerName } from '../config.ts';
import type { Graph, Key } from '../graph/types.ts';

const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/**
 * A reduction's lazy result.
 * @example
 * const total = df.col('x').sum();   // Scalar<number>
 * await total.compute();             // 42.5
 */
export class Scalar<T> implements Collection<T> {
  readonly __scheduler__: SchedulerName = 'threads';
  /** @internal */ readonly graph: Graph;
  /** @internal */ readonly key: Key;
  /** @internal */ readonly post: (value: unknown) => T;

  /** @internal */
  constructor(graph: Graph, key: Key, post: (value: unknown) => T) {
    this.graph = graph;
    this.key = key;
    this.post = post;
  }

  __graph__(): Graph {
    return this.graph;
  }
  __keys__(): Key[] {
    return [this.key];
  }
  __postcompute__(values: unknown[]): T {
    return this.post(values[0]);
  }
  __postpersist__(graph: Graph): Scalar<T> {
    return new Scalar(graph, this.key, this.post);
  }

  /** Compute the value. @example await df.col('x').mean().compute() */
  async compute(opts: ComputeOptions = {}): Promise<T> {
    const [v] = await compute(this, checkComputeOptions('Scalar.compute', opts));
    return v as T;
  }

  toString(): string {
    return `Scalar<${this.key}>`;
  }
  [INSPECT](): string {
    return this.toString();
  }
}
