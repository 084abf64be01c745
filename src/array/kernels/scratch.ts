/**
 * Reusable per-thread scratch blocks. A block that a reduction consumes in the same task (an
 * elementwise expression or random values feeding a sum) never leaves the task, so it is made in
 * scratch memory that the next such task reuses: no fresh allocation (page faults on 8-80 MB cost
 * as much as the arithmetic), no garbage. Numbered slots let one task hold several at once (the
 * random leaves of an elementwise expression next to the strip being reduced).
 */
import { ctorOf, type DType, type TypedArray } from '../dtype.ts';

const pool = new Map<string, TypedArray>();
const allocs: ((dtype: DType, n: number) => TypedArray)[] = [];

/** A typed array of `n` elements of `dtype` whose contents are garbage; valid until the next call for the same slot. */
export function scratch(dtype: DType, n: number, slot = 0): TypedArray {
  const id = `${slot}:${dtype}`;
  let buf = pool.get(id);
  if (!buf || buf.length < n) {
    const C = ctorOf(dtype);
    buf = new C(Math.max(n, 1));
    pool.set(id, buf);
  }
  // Not cleared: its users (random values, elementwise expressions) write every element.
  return buf.subarray(0, n);
}

/** `scratch` bound to one slot, in the shape of an allocator (`randomInto`, `ewInto`). */
export function scratchSlot(slot: number): (dtype: DType, n: number) => TypedArray {
  return (allocs[slot] ??= (dtype, n) => scratch(dtype, n, slot));
}
