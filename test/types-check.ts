/** Compile-time checks of the public types (run by `npm run typecheck`, not by vitest). */
import { compute, delayed, persist } from '../src/index.ts';
const a = delayed((x: number) => x + 1)(1);
const b = delayed((x: number) => String(x))(1);
async function f() {
  const [x, y] = await compute(a, b);
  const n: number = x; const s: string = y;
  const [p, q, r] = await compute(a, b, 7, { scheduler: 'sync', callbacks: [{ finish: (st) => st.tasks }] });
  const n2: number = p; const s2: string = q; const r2: number = r;
  const [pa] = await persist(a, { scheduler: 'sync' });
  const n3: number = await pa.compute();
  // @ts-expect-error wrong type
  const bad: string = (await compute(a))[0];
  return [n, s, n2, s2, r2, n3, bad];
}
void f;
