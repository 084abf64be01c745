/**
 * The rule of test/system-parts.ts, proven on a real vitest run of a small test file that needs
 * redis-server: with the part there its tests and hooks run; with it missing (its executable
 * named by SHOAL_TEST_BIN_REDIS_SERVER does not exist) they are skipped and the install command
 * is printed; with it missing under CI=true a test fails, naming the command.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { tempDir } from './helpers.ts';
import { needs } from './system-parts.ts';

const repo = new URL('..', import.meta.url).pathname;
const tmp = tempDir();
afterAll(() => tmp.cleanup());

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
}

function setUp(): string {
  const dir = join(tmp.dir, 'project');
  mkdirSync(dir);
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['*.test.ts'] } };\n");
  writeFileSync(
    join(dir, 'needs.test.ts'),
    `import { expect } from 'vitest';
import { needs } from ${JSON.stringify(join(repo, 'test/system-parts.ts'))};
const { test, beforeAll } = needs('redis-server');
let started = false;
beforeAll(() => {
  started = true;
});
test('the hook ran first', () => {
  expect(started).toBe(true);
});
test.skipIf(false)('a second test', () => {
  expect(1 + 1).toBe(2);
});
`,
  );
  return dir;
}

/** Run vitest on the little project with `env` on top of ours (CI and the override unset first). */
function run(dir: string, name: string, env: Record<string, string>): Promise<{ code: number; out: string; report: Report }> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.CI;
  delete base.SHOAL_TEST_BIN_REDIS_SERVER;
  const file = join(dir, `${name}.json`);
  const args = [join(repo, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--reporter=default', '--reporter=json', `--outputFile.json=${file}`];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: dir, env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out: stdout + stderr, report: JSON.parse(readFileSync(file, 'utf8')) as Report });
    });
  });
}

test('a missing part skips with its install command, and fails under CI=true; a present one runs', async () => {
  const dir = setUp();
  const missing = join(tmp.dir, 'no-such-dir', 'redis-server');
  const [present, skipped, ci] = await Promise.all([
    // Any executable stands for the part's: the tests only check that they ran.
    run(dir, 'present', { SHOAL_TEST_BIN_REDIS_SERVER: process.execPath }),
    run(dir, 'skipped', { SHOAL_TEST_BIN_REDIS_SERVER: missing }),
    run(dir, 'ci', { SHOAL_TEST_BIN_REDIS_SERVER: missing, CI: 'true' }),
  ]);
  const install = 'install it with: apt-get install -y --no-install-recommends redis-server';

  expect(present.code).toBe(0);
  expect([present.report.numPassedTests, present.report.numPendingTests, present.report.numFailedTests]).toEqual([2, 0, 0]);

  expect(skipped.code).toBe(0);
  expect([skipped.report.numPassedTests, skipped.report.numPendingTests, skipped.report.numFailedTests]).toEqual([0, 2, 0]);
  expect(skipped.out).toContain(`SKIPPED tests that need redis-server: redis-server is not installed (looked for ${missing}); ${install}`);

  expect(ci.code).toBe(1);
  expect([ci.report.numPassedTests, ci.report.numPendingTests, ci.report.numFailedTests]).toEqual([0, 2, 1]);
  const failed = ci.report.testResults.flatMap((r) => r.assertionResults).filter((a) => a.status === 'failed');
  expect(failed.map((a) => a.title)).toEqual(['needs redis-server']);
  expect(failed[0]!.failureMessages.join('\n')).toContain(install);
});

test('with no part missing, needs() is vitest itself', () => {
  const api = needs();
  expect(api.missing).toEqual([]);
  expect(api.test).toBe(test);
});
