/** A binary min-heap of small integers ordered by a priority array (lower runs first). */
export class PriorityHeap {
  private items: number[] = [];
  constructor(private readonly priority: ArrayLike<number>) {}

  get size(): number {
    return this.items.length;
  }

  push(i: number): void {
    const a = this.items;
    const p = this.priority;
    let n = a.length;
    a.push(i);
    while (n > 0) {
      const parent = (n - 1) >> 1;
      if (p[a[parent]!]! <= p[i]!) break;
      a[n] = a[parent]!;
      n = parent;
    }
    a[n] = i;
  }

  pop(): number {
    const a = this.items;
    const p = this.priority;
    const top = a[0]!;
    const last = a.pop()!;
    const len = a.length;
    if (len > 0) {
      let n = 0;
      for (;;) {
        const l = 2 * n + 1;
        if (l >= len) break;
        const r = l + 1;
        const c = r < len && p[a[r]!]! < p[a[l]!]! ? r : l;
        if (p[a[c]!]! >= p[last]!) break;
        a[n] = a[c]!;
        n = c;
      }
      a[n] = last;
    }
    return top;
  }
}
