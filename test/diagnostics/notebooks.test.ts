/**
 * The notebooks run headless in a real Jupyter with the tslab kernel (`notebooks/run.mjs`, what
 * `npm run notebooks` calls), against a fresh build of the package, and their rich outputs are
 * there: SVG charts and graphs, HTML tables, a progress bar updated in place. Outputs are cleared
 * in git.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { tempDir } from '../helpers.ts';
import { needs } from '../system-parts.ts';

const repo = new URL('../..', import.meta.url).pathname;
const notebooks = readdirSync(path.join(repo, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort();
// Without Jupyter: skipped with the command that installs it, or failing under CI (system-parts.ts).
const withJupyter = needs('jupyter');

interface Notebook {
  cells: Array<{ cell_type: string; source?: string[]; execution_count?: number | null; outputs?: Array<{ output_type: string; data?: Record<string, unknown>; transient?: unknown; ename?: string }> }>;
  metadata: { kernelspec: { name: string } };
}
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Notebook;

const tmp = tempDir();
afterAll(() => tmp.cleanup());

test('notebooks are committed with outputs cleared, on the tslab kernel', () => {
  expect(notebooks.length).toBeGreaterThanOrEqual(2);
  for (const name of notebooks) {
    const nb = read(path.join(repo, 'notebooks', name));
    expect(nb.metadata.kernelspec.name).toBe('tslab');
    for (const c of nb.cells.filter((c) => c.cell_type === 'code')) {
      expect(c.outputs).toEqual([]);
      expect(c.execution_count ?? null).toBeNull();
    }
  }
});

withJupyter.test('every notebook executes without error and shows rich output', { timeout: 600_000 }, () => {
  // A fresh build beside copies of the notebooks (cells import ../dist/index.js); packages resolve
  // through a link to this repository's node_modules.
  const root = path.join(tmp.dir, 'root');
  mkdirSync(root);
  execFileSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', path.join(repo, 'tsconfig.build.json'), '--outDir', path.join(root, 'dist')], { cwd: repo });
  cpSync(path.join(repo, 'notebooks'), path.join(root, 'notebooks'), { recursive: true });
  cpSync(path.join(repo, 'datasets'), path.join(root, 'datasets'), { recursive: true }); // read as ../datasets/ by 03 and 05
  symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  // One more notebook whose cell throws: the runner must report it and exit non-zero.
  const broken = read(path.join(repo, 'notebooks', notebooks[0]!));
  broken.cells = [{ cell_type: 'code', execution_count: null, outputs: [], metadata: {}, source: ["throw new Error('boom in a cell')"] } as never];
  writeFileSync(path.join(root, 'notebooks', 'zz-broken.ipynb'), JSON.stringify(broken));
  const out = path.join(tmp.dir, 'out');
  const r = spawnSync(process.execPath, [path.join(repo, 'notebooks/run.mjs'), '--root', root, '--out', out], { encoding: 'utf8', timeout: 590_000 });
  const log = r.stdout + r.stderr;
  expect(log).toContain(`${notebooks.length} passed, 1 failed`);
  expect(log).toMatch(/FAIL {2}zz-broken\.ipynb[\s\S]*boom in a cell/);
  expect(r.status).toBe(1);

  for (const name of notebooks) {
    const nb = read(path.join(out, name));
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
    expect(outputs.some((o) => o.data?.['image/svg+xml'])).toBe(true); // graphs and Gantt charts inline
  }
  const first = read(path.join(out, '01-delayed.ipynb')).cells.flatMap((c) => c.outputs ?? []);
  const html = first.map((o) => String(o.data?.['text/html'] ?? ''));
  expect(html.some((h) => h.includes('shoal.Delayed'))).toBe(true);
  // The progress bar is one display, updated in place: one output, ending at 100%.
  const bars = first.filter((o) => String(o.data?.['text/html'] ?? '').includes('Completed'));
  expect(bars).toHaveLength(1);
  expect(String(bars[0]!.data!['text/html'])).toContain('100% Completed');
});
