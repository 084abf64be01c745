/**
 * Property tests: random DAGs. `order` is always topological, `cull` keeps exactly the ancestors,
 * and fusing or changing scheduler never changes results (checked against a plain sequential
 * evaluation written independently here).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { cull, data, fuse, order, ref, task, type Graph, type GraphNode } from '../../src/graph/index.ts';
import { getScheduler, shutdown } from '../../src/schedulers/index.ts';

afterAll(() => shutdown());

interface Dag {
  n: number;
  deps: number[][];
}

/** A random DAG: node i depends on up to 3 earlier nodes. */
const dagArb = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc
    .array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n })
    .map((raw): Dag => ({ n, deps: raw.map((ds, i) => (i === 0 ? [] : [...new Set(ds.map((d) => d % i))])) })),
);

const key = (i: number) => `n${i}`;
const list = { kind: 'op', name: 'list' } as const;
const sum = { kind: 'op', name: 'sum' } as const;

/** Node i = i + sum of its dependencies' values (as a two-step task so fusion has chains to fuse). */
function toGraph(d: Dag): Graph {
  const nodes: GraphNode[] = [];
  for (let i = 0; i < d.n; i++) {
    if (d.deps[i]!.length === 0) nodes.push(data(key(i), i));
    else {
      nodes.push(task(`${key(i)}-args`, list, [i, ...d.deps[i]!.map((j) => ref(key(j)))]));
      nodes.push(task(key(i), sum, [ref(`${key(i)}-args`)]));
    }
  }
  return new Map(nodes.map((x) => [x.key, x]));
}

function reference(d: Dag): number[] {
  const v: number[] = [];
  for (let i = 0; i < d.n; i++) v[i] = i + d.deps[i]!.reduce((s, j) => s + v[j]!, 0);
  return v;
}

function ancestors(d: Dag, roots: number[]): Set<number> {
  const out = new Set<number>();
  const stack = [...roots];
  while (stack.length) {
    const i = stack.pop()!;
    if (out.has(i)) continue;
    out.add(i);
    stack.push(...d.deps[i]!);
  }
  return out;
}

describe('graph properties', () => {
  test('order is a topological order', () => {
    fc.assert(
      fc.property(dagArb, (d) => {
        const graph = toGraph(d);
        const p = order(graph);
        for (const node of graph.values()) if (node.kind === 'task') for (const dep of node.deps) expect(p.get(dep)!).toBeLessThan(p.get(node.key)!);
        expect(new Set(p.values()).size).toBe(graph.size);
      }),
      { numRuns: 200 },
    );
  });

  test('cull keeps exactly the ancestors', () => {
    fc.assert(
      fc.property(dagArb, fc.nat(), (d, r) => {
        const root = r % d.n;
        const kept = new Set([...cull(toGraph(d), [key(root)]).keys()].filter((k) => !k.endsWith('-args')));
        expect(kept).toEqual(new Set([...ancestors(d, [root])].map(key)));
      }),
      { numRuns: 200 },
    );
  });

  test('fuse preserves results (sync)', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, fc.boolean(), async (d, doFuse) => {
        const keys = Array.from({ length: d.n }, (_, i) => key(i)).filter((_, i) => i % 3 === 0 || i === d.n - 1);
        const graph = toGraph(d);
        if (doFuse) expect(fuse(graph, keys).size).toBeLessThanOrEqual(graph.size);
        const got = await getScheduler('sync').get(graph, keys, { fuse: doFuse });
        const want = reference(d);
        expect(got).toEqual(keys.map((k) => want[Number(k.slice(1))]));
      }),
      { numRuns: 200 },
    );
  });

  test.each(['threads', 'processes'])('%s gives the same results as the reference, fused or not', async (name) => {
    await fc.assert(
      fc.asyncProperty(dagArb, fc.boolean(), async (d, doFuse) => {
        const keys = [key(d.n - 1), key(0)];
        const got = await getScheduler(name).get(toGraph(d), keys, { fuse: doFuse, numWorkers: 2 });
        const want = reference(d);
        expect(got).toEqual([want[d.n - 1], want[0]]);
      }),
      { numRuns: 40 },
    );
  });
});
