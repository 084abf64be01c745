/**
 * Reusable per-thread scratch blocks. A block that a reduction consumes in the same task (an
 * elementwise expression or random values feeding a sum) never leaves the task, so it is made in
 * scratch memory that the next such task reuses: no fresh allocation (page faults on 8-80 MB cost
 * as much as the arithmetic), no garbage.
 */
import { ctorOf, type DType, type TypedArray } from '../dtype.ts';

const pool = new Map<DType, TypedArray>();

/** A typed array of `n` elements of `dtype` whose contents are garbage; valid until the next call. */
export function scratch(dtype: DType, n: number): TypedArray {
  let buf = pool.get(dtype);
  if (!buf || buf.length < n) {
    const C = ctorOf(dtype);
    buf = new C(Math.max(n, 1));
    pool.set(dtype, buf);
  }
  // Not cleared: its users (random values, elementwise expressions) write every element.
  return buf.subarray(0, n);
}
