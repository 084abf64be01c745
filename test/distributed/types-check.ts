/**
 * Compile-time checks of the Futures API (run by `npm run typecheck`, not by vitest): `for await`
 * over asCompleted gives DoneFutures, as the runtime does (not their results), and pairs with
 * `withResults`; a Future stays awaitable.
 */
import { asCompleted, wait, type Client, type DoneFuture, type Future } from '../../src/index.ts';

async function completed(client: Client, fs: Future<number>[]) {
  for await (const f of asCompleted(fs)) {
    const d: DoneFuture<number> = f;
    const v: number = await f.result();
    const same: DoneFuture<number> = await f; // not a thenable: awaiting gives the DoneFuture back
    const g: number = await client.gather(f);
    const h: number[] = await client.gather([f, fs[0]!]);
    // @ts-expect-error a DoneFuture is not its result
    const wrong: number = f;
    void [d, v, same, g, h, wrong];
  }
  for await (const [f, v] of asCompleted(fs, { withResults: true })) {
    const d: DoneFuture<number> = f;
    const n: number = v;
    // @ts-expect-error the pair's second item is the result, not a Future
    const bad: Future<number> = v;
    void [d, n, bad];
  }
  const { done } = await wait(fs);
  const kept: Set<Future<number>> = done;
  const n: number = await fs[0]!; // a Future is still awaitable
  return [n, kept];
}
void completed;
