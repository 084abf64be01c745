/**
 * The one rule for tests that need a part of the system (Chromium, Jupyter, redis-server, …):
 * where the part is missing, its tests are skipped and the one command that installs it is
 * printed; under CI (`CI` set, as CI services and .ci/run do) a missing part is a failing test
 * instead, so a green CI run proves every such test ran.
 *
 * A test file takes its test API from `needs(...)` instead of from vitest:
 *   const { test, beforeAll, afterAll } = needs('redis-server');
 * With every part installed these are vitest's own. Otherwise the tests are skipped and the
 * hooks do nothing (a hook that starts the part would only fail), and under CI one test named
 * for the part fails with the install command.
 *
 * Each part is found by its executable; `SHOAL_TEST_BIN_<PART>` (e.g. SHOAL_TEST_BIN_REDIS_SERVER,
 * SHOAL_TEST_BIN_CHROMIUM) names another one, which tests then use (`partBin`): how
 * test/system-parts.test.ts proves a missing part skips, and fails under CI.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as vitest from 'vitest';

interface PartSpec {
  /** The executable: a path, or a name looked up on PATH. */
  bin: string;
  /** More than the executable existing, when that is not enough (default: nothing more). */
  works?: (bin: string) => boolean;
  /** The one command that installs it (Debian, as root; .ci/run runs these). */
  install: string;
}

const PARTS = {
  chromium: { bin: '/usr/bin/chromium', install: 'apt-get install -y --no-install-recommends chromium' },
  jupyter: {
    bin: 'jupyter',
    // `jupyter` alone may be jupyter-core without nbconvert, which the notebooks need.
    works: (bin: string) => spawnSync(bin, ['nbconvert', '--version'], { stdio: 'ignore' }).status === 0,
    install: 'apt-get install -y --no-install-recommends jupyter-core jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel',
  },
  'redis-server': { bin: 'redis-server', install: 'apt-get install -y --no-install-recommends redis-server' },
} satisfies Record<string, PartSpec>;

export type Part = keyof typeof PARTS;

const envName = (part: Part) => `SHOAL_TEST_BIN_${part.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/**
 * The executable of `part` (its SHOAL_TEST_BIN_* override, or the default).
 * @example
 * spawn(partBin('redis-server'), ['--port', String(port)]);
 */
export function partBin(part: Part): string {
  return process.env[envName(part)] || PARTS[part].bin;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `bin` is: itself if it is a path, else the first match on PATH; undefined if none. */
function locate(bin: string): string | undefined {
  if (bin.includes('/')) return executable(bin) ? bin : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}

const found = new Map<string, boolean>();

/** Whether `part` is installed (and works). */
export function hasPart(part: Part): boolean {
  const bin = partBin(part);
  let ok = found.get(bin);
  if (ok === undefined) {
    const path = locate(bin);
    const spec: PartSpec = PARTS[part];
    ok = path !== undefined && (spec.works?.(path) ?? true);
    found.set(bin, ok);
  }
  return ok;
}

/** Under CI a missing part fails: `CI` set to anything but '' / 'false' / '0'. */
export function underCi(): boolean {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/** The message for a missing part, with the command that installs it. */
export function missingMessage(part: Part): string {
  return `${part} is not installed (looked for ${partBin(part)}); install it with: ${PARTS[part].install}`;
}

const noop = () => {};

/** vitest's `test`, with every test and variant skipped. */
function skippingTest(): typeof vitest.test {
  const skip = vitest.test.skip;
  return Object.assign((...args: Parameters<typeof skip>) => skip(...args), {
    skip,
    only: skip,
    concurrent: skip,
    sequential: skip,
    fails: skip,
    skipIf: () => skip,
    runIf: () => skip,
    each: skip.each,
    for: skip.for,
    todo: vitest.test.todo,
  }) as unknown as typeof vitest.test;
}

/** vitest's `describe`, with every suite skipped. */
function skippingDescribe(): typeof vitest.describe {
  const skip = vitest.describe.skip;
  return Object.assign((...args: Parameters<typeof skip>) => skip(...args), {
    skip,
    only: skip,
    concurrent: skip,
    sequential: skip,
    shuffle: skip,
    skipIf: () => skip,
    runIf: () => skip,
    each: skip.each,
    for: skip.for,
    todo: vitest.describe.todo,
  }) as unknown as typeof vitest.describe;
}

export interface PartsApi {
  test: typeof vitest.test;
  describe: typeof vitest.describe;
  beforeAll: typeof vitest.beforeAll;
  afterAll: typeof vitest.afterAll;
  beforeEach: typeof vitest.beforeEach;
  afterEach: typeof vitest.afterEach;
  /** The parts that are missing (empty: the API is vitest's). */
  missing: Part[];
}

/**
 * The test API for tests that need `parts`, to use in place of vitest's (see the top of this
 * file). Call it where the tests are declared (a file's top level, or inside a `describe`).
 * @example
 * const { test, beforeAll, afterAll } = needs('chromium');
 */
export function needs(...parts: Part[]): PartsApi {
  const missing = parts.filter((p) => !hasPart(p));
  if (missing.length === 0) {
    const { test, describe, beforeAll, afterAll, beforeEach, afterEach } = vitest;
    return { test, describe, beforeAll, afterAll, beforeEach, afterEach, missing };
  }
  for (const part of missing) {
    if (underCi()) vitest.test(`needs ${part}`, () => {
      throw new Error(`CI is set, so a test that needs a missing part fails instead of skipping: ${missingMessage(part)}`);
    });
    else console.warn(`SKIPPED tests that need ${part}: ${missingMessage(part)}`);
  }
  return { test: skippingTest(), describe: skippingDescribe(), beforeAll: noop, afterAll: noop, beforeEach: noop, afterEach: noop, missing };
}
