/**
 * Deterministic tokens for content-addressed keys: the same inputs give the same token in every
 * process and run (no object identity, no insertion order of object keys, no random seeds).
 * Values are walked into a SHA-1 stream with a type tag before each part, so `1` and `'1'` differ.
 */
import { createHash, type Hash } from 'node:crypto';

const TOKEN_CHARS = 16;

/**
 * A hex token for `values`, the same in every process and run: content-addressed keys are
 * `${name}-${tokenize(inputs)}`.
 * @example
 * tokenize({ a: 1, b: [2, 3] }) === tokenize({ b: [2, 3], a: 1 });   // true
 */
export function tokenize(...values: unknown[]): string {
  const h = createHash('sha1');
  const seen = new Set<object>();
  for (const v of values) feed(h, v, seen);
  return h.digest('hex').slice(0, TOKEN_CHARS);
}

/** Extra tokenizers for classes that need one (collections register theirs). */
const custom: Array<{ test: (v: object) => boolean; token: (v: object) => unknown }> = [];
export function registerTokenizer(test: (v: object) => boolean, token: (v: object) => unknown): void {
  custom.push({ test, token });
}

/** A process-unique token for values that are not pure (Dask's uuid keys). */
let counter = 0;
const processSalt = createHash('sha1')
  .update(`${process.pid}:${Date.now()}:${Math.random()}`)
  .digest('hex')
  .slice(0, 8);
export function uniqueToken(): string {
  counter += 1;
  return `${processSalt}${counter.toString(16).padStart(8, '0')}`;
}

function feed(h: Hash, v: unknown, seen: Set<object>): void {
  switch (typeof v) {
    case 'undefined':
      h.update('u;');
      return;
    case 'boolean':
      h.update(v ? 't;' : 'f;');
      return;
    case 'number':
      h.update(`n${Object.is(v, -0) ? '-0' : String(v)};`);
      return;
    case 'bigint':
      h.update(`b${v};`);
      return;
    case 'string':
      h.update(`s${v.length}:`);
      h.update(v);
      return;
    case 'symbol':
      h.update(`y${v.description ?? ''};`);
      return;
    case 'function': {
      // Functions are tokenized by their source text (and any shipping spec attached to them).
      const spec = (v as { shoalSpec?: unknown }).shoalSpec;
      if (spec !== undefined) {
        h.update('F');
        feed(h, spec, seen);
      } else {
        h.update(`f${v.name}:`);
        h.update(Function.prototype.toString.call(v));
      }
      return;
    }
    case 'object':
      break;
  }
  if (v === null) {
    h.update('z;');
    return;
  }
  const o = v as object;
  if (seen.has(o)) {
    h.update('c;'); // a cycle: stable marker
    return;
  }
  for (const c of custom) {
    if (c.test(o)) {
      h.update('C');
      feed(h, c.token(o), seen);
      return;
    }
  }
  seen.add(o);
  if (ArrayBuffer.isView(o)) {
    h.update(`v${o.constructor.name}:${o.byteLength}:`);
    h.update(new Uint8Array(o.buffer, o.byteOffset, o.byteLength));
  } else if (o instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && o instanceof SharedArrayBuffer)) {
    h.update(`B${o.byteLength}:`);
    h.update(new Uint8Array(o));
  } else if (Array.isArray(o)) {
    h.update(`a${o.length}[`);
    for (const x of o) feed(h, x, seen);
    h.update(']');
  } else if (o instanceof Map) {
    const entries = [...o.entries()].map(([k, x]) => [tokenize(k), x] as const).sort((a, b) => cmp(a[0], b[0]));
    h.update(`m${entries.length}{`);
    for (const [k, x] of entries) {
      h.update(k);
      feed(h, x, seen);
    }
    h.update('}');
  } else if (o instanceof Set) {
    const items = [...o].map((x) => tokenize(x)).sort(cmp);
    h.update(`S${items.length}{${items.join(',')}}`);
  } else if (o instanceof Date) {
    h.update(`d${o.getTime()};`);
  } else if (o instanceof RegExp) {
    h.update(`r${o.source}/${o.flags};`);
  } else {
    const proto = Object.getPrototypeOf(o);
    const tag = proto === null || proto === Object.prototype ? '' : (proto.constructor?.name ?? '?');
    const keys = Object.keys(o).sort();
    h.update(`o${tag}:${keys.length}{`);
    for (const k of keys) {
      h.update(`${k.length}:${k}`);
      feed(h, (o as Record<string, unknown>)[k], seen);
    }
    h.update('}');
  }
  seen.delete(o);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
