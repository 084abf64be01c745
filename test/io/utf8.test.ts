/** The UTF-8 check of CSV bytes (src/io/utf8.ts) against Node's own validator and decoder. */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { invalidUtf8At } from '../../src/io/utf8.ts';

test('invalidUtf8At finds the first bad sequence: stray continuation, overlong, surrogate, past U+10FFFF, cut short', () => {
  const at = (...bytes: number[]) => invalidUtf8At(Uint8Array.from(bytes));
  expect(at(0x61, 0x62)).toBe(-1);
  expect(at(...Buffer.from('Zürich 東京 😀'))).toBe(-1);
  expect(at(0x61, 0x80)).toBe(1);
  expect(at(0xc0, 0x80)).toBe(0); // overlong NUL
  expect(at(0xe0, 0x80, 0x80)).toBe(0); // overlong
  expect(at(0x61, 0xed, 0xa0, 0x80)).toBe(1); // U+D800
  expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // U+110000
  expect(at(0x61, 0xe2, 0x82)).toBe(1); // cut short at the end
  expect(at(0xe2, 0x82, 0x61)).toBe(0);
  expect(at(0xfc)).toBe(0);
});

test('property: it agrees with Node (isUtf8, the fatal TextDecoder) on any bytes', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0)), { maxLength: 40 }), (bytes) => {
      const b = Uint8Array.from(bytes);
      const at = invalidUtf8At(b);
      expect(at === -1).toBe(isUtf8(b));
      if (at >= 0) {
        // Everything before it is UTF-8, and decoding strictly from there fails.
        expect(isUtf8(b.subarray(0, at))).toBe(true);
        expect(() => fatal.decode(b.subarray(at))).toThrow();
      }
    }),
    { numRuns: 2000 },
  );
});
