#!/usr/bin/env node
// Execute every notebooks/*.ipynb headless with Jupyter's nbconvert and the tslab kernel; exit
// non-zero when a cell throws (nbconvert does) or Jupyter is missing. `npm run notebooks` builds
// first, because cells import the built package (../dist/index.js).
//
//   node notebooks/run.mjs [--root DIR] [--out DIR] [name.ipynb ...]
//
// --root: the folder holding notebooks/ and dist/ (default: this repository). --out: where the
// executed copies go (default: a temporary folder). The tslab kernel spec is installed into
// <repo>/.jupyter on first use (see ../shared/RECIPES.md, "Notebooks").
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  options: { root: { type: 'string' }, out: { type: 'string' } },
  allowPositionals: true,
});
const root = path.resolve(values.root ?? repo);
const out = path.resolve(values.out ?? mkdtempSync(path.join(tmpdir(), 'shoal-notebooks-')));
const python = '/usr/bin/python3'; // Debian's, which has the jupyter packages (RECIPES.md)

function fail(msg) {
  console.error(`notebooks: ${msg}`);
  process.exit(1);
}

const jupyter = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
if (jupyter.error || jupyter.status !== 0) {
  fail(
    'Jupyter is not installed. On Debian: apt-get install -y --no-install-recommends ' +
      'jupyter-core jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel',
  );
}
if (!existsSync(path.join(root, 'dist', 'index.js'))) fail(`${path.join(root, 'dist')} is missing: run \`npm run build\` first`);

const jupyterPath = path.join(repo, '.jupyter', 'share', 'jupyter');
const spec = path.join(jupyterPath, 'kernels', 'tslab', 'kernel.json');
// (Re)install when missing, or when it names a tslab binary that is gone (the repository moved).
if (!existsSync(spec) || !existsSync(JSON.parse(readFileSync(spec, 'utf8')).argv?.[0] ?? '')) {
  const tslab = path.join(repo, 'node_modules', '.bin', 'tslab');
  execFileSync(tslab, ['install', `--python=${python}`, `--binary=${tslab}`, `--prefix=${path.join(repo, '.jupyter')}`], { stdio: 'inherit' });
}

const dir = path.join(root, 'notebooks');
const names = positionals.length ? positionals.map((p) => path.basename(p)) : readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort();
if (!names.length) fail(`no notebooks in ${dir}`);

const env = { ...process.env, JUPYTER_PATH: jupyterPath, PYDEVD_DISABLE_FILE_VALIDATION: '1' };
let failed = 0;
for (const name of names) {
  const t = performance.now();
  const r = spawnSync(
    'jupyter',
    ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=300', '--output-dir', out, path.join(dir, name)],
    { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const secs = ((performance.now() - t) / 1000).toFixed(1);
  if (r.status === 0) console.log(`ok    ${name} (${secs} s)`);
  else {
    failed++;
    // nbconvert's traceback ends with the failing cell and the error: show that part.
    const lines = (r.stderr || String(r.error)).trim().split('\n');
    const from = lines.findIndex((l) => l.includes('CellExecutionError'));
    console.log(`FAIL  ${name} (${secs} s)\n${lines.slice(from >= 0 ? from : -30).join('\n')}`);
  }
}
console.log(`notebooks: ${names.length - failed} passed, ${failed} failed; executed copies in ${out}`);
process.exit(failed ? 1 : 0);
