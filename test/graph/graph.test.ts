import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { GraphError } from '../../src/errors.ts';
import {
  alias,
  blockKey,
  cull,
  data,
  dependents,
  findRefs,
  fnArg,
  fuse,
  keyPrefix,
  mergeChecked,
  order,
  parseKey,
  ref,
  stepsOf,
  task,
  tokenize,
  toposort,
  validate,
  type Graph,
  type GraphNode,
} from '../../src/graph/index.ts';

const add = { kind: 'op', name: 'add' } as const;
const g = (...nodes: GraphNode[]): Graph => new Map(nodes.map((n) => [n.key, n]));

describe('tokenize', () => {
  test('same inputs give the same token; different inputs differ', () => {
    expect(tokenize('inc', 1, { b: 2, a: [1, 2] })).toBe(tokenize('inc', 1, { a: [1, 2], b: 2 }));
    expect(tokenize(1)).not.toBe(tokenize('1'));
    expect(tokenize([1, 2])).not.toBe(tokenize([2, 1]));
    expect(tokenize(new Float64Array([1, 2]))).not.toBe(tokenize(new Float32Array([1, 2])));
    expect(tokenize(new Map([['a', 1], ['b', 2]]))).toBe(tokenize(new Map([['b', 2], ['a', 1]])));
    expect(tokenize(new Set([1, 2]))).toBe(tokenize(new Set([2, 1])));
    expect(tokenize(-0)).not.toBe(tokenize(0));
    expect(tokenize(undefined)).not.toBe(tokenize(null));
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(tokenize(cyclic)).toBe(tokenize(cyclic));
  });

  test('tokens are stable across processes and runs', () => {
    const value = { x: [1, 2.5, 'three'], y: new Int32Array([4, 5]), z: new Map([[1, true]]) };
    const src = new URL('../../src/graph/tokenize.ts', import.meta.url).href;
    const code = `import(${JSON.stringify(src)}).then((m) => console.log(m.tokenize({ x: [1, 2.5, 'three'], y: new Int32Array([4, 5]), z: new Map([[1, true]]) })))`;
    const other = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' }).trim();
    expect(other).toBe(tokenize(value));
    expect(tokenize(value)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('keys', () => {
  test('block keys and prefixes', () => {
    expect(blockKey('normal-7b2e91aa', [3, 0])).toBe('normal-7b2e91aa[3,0]');
    expect(parseKey('normal-7b2e91aa[3,0]')).toEqual({ name: 'normal-7b2e91aa', index: [3, 0] });
    expect(parseKey('sum-3f2a9c01')).toEqual({ name: 'sum-3f2a9c01', index: [] });
    expect(keyPrefix('normal-7b2e91aa[3,0]')).toBe('normal');
    expect(keyPrefix('inc-3f2a9c01aa')).toBe('inc');
    expect(keyPrefix('my-task')).toBe('my-task');
  });
});

describe('nodes and dependencies', () => {
  test('deps are the refs found anywhere in args, once each', () => {
    expect(findRefs([ref('a'), { x: [ref('b'), ref('a')] }, 3, 'c', new Float64Array(2)])).toEqual(['a', 'b']);
    const t = task('t', add, [ref('a'), [ref('b')]]);
    expect(t.deps).toEqual(['a', 'b']);
    const graph = g(data('a', 1), data('b', 2), t, alias('u', 't'));
    expect(dependents(graph).get('a')).toEqual(['t']);
    expect(dependents(graph).get('t')).toEqual(['u']);
  });
});

describe('function arguments', () => {
  test('task() lists the specs of functions passed in its args; fuse keeps them', () => {
    const f = { kind: 'source', code: 'x=>x', hash: 'abc' } as const;
    const t = task('t', add, [ref('a'), { cb: fnArg(f) }]);
    expect(t.deps).toEqual(['a']);
    expect(t.fns).toEqual([f]);
    expect(task('u', add, [1]).fns).toBeUndefined();
    const graph = g(data('a', 1), t, task('v', add, [ref('t'), fnArg(f)]));
    const fused = fuse(graph, ['v']).get('v')!;
    expect(fused.kind === 'task' && fused.fns).toEqual([f, f]);
  });
});

describe('toposort', () => {
  test('dependencies come first', () => {
    const graph = g(task('c', add, [ref('a'), ref('b')]), data('a', 1), task('b', add, [ref('a'), 1]));
    const out = toposort(graph);
    expect(out.indexOf('a')).toBeLessThan(out.indexOf('b'));
    expect(out.indexOf('b')).toBeLessThan(out.indexOf('c'));
  });

  test('a cycle is an error naming the cycle', () => {
    const graph = g(task('a', add, [ref('c'), 1]), task('b', add, [ref('a'), 1]), task('c', add, [ref('b'), 1]), data('d', 0));
    expect(() => toposort(graph)).toThrow(GraphError);
    expect(() => toposort(graph)).toThrow(/cycle: (a -> c -> b -> a|b -> a -> c -> b|c -> b -> a -> c)/);
    expect(() => order(graph)).toThrow(/cycle/);
  });

  test('a 100,000-long chain does not overflow the stack', () => {
    const nodes: GraphNode[] = [data('k0', 0)];
    for (let i = 1; i < 100_000; i++) nodes.push(task(`k${i}`, add, [ref(`k${i - 1}`), 1]));
    expect(toposort(g(...nodes))).toHaveLength(100_000);
    expect(order(g(...nodes), ['k99999']).get('k99999')).toBe(99_999);
  });
});

describe('cull, validate, merge', () => {
  const graph = g(data('a', 1), task('b', add, [ref('a'), 1]), task('c', add, [ref('b'), 1]), task('x', add, [ref('a'), 5]));
  test('cull keeps exactly what the keys need', () => {
    expect([...cull(graph, ['c']).keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(() => cull(graph, ['nope'])).toThrow(/requested key "nope" is not in the graph/);
  });
  test('validate names missing dependencies and mismatched keys', () => {
    expect(() => validate(graph)).not.toThrow();
    expect(() => validate(g(task('b', add, [ref('zzz'), 1])))).toThrow(/task "b" depends on "zzz", which is not in the graph/);
    expect(() => validate(new Map([['q', data('r', 1)]]))).toThrow(/graph entry "q" holds a node whose key is "r"/);
    expect(() => validate(g({ kind: 'task', key: 't', fn: add, args: [ref('a')], deps: [] }, data('a', 1)))).toThrow(/declares deps/);
  });
  test('merging: same definitions are fine, different ones collide', () => {
    expect(mergeChecked([graph, g(task('b', add, [ref('a'), 1]))]).size).toBe(4);
    expect(() => mergeChecked([graph, g(task('b', add, [ref('a'), 2]))])).toThrow(/key "b" is defined twice/);
  });
});

describe('fuse', () => {
  test('linear chains become one task keeping the last key; branches are kept', () => {
    const graph = g(
      data('a', 1),
      task('b', add, [ref('a'), 1]),
      task('c', add, [ref('b'), 1]),
      task('d', add, [ref('c'), 1]),
      task('e', add, [ref('d'), 10]),
      task('f', add, [ref('d'), 20]),
    );
    const fused = fuse(graph, ['e', 'f']);
    expect([...fused.keys()].sort()).toEqual(['a', 'd', 'e', 'f']);
    const d = fused.get('d')!;
    expect(d.kind === 'task' && stepsOf(d).map((s) => s.key)).toEqual(['b', 'c', 'd']);
    expect(d.kind === 'task' && d.deps).toEqual(['a']);
    // Requested keys are never fused away.
    expect([...fuse(graph, ['c', 'e', 'f']).keys()].sort()).toEqual(['a', 'c', 'd', 'e', 'f']);
  });
});

describe('order', () => {
  test('finishes a branch before starting the next', () => {
    // Two independent chains feeding a sum: depth-first keeps one chain's results live at a time.
    const nodes: GraphNode[] = [];
    for (const c of ['x', 'y']) {
      nodes.push(data(`${c}0`, 0));
      for (let i = 1; i < 4; i++) nodes.push(task(`${c}${i}`, add, [ref(`${c}${i - 1}`), 1]));
    }
    nodes.push(task('s', add, [ref('x3'), ref('y3')]));
    const p = order(g(...nodes), ['s']);
    const seq = [...p.entries()].sort((a, b) => a[1] - b[1]).map(([k]) => k);
    expect(seq).toEqual(['x0', 'x1', 'x2', 'x3', 'y0', 'y1', 'y2', 'y3', 's']);
  });
  // After dask/tests/test_order.py: leaves that feed the same task run next to each other,
  // whatever the key names (Dask runs it with names 'abcde' and 'edcba').
  test.each([['a', 'b'], ['e', 'd']])('keeps groups together (leaves %s, groups %s)', (a, b) => {
    const leaves = [0, 1, 2, 3].map((i) => task(`${a}${i}`, { kind: 'op', name: 'list' }, []));
    const pairs: Array<[number, number][]> = [
      [
        [0, 1],
        [2, 3],
      ],
      [
        [0, 2],
        [1, 3],
      ],
    ];
    for (const groups of pairs) {
      const nodes = [...leaves, ...groups.map(([x, y], j) => task(`${b}${j}`, add, [ref(`${a}${x}`), ref(`${a}${y}`)]))];
      const p = order(g(...nodes));
      for (const [x, y] of groups) expect(Math.abs(p.get(`${a}${x}`)! - p.get(`${a}${y}`)!)).toBe(1);
    }
  });

  test('a binary tree reduction is walked depth first: few results wait at any time', () => {
    // 64 leaves, pairwise sums. Replaying the order, count results computed but still needed.
    const nodes: GraphNode[] = [];
    let level = Array.from({ length: 64 }, (_, i) => {
      nodes.push(task(`leaf${i}`, { kind: 'op', name: 'list' }, []));
      return `leaf${i}`;
    });
    let n = 0;
    while (level.length > 1) {
      const next: string[] = [];
      for (let i = 0; i < level.length; i += 2) {
        const k = `sum${n++}`;
        nodes.push(task(k, add, [ref(level[i]!), ref(level[i + 1]!)]));
        next.push(k);
      }
      level = next;
    }
    const graph = g(...nodes);
    const p = order(graph, [level[0]!]);
    const seq = [...p.entries()].sort((x, y) => x[1] - y[1]).map(([k]) => k);
    const users = dependents(graph);
    const remaining = new Map([...users].map(([k, v]) => [k, v.length]));
    let live = 0;
    let peak = 0;
    for (const k of seq) {
      const node = graph.get(k)!;
      live++;
      peak = Math.max(peak, live);
      for (const d of node.kind === 'task' ? node.deps : []) {
        const left = remaining.get(d)! - 1;
        remaining.set(d, left);
        if (left === 0) live--;
      }
    }
    expect(peak).toBeLessThanOrEqual(Math.log2(64) + 2); // a breadth-first order would hold 64
  });

  test('the deepest dependency goes first', () => {
    const graph = g(data('a', 1), data('b0', 1), task('b1', add, [ref('b0'), 1]), task('s', add, [ref('a'), ref('b1')]));
    const p = order(graph, ['s']);
    expect(p.get('b1')!).toBeLessThan(p.get('a')!);
  });
});
