/**
 * The random generator's definition (src/array/random.ts), checked against an independent
 * reference written here with BigInts, one word at a time: Philox4x32-10 group keys,
 * xoroshiro128++ words, uniforms from the top 53 bits, normals by the 256-layer ziggurat.
 * The kernel runs as WebAssembly compiled from src/array/wasm/random.as.ts; the last test checks
 * that the committed module is what that source compiles to.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { array, compute, shutdown } from '../../src/index.ts';
import { philox4x32 } from '../../src/array/random.ts';
import { SCHEDULERS } from '../helpers.ts';

afterAll(() => shutdown());

const M64 = (1n << 64n) - 1n;
const M32 = 0xffffffffn;

/** Philox4x32-10, straight from the paper's round function. */
function philoxRef(c: bigint[], k0: bigint, k1: bigint): bigint[] {
  let [c0, c1, c2, c3] = c as [bigint, bigint, bigint, bigint];
  for (let r = 0; r < 10; r++) {
    const p0 = c0 * 0xd2511f53n;
    const p1 = c2 * 0xcd9e8d57n;
    [c0, c1, c2, c3] = [((p1 >> 32n) ^ c1 ^ k0) & M32, p1 & M32, ((p0 >> 32n) ^ c3 ^ k1) & M32, p0 & M32];
    k0 = (k0 + 0x9e3779b9n) & M32;
    k1 = (k1 + 0xbb67ae85n) & M32;
  }
  return [c0, c1, c2, c3];
}

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M64;

/** The word stream of group g under `seed`: xoroshiro128++ seeded by Philox(g). */
function stream(seed: number, g: number): () => bigint {
  const [w0, w1, w2, w3] = philoxRef([BigInt(g % 2 ** 32), BigInt(Math.floor(g / 2 ** 32)), 0n, 0n], BigInt(seed % 2 ** 32), BigInt(Math.floor(seed / 2 ** 32)));
  let s0 = w0! | (w1! << 32n);
  let s1 = w2! | (w3! << 32n);
  if ((s0 | s1) === 0n) s0 = 1n;
  return () => {
    const r = (rotl((s0 + s1) & M64, 17n) + s0) & M64;
    const t = s1 ^ s0;
    s0 = rotl(s0, 49n) ^ t ^ ((t << 21n) & M64);
    s1 = rotl(t, 28n);
    return r;
  };
}

const unit = (r: bigint) => Number(r >> 11n) * 2 ** -53;

// The ziggurat's layers: X[0] = V / f(R) (the base strip with its tail), X[1] = R, X[256] = 0.
const R = 3.6541528853610088;
const V = 4.92867323399e-3;
const X: number[] = [V / Math.exp(-0.5 * R * R), R];
for (let i = 2; i < 256; i++) X.push(Math.sqrt(-2 * Math.log(V / X[i - 1]! + Math.exp(-0.5 * X[i - 1]! * X[i - 1]!))));
X.push(0);
const dens = (x: number) => Math.exp(-0.5 * x * x);

/** The next standard normal of a stream. */
function normalRef(next: () => bigint): number {
  for (;;) {
    const r = next();
    const k = Number(r & 0xffn);
    const sign = (r & 0x100n) === 0n ? 1 : -1;
    const f = r >> 12n;
    const x = Number(f) * 2 ** -52 * X[k]!;
    if (f < BigInt(Math.floor((X[k + 1]! / X[k]!) * 2 ** 52))) return sign * x;
    if (k === 0) {
      let a: number, b: number;
      do {
        a = Math.log(1 - unit(next())) / R;
        b = Math.log(1 - unit(next()));
      } while (-2 * b < a * a);
      return sign * (R - a);
    }
    if (dens(X[k + 1]!) + unit(next()) * (dens(X[k]!) - dens(X[k + 1]!)) < dens(x)) return sign * x;
  }
}

/** Values of flat elements 0..n (uniform u or standard normal z). */
function reference(dist: 'uniform' | 'normal', seed: number, n: number): number[] {
  const out: number[] = [];
  for (let g = 0; out.length < n; g++) {
    const next = stream(seed, g);
    for (let j = 0; j < 128 && out.length < n; j++) out.push(dist === 'uniform' ? unit(next()) : normalRef(next));
  }
  return out;
}

/** Equal to within a few units in the last place (the reference's exp/log are JavaScript's, the kernel's its own). */
function expectClose(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  const bad = got.map((v, i) => [i, v, want[i]!] as const).filter(([, v, w]) => !(Math.abs(v - w) <= 1e-13 * Math.max(1, Math.abs(w))));
  expect(bad.slice(0, 5)).toEqual([]);
}

