/**
 * The free-variable check of shipped source (src/schedulers/ship.ts, acorn + periscopic): a class
 * expression's own name is bound inside the class only, like a named function expression's.
 */
import { expect, test } from 'vitest';
import { analyzeSource } from '../../src/schedulers/ship.ts';

const free = (code: string) => analyzeSource(code).free;

test('a named class expression references nothing outside through its own name', () => {
  expect(free('(x) => { const C = class Foo { static make() { return new Foo(); } }; return C.make(); }')).toEqual([]);
  expect(free('function f() { return class Foo {}; }')).toEqual([]);
  expect(free('class Foo { m() { return Foo; } }')).toEqual([]);
  expect(free('(x) => new (class Counter { n = x; get() { return this.n; } })().get()')).toEqual([]);
  expect(free('(x) => { const { a = class Foo { m() { return Foo; } } } = x; return a; }')).toEqual([]);
  expect(free('(x) => ({ k: class Named { static twice() { return new Named(); } } })')).toEqual([]);
});

test('outside variables are still found in and around class expressions', () => {
  expect(free('(x) => { const C = class Foo { m() { return outside + Foo.k; } }; return C; }')).toEqual(['outside']);
  expect(free('(x) => { const C = class Foo extends Base {}; return C; }')).toEqual(['Base']);
  expect(free('(x) => { const C = class Foo { k = limit; }; return C; }')).toEqual(['limit']);
  expect(free('(x) => { const C = class Foo { static { init(); } }; return C; }')).toEqual(['init']);
  // The name is not visible after the class.
  expect(free('(x) => { const C = class Foo {}; return Foo; }')).toEqual(['Foo']);
  // Class declarations and named function expressions, as before.
  expect(free('(x) => { class Acc { add(v) { return v + k; } } return new Acc(); }')).toEqual(['k']);
  expect(free('(x) => { const f = function named() { return named; }; return f(); }')).toEqual([]);
});
