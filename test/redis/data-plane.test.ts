/**
 * The data plane (src/distributed/data-plane): values round-trip exactly (same types, same bytes)
 * through the encoder and over real HTTP; missing keys are reported; requests without proof of the
 * cluster key (or replayed, stale, under a foreign Host) are refused; a server that does not hold
 * the key, or a response changed on the way, is never decoded; an unreachable or dying peer is a
 * PeerUnreachableError; close() frees the port. No Redis needed.
 */
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, request } from 'node:http';
import { createServer } from 'node:net';
import { tableFromArrays, vectorFromArray, Table, Vector } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataPlaneError, PeerUnreachableError, Secret, UNDEFINED_VALUE, decodeValue, encodeValue, fetchValues, startDataServer, type DataServer } from '../../src/distributed/data-plane/index.ts';
import { dataKey, signRequest } from '../../src/distributed/data-plane/auth.ts';
import { isAlive, waitFor } from '../helpers.ts';

const TOKEN = 'test-token-0123456789';
const SECRET = new Secret(TOKEN);

/**
 * Independent structural equality: typed arrays must have the same constructor and the same bytes
 * (so NaN payloads and -0 count), Maps/Sets/Dates/objects compared member by member.
 */
function same(a: unknown, b: unknown, path = '$'): string | null {
  if (ArrayBuffer.isView(a)) {
    if (!ArrayBuffer.isView(b) || a.constructor !== b.constructor) return `${path}: ${a.constructor.name} vs ${(b as object)?.constructor?.name}`;
    const ba = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const bb = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    return ba.equals(bb) ? null : `${path}: bytes differ`;
  }
  if (typeof a !== 'object' || a === null) return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  if (typeof b !== 'object' || b === null || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: kind differs`;
  if (a instanceof Date) return a.getTime() === (b as Date).getTime() ? null : `${path}: dates differ`;
  if (a instanceof Map) {
    const bm = b as Map<unknown, unknown>;
    if (a.size !== bm.size) return `${path}: map sizes`;
    for (const [k, v] of a) {
      if (!bm.has(k)) return `${path}: map key ${String(k)} missing`;
      const d = same(v, bm.get(k), `${path}.get(${String(k)})`);
      if (d) return d;
    }
    return null;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.join('\0') !== kb.join('\0')) return `${path}: keys ${ka} vs ${kb}`;
  for (const k of ka) {
    const d = same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

// ---- arbitraries: every typed-array type, empty ones, views at odd offsets, shared memory ----

const numbers = fc.array(fc.double(), { maxLength: 40 });
const ints = fc.array(fc.integer(), { maxLength: 40 });
const bigs = fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 20 });
type Make = (n: number[] | bigint[]) => ArrayBufferView;
const kinds: [fc.Arbitrary<number[] | bigint[]>, Make][] = [
  [ints, (x) => Int8Array.from(x as number[])],
  [ints, (x) => Uint8Array.from(x as number[])],
  [ints, (x) => Uint8ClampedArray.from(x as number[])],
  [ints, (x) => Int16Array.from(x as number[])],
  [ints, (x) => Uint16Array.from(x as number[])],
  [ints, (x) => Int32Array.from(x as number[])],
  [ints, (x) => Uint32Array.from(x as number[])],
  [numbers, (x) => Float32Array.from(x as number[])],
  [numbers, (x) => Float64Array.from(x as number[])],
  [bigs, (x) => BigInt64Array.from(x as bigint[])],
  [bigs, (x) => BigUint64Array.from((x as bigint[]).map((b) => BigInt.asUintN(64, b)))],
  [ints, (x) => Buffer.from(Uint8Array.from(x as number[]))],
  [ints, (x) => new DataView(Uint8Array.from(x as number[]).buffer)],
];

/** Re-home a view: at an element offset inside a larger buffer (odd bytes for 1-byte types), or in shared memory. */
function placed(v: ArrayBufferView, offsetElems: number, shared: boolean): ArrayBufferView {
  const C = v.constructor as unknown as { new (b: ArrayBufferLike, o: number, n: number): ArrayBufferView; BYTES_PER_ELEMENT?: number };
  if (v instanceof Buffer) return v; // Buffers keep their own pooled placement
  const size = (C.BYTES_PER_ELEMENT ?? 1) as number;
  const off = offsetElems * size;
  const mem = shared ? new SharedArrayBuffer(off + v.byteLength + size) : new ArrayBuffer(off + v.byteLength + size);
  new Uint8Array(mem, off, v.byteLength).set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return v instanceof DataView ? new DataView(mem, off, v.byteLength) : new C(mem, off, v.byteLength / size);
}

const typedArray = fc
  .tuple(fc.integer({ min: 0, max: kinds.length - 1 }), fc.integer({ min: 0, max: 3 }), fc.boolean())
  .chain(([k, off, shared]) => kinds[k]![0].map((xs) => placed(kinds[k]![1](xs as never), off, shared)));

const leaf = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
  typedArray,
  typedArray,
);

const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('tree'), { maxLength: 5 }), fc.dictionary(fc.string(), tie('tree'), { maxKeys: 5, noNullPrototype: true }), fc.array(fc.tuple(fc.string(), tie('tree')), { maxLength: 4 }).map((e) => new Map(e))),
}));

/** Dataframe partitions (src/dataframe/README.md): each column kind, with and without nulls, in shared memory or not. */
const columnsArb = fc.integer({ min: 0, max: 3000 }).chain((n) => {
  const col = fc.constantFrom('float64', 'int32', 'string', 'bool', 'date').chain((dtype) => {
    const values =
      dtype === 'float64' || dtype === 'date'
        ? fc.array(fc.double(), { minLength: n, maxLength: n }).map((x) => Float64Array.from(x))
        : dtype === 'bool'
          ? fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }).map((x) => Uint8Array.from(x))
          : fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }).map((x) => Int32Array.from(x));
    const valid = fc.option(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }).map((x) => Uint8Array.from(x)), { nil: undefined });
    return fc.record({ dtype: fc.constant(dtype), values, valid, shared: fc.boolean() }).map(({ dtype, values, valid, shared }) => ({
      dtype,
      values: placed(values, 0, shared),
      ...(dtype === 'string' ? { dict: ['a', 'bé', 'c\u0000d', '', 'e'] } : {}),
      ...(valid ? { valid } : {}),
    }));
  });
  return fc.array(col, { minLength: 1, maxLength: 5 }).map((columns) => ({ names: columns.map((_, i) => `c${i}`), length: n, columns }));
});

function arrowRows(t: Table): unknown[] {
  return t.toArray().map((r) => r.toJSON());
}

describe('encodeValue / decodeValue', () => {
  test('property: nested values with typed arrays of every type round-trip exactly, inline or out of band', () => {
    fc.assert(
      fc.property(tree, fc.constantFrom(0, 1, 64 * 1024), (v, outOfBandMin) => {
        const back = decodeValue(encodeValue(v, { outOfBandMin }).chunks);
        const diff = same(v, back);
        if (diff) throw new Error(diff);
        // Decoded typed arrays are over fresh, unshared memory, aligned for their type.
        const check = (x: unknown): void => {
          if (ArrayBuffer.isView(x)) {
            expect(x.buffer).toBeInstanceOf(ArrayBuffer);
            expect(x.byteOffset % ((x as Float64Array).BYTES_PER_ELEMENT ?? 1)).toBe(0);
          } else if (x instanceof Map) [...x.values()].forEach(check);
          else if (x && typeof x === 'object' && !(x instanceof Date)) Object.values(x).forEach(check);
        };
        check(back);
      }),
      { numRuns: 300 },
    );
  });

  test('out-of-band views are sent from their own memory, not copied', () => {
    const a = new Float64Array(100_000).fill(2);
    const { chunks, byteLength } = encodeValue({ a });
    expect(chunks.some((c) => c.buffer === a.buffer && c.byteLength === a.byteLength)).toBe(true);
    expect(byteLength).toBe(chunks.reduce((s, c) => s + c.byteLength, 0));
    expect(byteLength).toBeLessThan(a.byteLength + 200); // the header is small
  });

  test('Arrow tables and vectors come back as Arrow tables and vectors', () => {
    const t = tableFromArrays({ x: new Float64Array([1.5, -2, 3]), n: new Int32Array([1, 2, 3]), s: ['a', 'b', 'a'] });
    const v = vectorFromArray([1, null, 3]);
    const back = decodeValue(encodeValue({ t, parts: [t, 7], v }).chunks) as { t: Table; parts: [Table, number]; v: Vector };
    expect(back.t).toBeInstanceOf(Table);
    expect(back.t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(t.schema.fields.map((f) => `${f.name}:${f.type}`));
    expect(arrowRows(back.t)).toEqual([
      { x: 1.5, n: 1, s: 'a' },
      { x: -2, n: 2, s: 'b' },
      { x: 3, n: 3, s: 'a' },
    ]);
    expect(arrowRows(back.parts[0])).toEqual(arrowRows(t));
    expect(back.parts[1]).toBe(7);
    expect(back.v).toBeInstanceOf(Vector);
    expect(back.v.toJSON()).toEqual([1, null, 3]);
  });

  test('a non-value (a function) fails to encode with a clear error', () => {
    expect(() => encodeValue({ f: () => 1 })).toThrow(/could not be cloned/);
  });
});

describe('over HTTP', () => {
  const store = new Map<string, unknown>();
  let server: DataServer;
  beforeAll(async () => {
    server = await startDataServer({
      host: '127.0.0.1',
      port: 0,
      secret: SECRET,
      lookup(key) {
        if (key.startsWith('async:')) return new Promise((r) => setTimeout(() => r(store.get(key.slice(6))), 5));
        if (key === 'throws') throw new Error('spill file unreadable');
        if (key === 'hang') return new Promise(() => {});
        // A held undefined (a task that returned nothing) is not "not held".
        return store.has(key) && store.get(key) === undefined ? UNDEFINED_VALUE : store.get(key);
      },
    });
  });
  afterAll(() => server.close());

  test('address is http://host:port with the bound port', () => {
    expect(server.address).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  test('property: nested values round-trip exactly, several keys per request', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tree, { minLength: 1, maxLength: 4 }), async (vs) => {
        const keys = vs.map((v, i) => {
          store.set(`p${i}`, v);
          return `p${i}`;
        });
        const { values, missing } = await fetchValues(server.address, keys, SECRET);
        expect(missing).toEqual([]);
        expect([...values.keys()]).toEqual(keys);
        vs.forEach((v, i) => {
          const diff = same(v, values.get(`p${i}`));
          if (diff) throw new Error(diff);
        });
      }),
      { numRuns: 60 },
    );
  });

  test('a 64 MB Float64Array comes back equal byte for byte', async () => {
    const a = new Float64Array(8 << 20);
    for (let i = 0; i < a.length; i++) a[i] = Math.sin(i) * 1e6 + i;
    store.set('big', a);
    const { values } = await fetchValues(server.address, ['big'], SECRET);
    const b = values.get('big') as Float64Array;
    expect(b).toBeInstanceOf(Float64Array);
    expect(b.length).toBe(a.length);
    expect(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(a.buffer))).toBe(true);
    expect(b.buffer).not.toBe(a.buffer);
  });

  test('property: Columns partitions (some in shared memory) and an Arrow table, in one request', async () => {
    const t = tableFromArrays({ x: new Float64Array([1, 2]), s: ['p', 'q'] });
    store.set('table', t);
    await fc.assert(
      fc.asyncProperty(columnsArb, async (part) => {
        store.set('part', part);
        const { values } = await fetchValues(server.address, ['part', 'table'], SECRET);
        const diff = same(part, values.get('part'));
        if (diff) throw new Error(diff);
        expect(arrowRows(values.get('table') as Table)).toEqual([
          { x: 1, s: 'p' },
          { x: 2, s: 'q' },
        ]);
      }),
      { numRuns: 30 },
    );
  });

  test('keys the server does not hold are reported missing; a lookup may return a Promise', async () => {
    store.set('here', { a: 1 });
    const { values, missing } = await fetchValues(server.address, ['nope-1', 'here', 'async:here', 'nope-2', 'here'], SECRET);
    expect(missing).toEqual(['nope-1', 'nope-2']);
    expect([...values.keys()]).toEqual(['here', 'async:here']);
    expect(values.get('async:here')).toEqual({ a: 1 });
    expect(await fetchValues(server.address, [], SECRET)).toEqual({ values: new Map(), missing: [] });
  });

  test('a lookup that throws is a DataPlaneError naming the key (not a silent miss)', async () => {
    const e = await fetchValues(server.address, ['here', 'throws'], SECRET).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataPlaneError);
    expect((e as DataPlaneError).key).toBe('throws');
    expect((e as Error).message).toMatch(/"throws".*spill file unreadable/);
  });

  test('a request needs proof of the key: none, the bare token, another key, a replay, a stale time, another body or a foreign Host are refused', async () => {
    const key = dataKey(SECRET);
    const host = `127.0.0.1:${server.port}`;
    const body = Buffer.from(JSON.stringify(['here']));
    const raw = (headers: Record<string, string>, sent: Buffer = body) =>
      new Promise<{ status: number; body: string; proof: unknown }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/data', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
          let text = '';
          res.setEncoding('latin1');
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: text, proof: res.headers['x-shoal-proof'] }));
        });
        req.on('error', reject);
        req.end(sent);
      });
    store.set('here', { secret: 'v' });
    const none = await raw({});
    expect([none.status, none.body]).toEqual([401, 'no proof of the cluster key (x-shoal-auth and its fields)\n']);
    expect(none.proof).toBeUndefined();
    // The old way (the token itself as a bearer) is not proof either.
    expect((await raw({ authorization: `Bearer ${TOKEN}` })).status).toBe(401);
    const other = await raw(signRequest(dataKey(new Secret('another-token-0123456789')), 'POST', host, '/data', body).headers);
    expect([other.status, other.body]).toEqual([401, expect.stringContaining('wrong proof of the cluster key')]);
    const good = signRequest(key, 'POST', host, '/data', body).headers;
    const ok = await raw(good);
    expect([ok.status, typeof ok.proof]).toEqual([200, 'string']);
    expect(ok.body).toContain('secret'); // the value, v8-serialized, in the stream
    const replay = await raw(good);
    expect([replay.status, replay.body]).toEqual([401, 'replayed request (its nonce was seen before)\n']);
    const stale = await raw(signRequest(key, 'POST', host, '/data', body, Date.now() - 5 * 60_000).headers);
    expect([stale.status, stale.body]).toEqual([401, expect.stringMatching(/^stale request: its time is -300 s from this server's clock/)]);
    const swapped = await raw(signRequest(key, 'POST', host, '/data', body).headers, Buffer.from(JSON.stringify(['throws'])));
    expect([swapped.status, swapped.body]).toEqual([401, 'the body is not the one the proof was made for\n']);
    // A Host that is not this server's (a web page's name rebound to 127.0.0.1): refused before anything else.
    const rebound = await raw({ ...signRequest(key, 'POST', 'evil.example:80', '/data', body).headers, host: 'evil.example:80' });
    expect(rebound.status).toBe(421);
    expect(rebound.body).toContain(`refusing Host "evil.example:80": this server answers only to 127.0.0.1:${server.port}, localhost:${server.port}`);
    const e = await fetchValues(server.address, ['here'], new Secret('wrong-token-0123456789')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataPlaneError);
    expect((e as DataPlaneError).status).toBe(401);
    expect((e as Error).message).toMatch(/refused this request's proof of the cluster key \(401: wrong proof/);
  });

  test('an abort signal stops a fetch with its reason', async () => {
    const ac = new AbortController();
    const p = fetchValues(server.address, ['hang'], SECRET, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stop now')), 50);
    await expect(p).rejects.toThrow('stop now');
  });

  test('a peer that sends nothing for timeoutMs is unreachable', async () => {
    const e = await fetchValues(server.address, ['hang'], SECRET, { timeoutMs: 300 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PeerUnreachableError);
  });

  test('bad addresses are named', async () => {
    await expect(fetchValues('127.0.0.1:80', ['x'], SECRET)).rejects.toThrow(/invalid data server address "127.0.0.1:80"/);
    await expect(fetchValues('ftp://h:1', ['x'], SECRET)).rejects.toThrow(/ftp:\/\/h:1/);
  });
});

describe('unreachable peers and closing', () => {
  test('a closed port: PeerUnreachableError; close() frees the port', async () => {
    const s = await startDataServer({ host: '127.0.0.1', port: 0, secret: SECRET, lookup: () => 1 });
    expect((await fetchValues(s.address, ['k'], SECRET)).values.get('k')).toBe(1); // leaves a kept-alive socket
    await s.close();
    const e = await fetchValues(s.address, ['k'], SECRET).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PeerUnreachableError);
    expect((e as PeerUnreachableError).address).toBe(s.address);
    // The port is free again: a plain listener and a new data server can both take it in turn.
    await new Promise<void>((resolve, reject) => {
      const n = createServer();
      n.once('error', reject);
      n.listen(s.port, '127.0.0.1', () => n.close(() => resolve()));
    });
    const again = await startDataServer({ host: '127.0.0.1', port: s.port, secret: SECRET, lookup: () => 2 });
    expect((await fetchValues(again.address, ['k'], SECRET)).values.get('k')).toBe(2);
    await again.close();
  });

  test('a port in use is a clear error naming host and port', async () => {
    const s = await startDataServer({ host: '127.0.0.1', port: 0, secret: SECRET, lookup: () => 1 });
    await expect(startDataServer({ host: '127.0.0.1', port: s.port, secret: SECRET, lookup: () => 1 })).rejects.toThrow(`127.0.0.1:${s.port}: EADDRINUSE`);
    await s.close();
  });

  test('an HTTP server that is not a data server: DataPlaneError (no proof, or its status), not unreachable', async () => {
    const other = createHttpServer((_req, res) => res.writeHead(200).end('<html>hello</html>, not frames at all'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const address = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
    try {
      const e = await fetchValues(address, ['k'], SECRET).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DataPlaneError);
      expect((e as Error).message).toContain('did not prove it holds the cluster key');
      other.removeAllListeners('request');
      other.on('request', (_req, res) => res.writeHead(503).end('maintenance'));
      const e2 = await fetchValues(address, ['k'], SECRET).catch((x: unknown) => x);
      expect(e2).toBeInstanceOf(DataPlaneError);
      expect((e2 as DataPlaneError).status).toBe(503);
      expect((e2 as Error).message).toContain('HTTP 503: maintenance');
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });

  test('an empty secret, or none, is refused', async () => {
    expect(() => new Secret('')).toThrow(/the cluster secret must not be empty/);
    await expect(startDataServer({ host: '127.0.0.1', port: 0, secret: TOKEN as never, lookup: () => 1 })).rejects.toThrow(/needs the cluster secret/);
  });

  test('the server closing connections mid-stream: PeerUnreachableError', async () => {
    const big = new Float64Array(4 << 20);
    let s: DataServer | undefined;
    s = await startDataServer({
      host: '127.0.0.1',
      port: 0,
      secret: SECRET,
      lookup: (k) => {
        if (k === 'cut') void s!.close(); // drops every connection, this response's included
        return big;
      },
    });
    const e = await fetchValues(s.address, ['big', 'cut', 'big2'], SECRET).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PeerUnreachableError);
  });

  test('a peer process that dies mid-stream: PeerUnreachableError, then refused', async () => {
    const script = new URL('./fixtures/dying-data-server.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', script, TOKEN], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`fixture exited (${code}) before printing its address`)));
      });
      expect((await fetchValues(address, ['small'], SECRET)).values.get('small')).toBe(42);
      const e = await fetchValues(address, ['big', 'die', 'small'], SECRET).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PeerUnreachableError);
      expect(await waitFor(() => child.exitCode !== null)).toBe(true);
      expect(child.exitCode).toBe(3);
      await expect(fetchValues(address, ['small'], SECRET)).rejects.toBeInstanceOf(PeerUnreachableError);
    } finally {
      if (child.pid && isAlive(child.pid)) child.kill('SIGKILL');
    }
  });
});

describe('the server proves itself: a stream is decoded only from a holder of the key, unchanged', () => {
  const secret = [...'each byte of this long value is part of the secret'].join('');
  const value = () => {
    const raw = new Uint8Array(256 * 1024).fill(0x41);
    raw.set(Buffer.from('MARKER-raw-00001'), 100_000);
    return { label: 'MARKER-struct-01', raw, note: secret };
  };
  let upstream: DataServer;
  let proxy: ReturnType<typeof createHttpServer>;
  let address = '';
  /** What the man in the middle does to each answer: pass it on, change bytes, or send an earlier one. */
  let mode: 'pass' | 'struct' | 'raw' | 'replay' = 'pass';
  let recorded: { status: number; headers: Record<string, string>; body: Buffer } | undefined;
  const requests: Buffer[] = [];

  beforeAll(async () => {
    // The real server on 127.0.0.2; the man in the middle on 127.0.0.1 at the same port, so the
    // fetcher's Host (127.0.0.1:port) is one the real server answers to, as on a network path.
    upstream = await startDataServer({ host: '127.0.0.2', port: 0, secret: SECRET, lookup: (k) => (k === 'v' ? value() : undefined) });
    proxy = createHttpServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        const body = Buffer.concat(parts);
        requests.push(Buffer.concat([Buffer.from(JSON.stringify(req.headers)), body]));
        const answer = (r: NonNullable<typeof recorded>) => {
          let out = r.body;
          if (mode === 'struct') out = Buffer.from(out.toString('latin1').replace('MARKER-struct-01', 'MARKER-struct-02'), 'latin1');
          if (mode === 'raw') out = Buffer.from(out.toString('latin1').replace('MARKER-raw-00001', 'MARKER-raw-00002'), 'latin1');
          res.writeHead(r.status, r.headers).end(out);
        };
        if (mode === 'replay' && recorded) return answer(recorded);
        const up = request({ host: '127.0.0.2', port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
          const got: Buffer[] = [];
          ur.on('data', (d: Buffer) => got.push(d));
          ur.on('end', () => {
            const headers = { ...(ur.headers as Record<string, string>) };
            delete headers['transfer-encoding'];
            delete headers['content-length'];
            recorded = { status: ur.statusCode!, headers, body: Buffer.concat(got) };
            answer(recorded);
          });
        });
        up.on('error', () => res.destroy());
        up.end(body);
      });
    });
    await new Promise<void>((r) => proxy.listen(upstream.port, '127.0.0.1', r));
    address = `http://127.0.0.1:${upstream.port}`;
  });
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
    await upstream.close();
  });

  test('passed on unchanged, the value arrives; the wire carries neither the token nor the data key', async () => {
    mode = 'pass';
    const { values } = await fetchValues(address, ['v'], SECRET);
    const v = values.get('v') as ReturnType<typeof value>;
    expect(v.label).toBe('MARKER-struct-01');
    expect(Buffer.from(v.raw).indexOf('MARKER-raw-00001')).toBe(100_000);
    const { createHmac } = await import('node:crypto');
    const derived = createHmac('sha256', TOKEN).update('shoal data plane v1').digest();
    const wire = Buffer.concat(requests);
    for (const form of [Buffer.from(TOKEN), derived, Buffer.from(derived.toString('hex')), Buffer.from(derived.toString('base64')), Buffer.from(derived.toString('base64url'))]) expect(wire.indexOf(form)).toBe(-1);
  });

  test("a byte changed in a value's structure (its v8 header): refused before it is decoded", async () => {
    mode = 'struct';
    const e = await fetchValues(address, ['v'], SECRET).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataPlaneError);
    expect((e as Error).message).toMatch(/failed its authentication tag .*it was not decoded/);
  });

  test('a byte changed in its raw typed-array bytes: refused, the value is not handed on', async () => {
    mode = 'raw';
    const e = await fetchValues(address, ['v'], SECRET).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataPlaneError);
    expect((e as Error).message).toMatch(/failed its authentication tag/);
  });

  test("an earlier genuine answer sent again (proof and all): not this request's, so nothing is read", async () => {
    mode = 'pass';
    await fetchValues(address, ['v'], SECRET); // recorded
    mode = 'replay';
    const e = await fetchValues(address, ['v'], SECRET).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataPlaneError);
    expect((e as Error).message).toMatch(/did not prove it holds the cluster key/);
  });
});
