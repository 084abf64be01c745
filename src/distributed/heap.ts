/** A binary min-heap of items ordered by a priority tuple (compared element by element, lower first). */
export type Priority = readonly number[];

export function comparePriority(a: Priority, b: Priority): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export class TupleHeap<T> {
  private items: T[] = [];
  constructor(private readonly priorityOf: (x: T) => Priority) {}

  get size(): number {
    return this.items.length;
  }

  push(x: T): void {
    const a = this.items;
    let n = a.length;
    a.push(x);
    const px = this.priorityOf(x);
    while (n > 0) {
      const parent = (n - 1) >> 1;
      if (comparePriority(this.priorityOf(a[parent]!), px) <= 0) break;
      a[n] = a[parent]!;
      n = parent;
    }
    a[n] = x;
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    const len = a.length;
    if (len > 0) {
      const pl = this.priorityOf(last);
      let n = 0;
      for (;;) {
        const l = 2 * n + 1;
        if (l >= len) break;
        const r = l + 1;
        const c = r < len && comparePriority(this.priorityOf(a[r]!), this.priorityOf(a[l]!)) < 0 ? r : l;
        if (comparePriority(this.priorityOf(a[c]!), pl) >= 0) break;
        a[n] = a[c]!;
        n = c;
      }
      a[n] = last;
    }
    return top;
  }
}