describe('the random generator', () => {
  test('Philox4x32-10 matches the Random123 known answers (kernel and reference)', () => {
    const o = new Uint32Array(4);
    const cases: [number[], number[], number[]][] = [
      [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
      [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
      [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
    ];
    for (const [c, k, want] of cases) {
      philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, o);
      expect([...o]).toEqual(want);
      expect(philoxRef(c.map(BigInt), BigInt(k[0]!), BigInt(k[1]!)).map(Number)).toEqual(want);
    }
  });

  test('uniforms and integers follow the definition, for blocks and rows that start inside a group', async () => {
    const seed = 2 ** 40 + 5;
    const u = reference('uniform', seed, 3000);
    const want = u.map((v) => 2 + 3 * v);
    expectClose((await array.random.uniform({ shape: [3000], chunks: 77, seed, low: 2, high: 5 }).toArray()) as number[], want);
    // Rows of a 2-D block start inside groups (flat index = row * 30 + column).
    const m = (await array.random.uniform({ shape: [100, 30], chunks: [40, 13], seed, low: 2, high: 5 }).toArray({ scheduler: 'sync' })) as number[][];
    expectClose(m.flat(), want);
    // Blocks of whole rows, and 3-D blocks spanning the trailing axes: one contiguous run each.
    const w = (await array.random.uniform({ shape: [100, 30], chunks: [40, 30], seed, low: 2, high: 5 }).toArray({ scheduler: 'threads' })) as number[][];
    expectClose(w.flat(), want);
    const c = (await array.random.uniform({ shape: [10, 15, 20], chunks: [3, 15, 20], seed, low: 2, high: 5 }).toArray()) as number[][][];
    expectClose(c.flat(2), want);
    const f32 = (await array.random.uniform({ shape: [10, 300], chunks: [4, 300], seed, low: 2, high: 5, dtype: 'float32' }).toArray()) as number[][];
    expect(f32.flat()).toEqual(want.map((v) => Math.fround(v)));
    const ints = (await array.random.integers(-3, 9, { shape: [3000], chunks: 999, seed }).toArray()) as number[];
    expect(ints).toEqual(u.map((v) => Math.floor(-3 + 12 * v)));
  });

  test('normals follow the definition, tails and wedges included', async () => {
    const n = 60_000; // ~900 wedge draws and ~15 tail values
    const want = reference('normal', 42, n);
    expect(want.filter((v) => Math.abs(v) > R).length).toBeGreaterThan(3);
    expectClose((await array.random.normal({ shape: [n], chunks: 7_777, seed: 42 }).toArray()) as number[], want);
    const m = (await array.random.normal({ shape: [300, 200], chunks: [71, 45], seed: 42, loc: 1, scale: 2 }).toArray({ scheduler: 'processes' })) as number[][];
    expectClose(m.flat(), want.map((v) => 1 + 2 * v));
  });

  test('known values for seed 42 (a change of definition shows here)', async () => {
    expect(await array.random.normal({ shape: [4], seed: 42 }).toArray()).toEqual([0.481873531587588, -0.03386519482360876, 0.10832379177520446, 0.5920007651455907]);
    expect(await array.random.uniform({ shape: [3], seed: 42 }).toArray()).toEqual([0.4457192756516851, 0.0664775106611919, 0.07959428639278066]);
  });

  test('sums and moments made inside the kernel equal those of the stored values', async () => {
    const x = array.random.normal({ shape: [50_000], chunks: 12_000, seed: 8, loc: -2, scale: 3 });
    const u = array.random.uniform({ shape: [120, 250], chunks: [50, 250], seed: 9 });
    const dx = (await x.toArray({ scheduler: 'sync' })) as number[];
    const du = (await u.toArray({ scheduler: 'sync' })) as number[][];
    const mean = dx.reduce((a, b) => a + b, 0) / dx.length;
    const variance = dx.reduce((a, b) => a + (b - mean) ** 2, 0) / dx.length;
    for (const scheduler of SCHEDULERS) {
      const [m, v, s, s0, s1] = (await compute(x.mean(), x.var(), x.sum(), u.sum({ axis: 0 }), u.sum(), { scheduler })) as [number, number, number, { data: Float64Array }, number];
      expect(m).toBeCloseTo(mean, 12);
      expect(v).toBeCloseTo(variance, 10);
      expect(s).toBeCloseTo(mean * dx.length, 8);
      expect([...s0.data].every((c, j) => Math.abs(c - du.reduce((a, row) => a + row[j]!, 0)) < 1e-10)).toBe(true);
      expect(s1).toBeCloseTo(du.flat().reduce((a, b) => a + b, 0), 8);
    }
  });

  test('the committed WebAssembly is what src/array/wasm/random.as.ts compiles to', async () => {
    // @ts-expect-error: a plain .mjs build script, no types
    const { compileRandom, moduleText } = await import('../../src/array/wasm/build.mjs');
    const committed = readFileSync(new URL('../../src/array/random-wasm.ts', import.meta.url), 'utf8');
    expect(moduleText(await compileRandom())).toBe(committed);
  });
});
