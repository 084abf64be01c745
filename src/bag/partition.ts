/** What a partition is, for every kernel. Worker side. */

/**
 * A partition as an array: arrays pass through, packed numbers (a Float64Array, see
 * `fromSequence`) and other iterables are read, anything else is one element.
 */
export function asArray(part: unknown): unknown[] {
  if (Array.isArray(part)) return part;
  if (part instanceof Float64Array) return Array.from(part);
  if (part !== null && typeof part === 'object' && typeof (part as Iterable<unknown>)[Symbol.iterator] === 'function') return Array.from(part as Iterable<unknown>);
  if (part === undefined) return [];
  return [part];
}
