/**
 * A table of function ids: each distinct function spec gets a small id, and the table keeps the
 * spec in its wire form (the sync-only closure link stripped; ops carry the module that defines
 * them), so a function's definition can be sent to each worker once. Used by the worker pool and
 * by the distributed scheduler.
 */
import type { FnSpec } from '../graph/types.ts';
import { opModule } from './registry.ts';

/** A function spec as it travels to workers; an op also names its module. */
export type WireFnSpec = FnSpec & { url?: string };

export class FnTable {
  private readonly ids = new Map<string, number>();
  private readonly specs: WireFnSpec[] = [];

  /**
   * The id of `spec`, assigned on first sight.
   * @example
   * const fns = new FnTable();
   * fns.id({ kind: 'op', name: 'bag.map' }); // 0
   * fns.spec(0);                               // { kind: 'op', name: 'bag.map', url: '...' }
   */
  id(spec: FnSpec): number {
    const token = spec.kind === 'source' ? `s:${spec.hash}` : spec.kind === 'op' ? `o:${spec.name}` : `m:${spec.url}#${spec.name}`;
    let id = this.ids.get(token);
    if (id === undefined) {
      id = this.specs.length;
      this.ids.set(token, id);
      this.specs.push(
        spec.kind === 'source'
          ? { kind: 'source', code: spec.code, hash: spec.hash }
          : spec.kind === 'op'
            ? { kind: 'op', name: spec.name, url: opModule(spec.name) }
            : { kind: 'module', url: spec.url, name: spec.name },
      );
    }
    return id;
  }

  /** The wire form of the spec with id `id`. */
  spec(id: number): WireFnSpec {
    return this.specs[id]!;
  }
}
