/**
 * DESIGN.md §8: a module imports only modules at its own layer or below. Parses every import in
 * src/ and fails on an upward edge, naming both files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, test } from 'vitest';

const SRC = new URL('../src/', import.meta.url).pathname;

/** Lower numbers are lower layers (imported by higher ones). */
function layer(file: string): number {
  const rel = relative(SRC, file);
  const top = rel.split('/')[0]!;
  const table: Record<string, number> = {
    'errors.ts': 0,
    'options.ts': 0,
    graph: 1,
    schedulers: 2,
    'config.ts': 3,
    diagnostics: 4,
    'base.ts': 5,
    io: 6,
    delayed: 7,
    bag: 7,
    array: 7,
    dataframe: 7,
    distributed: 8,
    'index.ts': 9,
    cli: 10,
  };
  const l = table[top];
  if (l === undefined) throw new Error(`src/${rel} is not in a known layer: add it to the table in test/layering.test.ts and DESIGN.md`);
  return l;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('no module imports from a layer above it', () => {
  const upward: string[] = [];
  const all = files(SRC);
  expect(all.length).toBeGreaterThan(10);
  for (const f of all) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
      const target = resolve(dirname(f), m[1]!);
      if (layer(target) > layer(f)) upward.push(`src/${relative(SRC, f)} -> src/${relative(SRC, target)}`);
    }
  }
  expect(upward).toEqual([]);
});
