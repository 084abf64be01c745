import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { renderGraph, toDot } from '../../src/diagnostics/visualize.ts';
import { GraphError, OptionError, ShoalError } from '../../src/errors.ts';
import { fuse, FUSED_OP } from '../../src/graph/fuse.ts';
import { blockKey } from '../../src/graph/keys.ts';
import { alias, data, ref, task, type Graph, type GraphNode } from '../../src/graph/types.ts';

const op = (name: string) => ({ kind: 'op', name }) as const;
const graphOf = (...nodes: GraphNode[]): Graph => new Map(nodes.map((n) => [n.key, n]));

/** x → inc → (double, square) → add: `inc` is shared by two tasks. */
const diamond = graphOf(
  data('x-00aa11bb', 1),
  task('inc-11aa22bb', op('inc'), [ref('x-00aa11bb')]),
  task('double-22bb33cc', { kind: 'source', code: '(a) => a * 2', hash: 'h1', name: 'double' }, [ref('inc-11aa22bb')]),
  task('square-33cc44dd', { kind: 'source', code: '(a) => a * a', hash: 'h2' }, [ref('inc-11aa22bb')]),
  task('add-44dd55ee', { kind: 'module', url: 'file:///m.js', name: 'add' }, [ref('double-22bb33cc'), ref('square-33cc44dd')]),
);

/** Node statements (`id [attrs];`) and edges (`a -> b;`) of a DOT text. */
function parse(dot: string) {
  const nodes = new Map<string, Record<string, string>>();
  const edges: [string, string][] = [];
  for (const line of dot.split('\n')) {
    const e = /^\s*(\w+) -> (\w+);$/.exec(line);
    if (e) edges.push([e[1]!, e[2]!]);
    const n = /^\s*([kf]\d+) \[(.*)\];$/.exec(line);
    if (n) {
      const a: Record<string, string> = {};
      for (const m of n[2]!.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\w+))/g)) a[m[1]!] = m[2] ?? m[3]!;
      nodes.set(n[1]!, a);
    }
  }
  const byTooltip = (key: string, kind: 'k' | 'f') =>
    [...nodes].filter(([id, a]) => id.startsWith(kind) && a.tooltip === key).map(([id]) => id);
  return { nodes, edges, byTooltip };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a shared intermediate is drawn once, with an edge to each task that uses it', () => {
  const { nodes, edges, byTooltip } = parse(toDot(diamond));
  // 5 result boxes + 4 function circles
  expect(nodes.size).toBe(9);
  expect([...nodes.values()].filter((a) => a.shape === 'box')).toHaveLength(5);
  expect([...nodes.values()].filter((a) => a.shape === 'circle')).toHaveLength(4);
  const incBox = byTooltip('inc-11aa22bb', 'k');
  expect(incBox).toHaveLength(1);
  const users = edges.filter(([from]) => from === incBox[0]).map(([, to]) => nodes.get(to)!.label);
  expect(users.sort()).toEqual(['double', 'lambda']);
  // data box → inc circle → inc box
  const [xBox] = byTooltip('x-00aa11bb', 'k');
  const [incFn] = byTooltip('inc-11aa22bb', 'f');
  expect(edges).toContainEqual([xBox, incFn]);
  expect(edges).toContainEqual([incFn, incBox[0]]);
  // the data node has no function
  expect(byTooltip('x-00aa11bb', 'f')).toHaveLength(0);
  expect(edges).toHaveLength(1 + 1 + 1 + 2 + 4); // deps of inc, double, square, add + 4 fn→box
});

