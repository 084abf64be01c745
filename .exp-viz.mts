import { renderGraph } from './src/diagnostics/visualize.ts';
import { task, ref, type GraphNode } from './src/graph/types.ts';
const big: GraphNode[] = [];
const N = Number(process.argv[2]);
for (let i = 0; i < N; i++) big.push(task(`a-${(i+0x10000000).toString(16)}`, { kind: 'op', name: 'inc' }, i ? [ref(`a-${(i-1+0x10000000).toString(16)}`)] : []));
for (let i = 0; i < N; i++) big.push(task(`b-${(i+0x10000000).toString(16)}`, { kind: 'op', name: 'dbl' }, [ref(`a-${(i+0x10000000).toString(16)}`)]));
const bg = new Map(big.map((n) => [n.key, n]));
const t = performance.now();
try { const svg = await renderGraph(bg, { filename: '/tmp/vizexp/big.png' }); console.log('big png ms', performance.now() - t, svg.slice(svg.indexOf('<svg'), svg.indexOf('<svg')+80)); } catch (e) { console.log('ERR', e); }
