/**
 * Item: one lazy value made by a Bag reduction (`bag.sum()`, `bag.fold(...)`), Dask's `bag.Item`.
 * It computes on the Bag's default scheduler (processes), can be passed to `map` as an extra
 * argument, and turns into a Delayed for use with `delayed` functions.
 */
import { checkComputeOptions, compute, visualize, type Collection, type ComputeOptions, type VisualizeOptions } from '../base.ts';
import type { SchedulerName } from '../config.ts';
import { Delayed } from '../delayed/delayed.ts';
import { registerTokenizer } from '../graph/tokenize.ts';
import { mergeGraphs, type Graph, type Key } from '../graph/types.ts';

const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/**
 * A lazy single value computed from a Bag.
 * @example
 * const total = bag.range(10, { npartitions: 3 }).sum();   // Item<number>
 * await total.compute();                                    // 45
 * await bag.range(3, { npartitions: 1 }).map((x, t) => x / t, total).compute(); // [0, 0.0222…, 0.0444…]
 */
export class Item<T = unknown> implements Collection<T> {
  readonly __scheduler__: SchedulerName = 'processes';
  /** The key of this value in the task graph. */
  readonly key: Key;
  /** @internal Graph layers (shared with the Bag it came from). */
  readonly layers: readonly Graph[];
  private cached: Graph | undefined;

  /** @internal Made by Bag reductions. */
  constructor(key: Key, layers: readonly Graph[]) {
    this.key = key;
    this.layers = layers;
  }

  __graph__(): Graph {
    return (this.cached ??= this.layers.length === 1 ? this.layers[0]! : mergeGraphs(this.layers));
  }

  __keys__(): Key[] {
    return [this.key];
  }

  __postcompute__(values: unknown[]): T {
    return values[0] as T;
  }

  __postpersist__(graph: Graph): Item<T> {
    return new Item<T>(this.key, [graph]);
  }

  /** Compute the value. @example await bag.range(4, { npartitions: 2 }).sum().compute() // 6 */
  async compute(opts: ComputeOptions = {}): Promise<T> {
    const [v] = await compute(this, checkComputeOptions('Item.compute', opts));
    return v as T;
  }

  /** Draw the task graph (SVG text, or DOT/PNG by `filename`). @example await b.sum().visualize({ filename: 'sum.svg' }) */
  visualize(opts: VisualizeOptions = {}): Promise<string> {
    return visualize(this, opts);
  }

  /** The same value as a Delayed (for `delayed` functions). @example delayed(f)(b.sum().toDelayed()) */
  toDelayed(): Delayed<T> {
    const graph = this.__graph__();
    return new Delayed<T>(graph.get(this.key)!, [], undefined, graph);
  }

  toString(): string {
    return `shoal.Item<${this.key}>`;
  }

  [INSPECT](): string {
    return this.toString();
  }
}

registerTokenizer(
  (v) => v instanceof Item,
  (v) => (v as Item).key,
);
