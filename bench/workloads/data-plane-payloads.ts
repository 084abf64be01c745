/** The `data-plane` workload's payloads, made the same way by the server and checked by the client. */

/** 'f64-64MB', 'f64-256MB': a Float64Array of that many bytes; 'columns-1M': a dataframe partition. */
export function makePayload(name: string): unknown {
  const m = /^f64-(\d+)MB$/.exec(name);
  if (m) {
    const a = new Float64Array((Number(m[1]) << 20) / 8);
    for (let i = 0; i < a.length; i++) a[i] = i;
    return a;
  }
  if (name === 'columns-1M') return columns(1_000_000);
  throw new Error(`unknown data-plane payload ${name}`);
}

/** A `Columns` partition (src/dataframe/README.md): float64 with nulls, int32, string, bool, date. */
function columns(n: number) {
  const f = new Float64Array(n);
  const i32 = new Int32Array(n);
  const codes = new Int32Array(n);
  const b = new Uint8Array(n);
  const d = new Float64Array(n);
  const valid = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    f[k] = k * 0.5;
    i32[k] = k;
    codes[k] = k % 100;
    b[k] = k & 1;
    d[k] = 1.6e12 + k * 1000;
    valid[k] = k % 7 ? 1 : 0;
  }
  return {
    names: ['f', 'i', 's', 'b', 'd'],
    length: n,
    columns: [
      { dtype: 'float64', values: f, valid },
      { dtype: 'int32', values: i32 },
      { dtype: 'string', values: codes, dict: Array.from({ length: 100 }, (_, k) => `name-${k}`) },
      { dtype: 'bool', values: b },
      { dtype: 'date', values: d },
    ],
  };
}

/** Bytes of typed-array data in a payload (what GB/s is computed over). */
export function payloadBytes(v: unknown): number {
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (Array.isArray(v)) return v.reduce((s: number, x) => s + payloadBytes(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce((s: number, x) => s + payloadBytes(x), 0);
  return 0;
}
