/**
 * Property: on any scheduler and any DAG, the Profiler has exactly one record per task of the graph,
 * no task starts before its inputs end, the CacheProfiler ends holding nothing, and the value is
 * the one a plain sequential evaluation gives.
 */
import fc from 'fast-check';
import { afterAll, expect, test } from 'vitest';
import { CacheProfiler, delayed, Profiler, shutdown, type Delayed } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';

afterAll(() => shutdown());

/** Node i depends on a subset of nodes < i; its value is 1 + the sum of its inputs. */
const dag = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, k) => k), { maxLength: Math.min(3, i) }))),
);

test('profiles match the graph on every scheduler', async () => {
  await fc.assert(
    fc.asyncProperty(dag, fc.constantFrom(...SCHEDULERS), async (deps, scheduler) => {
      const nodes: Delayed<number>[] = [];
      const reference: number[] = [];
      deps.forEach((ds, i) => {
        nodes.push(delayed((xs: number[]) => 1 + xs.reduce((a, b) => a + b, 0), { name: `n${i}` })(ds.map((d) => nodes[d]!)));
        reference.push(1 + ds.reduce((a, d) => a + reference[d]!, 0));
      });
      const last = nodes.at(-1)!;
      // Only the last node's ancestors run (the graph is culled to what the output needs).
      const needed = new Set<number>();
      const visit = (i: number) => {
        if (needed.has(i)) return;
        needed.add(i);
        deps[i]!.forEach(visit);
      };
      visit(deps.length - 1);
      const prof = new Profiler();
      const cprof = new CacheProfiler();
      expect(await last.compute({ scheduler, numWorkers: 2, fuse: false, callbacks: [prof, cprof] })).toBe(reference.at(-1));
      expect(prof.results.map((r) => r.key).sort()).toEqual([...needed].map((i) => nodes[i]!.key).sort());
      const byKey = new Map(prof.results.map((r) => [r.key, r]));
      const skew = scheduler === 'processes' ? 5 : 0;
      for (const i of needed) for (const d of deps[i]!) expect(byKey.get(nodes[i]!.key)!.start + skew).toBeGreaterThanOrEqual(byKey.get(nodes[d]!.key)!.end);
      expect(cprof.results).toHaveLength(needed.size);
      expect(cprof.series().at(-1)!.bytes).toBe(0);
    }),
    { numRuns: 12 },
  );
});