test('labels: op name, source name or lambda, module export, key prefix with block index', () => {
  const { nodes, byTooltip } = parse(toDot(diamond));
  const fn = (k: string) => nodes.get(byTooltip(k, 'f')[0]!)!.label;
  const box = (k: string) => nodes.get(byTooltip(k, 'k')[0]!)!.label;
  expect(fn('inc-11aa22bb')).toBe('inc');
  expect(fn('double-22bb33cc')).toBe('double');
  expect(fn('square-33cc44dd')).toBe('lambda');
  expect(fn('add-44dd55ee')).toBe('add');
  expect(box('inc-11aa22bb')).toBe('inc');
  expect(box('x-00aa11bb')).toBe('x');

  const b = blockKey('normal-7b2e91aa', [3, 0]);
  const blocks = parse(toDot(graphOf(task(b, op('random.normal'), [3, 0]))));
  expect(blocks.nodes.get(blocks.byTooltip(b, 'k')[0]!)!.label).toBe('normal(3,0)');
  expect(blocks.nodes.get(blocks.byTooltip(b, 'f')[0]!)!.label).toBe('random.normal');
});

test('aliases are boxes fed by their target; missing dependencies are dashed boxes', () => {
  const g = graphOf(
    data('a-aaaaaaaa', 1),
    alias('b-bbbbbbbb', 'a-aaaaaaaa'),
    task('c-cccccccc', op('neg'), [ref('b-bbbbbbbb'), ref('persisted-dddddddd')]),
  );
  const { nodes, edges, byTooltip } = parse(toDot(g));
  const [a] = byTooltip('a-aaaaaaaa', 'k');
  const [b] = byTooltip('b-bbbbbbbb', 'k');
  expect(nodes.get(b!)!.shape).toBe('box');
  expect(byTooltip('b-bbbbbbbb', 'f')).toHaveLength(0);
  expect(edges).toContainEqual([a, b]);
  const [p] = byTooltip('persisted-dddddddd', 'k');
  expect(nodes.get(p!)!.style).toBe('dashed');
  expect(edges).toContainEqual([p, byTooltip('c-cccccccc', 'f')[0]]);
});

test('a fused task is labelled with its steps joined by +', () => {
  const chain = graphOf(
    data('x-00aa11bb', 1),
    task('inc-11aa22bb', op('inc'), [ref('x-00aa11bb')]),
    task('double-22bb33cc', { kind: 'source', code: '(a) => a * 2', hash: 'h1', name: 'double' }, [ref('inc-11aa22bb')]),
    task('neg-33cc44dd', { kind: 'source', code: '(a) => -a', hash: 'h3' }, [ref('double-22bb33cc')]),
  );
  const fused = fuse(chain, ['neg-33cc44dd']);
  const node = fused.get('neg-33cc44dd');
  expect(node?.kind === 'task' && node.fn.kind === 'op' && node.fn.name).toBe(FUSED_OP);
  const { nodes, byTooltip } = parse(toDot(fused));
  expect(nodes.get(byTooltip('neg-33cc44dd', 'f')[0]!)!.label).toBe('inc+double+lambda');
  expect(nodes.size).toBe(3); // x box, fused circle, neg box
});

test('quotes, backslashes and newlines in names are escaped', () => {
  const key = 'we"ird\\na\nme-abcdef12';
  const dot = toDot(graphOf(task(key, { kind: 'source', code: '', hash: 'h', name: 'say "hi"' }, [])));
  expect(dot).toContain('label="say \\"hi\\""');
  expect(dot).toContain('tooltip="we\\"ird\\\\na\\nme-abcdef12"');
  expect(dot.split('\n').every((l) => l === '' || /^(digraph|\s|})/.test(l))).toBe(true);
});

test('the same graph gives the same DOT, whatever the Map order', () => {
  const reversed: Graph = new Map([...diamond].reverse());
  expect(toDot(diamond)).toBe(toDot(diamond));
  expect(toDot(reversed)).toBe(toDot(diamond));
  expect(toDot(diamond, { rankdir: 'LR' })).toContain('rankdir="LR"');
  expect(toDot(diamond)).toContain('rankdir="BT"');
  expect(toDot(diamond)).toContain('fontname="DejaVu Sans"');
});

test('outputs are highlighted; an unknown output or rankdir is an error', () => {
  const { nodes, byTooltip } = parse(toDot(diamond, { outputs: ['add-44dd55ee'] }));
  expect(nodes.get(byTooltip('add-44dd55ee', 'k')[0]!)!.peripheries).toBe('2');
  expect(nodes.get(byTooltip('inc-11aa22bb', 'k')[0]!)!.peripheries).toBeUndefined();
  expect(() => toDot(diamond, { outputs: ['nope'] })).toThrow(GraphError);
  expect(() => toDot(diamond, { rankdir: 'XY' as 'LR' })).toThrow(OptionError);
});

