/** Module functions for the distributed tests (shipped to workers by URL + export name). */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** Throws until it has been called `failures` times (calls counted in `file`, across processes). */
export function flaky(file: string, failures: number, value: number): number {
  const calls = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
  appendFileSync(file, 'x\n');
  if (calls < failures) throw new RangeError(`flaky failure ${calls + 1}`);
  return value;
}

/** Kills the process it runs in (a task that crashes its worker), counting calls in `file`. */
export function killSelf(file: string): never {
  appendFileSync(file, 'x\n');
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

export function inc(x: number): number {
  return x + 1;
}

export function add(a: number, b: number): number {
  return a + b;
}

export function sum(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

export function sleepMs(ms: number, v: number): Promise<number> {
  return new Promise((r) => setTimeout(() => r(v), ms));
}

/** A deterministic Float64Array of `n` values from `seed`. */
export function block(n: number, seed: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = ((i * 7919 + seed * 104729) % 1000) / 10;
  return a;
}

export function blockSum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/** A runaway task (its inputs are ignored): never returns; only terminating its worker stops it. */
export function spinForever(..._inputs: unknown[]): never {
  for (;;) {
    // busy forever
  }
}
