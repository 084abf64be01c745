/** Compile-time checks of the array API's public types (run by `npm run typecheck`, not by vitest). */
import { array, compute } from '../../src/index.ts';

async function f() {
  const x: array.Array = array.random.normal({ shape: [10], chunks: 5, seed: 1 });
  const [m, s] = await compute(x.mean(), x.std());
  const n: array.NdArray | number = m;
  const nd = await x.compute();
  if (typeof nd !== 'number') {
    const data: array.TypedArray = nd.data;
    const v: number = nd.get(0);
    void data, v;
  }
  const nested: array.NestedNumbers = await x.toArray();
  const d: array.DType = x.dtype;
  const c: readonly (readonly number[])[] = x.chunks;
  const y: array.Array = array.where(x.gt(0), x, 0).slice('1:').reshape([-1]).rechunk(3);
  // @ts-expect-error chunks must be numbers, lists or 'auto'
  array.zeros([2], { chunks: 'big' });
  // @ts-expect-error unknown dtype
  array.ones([2], { dtype: 'int64' });
  return [n, s, nested, d, c, y];
}
void f;