test('renders SVG with the labels', async () => {
  const svg = await renderGraph(diamond, { outputs: ['add-44dd55ee'] });
  expect(svg).toContain('<svg');
  for (const label of ['>inc<', '>double<', '>lambda<', '>add<', '>x<', '>square<']) expect(svg).toContain(label);
  expect(svg).toContain('font-family="DejaVu Sans"');
  expect(svg.match(/class="node"/g)).toHaveLength(9);
});

test('writes SVG, PNG and DOT files chosen by extension, creating folders', async () => {
  const svgFile = path.join(dir, 'a', 'b', 'g.svg');
  const svg = await renderGraph(diamond, { filename: svgFile });
  expect(fs.readFileSync(svgFile, 'utf8')).toBe(svg);

  const pngFile = path.join(dir, 'g.PNG');
  const returned = await renderGraph(diamond, { filename: pngFile, rankdir: 'LR' });
  expect(returned).toContain('<svg');
  const png = fs.readFileSync(pngFile);
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  expect(width).toBeGreaterThan(0);
  expect(height).toBeGreaterThan(0);

  for (const name of ['g.dot', 'g.gv']) {
    const file = path.join(dir, name);
    const dot = await renderGraph(diamond, { filename: file });
    expect(dot).toBe(toDot(diamond));
    expect(fs.readFileSync(file, 'utf8')).toBe(dot);
  }
});

test('an explicit format wins over the extension; no extension means .png appended', async () => {
  const file = path.join(dir, 'really-dot.svg');
  const out = await renderGraph(diamond, { filename: file, format: 'dot' });
  expect(out.startsWith('digraph')).toBe(true);
  expect(fs.readFileSync(file, 'utf8')).toBe(out);

  const bare = path.join(dir, 'bare');
  await renderGraph(diamond, { filename: bare });
  expect(fs.readFileSync(`${bare}.png`).subarray(1, 4).toString()).toBe('PNG');

  expect(await renderGraph(diamond, { format: 'dot' })).toBe(toDot(diamond));
});

test('an unknown extension or format is a clear error and writes nothing', async () => {
  const file = path.join(dir, 'graph.pdf');
  const err = await renderGraph(diamond, { filename: file }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ShoalError);
  expect((err as ShoalError).code).toBe('ERR_SHOAL_VISUALIZE');
  expect((err as Error).message).toContain('"pdf"');
  expect((err as Error).message).toContain('.svg, .png or .dot');
  expect(fs.existsSync(file)).toBe(false);

  await expect(renderGraph(diamond, { format: 'jpeg' as 'png' })).rejects.toThrow(OptionError);
  await expect(renderGraph(diamond, { filename: '' })).rejects.toThrow(OptionError);
});

test('an empty graph still renders', async () => {
  const svg = await renderGraph(new Map());
  expect(svg).toContain('<svg');
});

test('a PNG too tall to rasterise is scaled down with a warning, every node still drawn', async () => {
  const nodes: GraphNode[] = [];
  const key = (i: number) => `step-${(0x10000000 + i).toString(16)}`;
  for (let i = 0; i < 250; i++) nodes.push(task(key(i), op('inc'), i ? [ref(key(i - 1))] : []));
  const g = graphOf(...nodes);
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    const file = path.join(dir, 'tall.png');
    const svg = await renderGraph(g, { filename: file });
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    expect(svg.match(/class="node"/g)).toHaveLength(500);
    const png = fs.readFileSync(file);
    const height = png.readUInt32BE(20);
    expect(height).toBeGreaterThan(10_000);
    expect(height).toBeLessThanOrEqual(32_767);
    expect(warnings.map((w) => (w as Error & { code?: string }).code)).toContain('SHOAL_VISUALIZE_SCALED');
  } finally {
    process.off('warning', onWarning);
  }
}, 60_000);
